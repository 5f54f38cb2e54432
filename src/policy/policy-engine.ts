// The evaluate() boundary between the decision pipeline and whatever runs the policy.
import type { TokenKind } from '../identity/identity.js';
import type { InputUse } from '../rego/input-use.js';

export type { InputUse };

/** §8.2: the fields of PolicyInput, every one always present. */
export const POLICY_INPUT_FIELDS = [
  'principal_id', 'principal_email', 'principal_groups', 'scopes', 'token_kind', 'claims',
  'method', 'path', 'query', 'host', 'headers',
] as const;

export type PolicyInputField = (typeof POLICY_INPUT_FIELDS)[number];

/** §8.2. */
export interface PolicyInput extends Readonly<Record<PolicyInputField, unknown>> {
  readonly principal_id: string | null;
  readonly principal_email: string | null;
  readonly principal_groups: readonly string[];
  readonly scopes: readonly string[];
  readonly token_kind: TokenKind | 'none';
  readonly claims: Readonly<Record<string, unknown>>;
  /** Lower-case. */
  readonly method: string;
  /** Without the query; already checked for dot-segments and encoded separators. */
  readonly path: string;
  readonly query: Readonly<Record<string, readonly string[]>>;
  readonly host: string;
  /** Lower-case names, without authorization and cookie. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface PolicyResult {
  readonly allowed: boolean;
  readonly reason: string;
  /** Extra upstream headers the policy asks for, on top of the §4.3 identity headers. */
  readonly headers: Readonly<Record<string, string>>;
  readonly endpoint: string | null;
  readonly workspace: string | null;
  readonly roles: readonly string[];
}

export type PolicyOutcome =
  | { readonly kind: 'decided'; readonly result: PolicyResult }
  | { readonly kind: 'unavailable'; readonly code: 'policy_unavailable' | 'policy_error' };

export interface PolicyEngine {
  /** Policy compiled and data loaded: readiness and the fail-closed 503 depend on it. */
  readonly isReady: boolean;
  evaluate(input: PolicyInput): PolicyOutcome;
  /**
   * For decision caching, both changed together with the policy or data: a counter bumped on every
   * swap, and what the policy reads of input (null or absent: unknown, so never cached).
   */
  readonly revision?: number;
  readonly inputUse?: InputUse | null;
}
