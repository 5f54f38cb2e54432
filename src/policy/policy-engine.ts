// The evaluate() boundary between the decision pipeline and whatever runs the policy.
import type { TokenKind } from '../identity/identity.js';

/** §8.2. */
export interface PolicyInput {
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
}
