// Policy results memoised per caller and per the request fields the policy reads.
//
// A deterministic policy evaluated twice on the same data with inputs that agree on every path it
// reads gives the same result. The compiler records those paths in each module (src/rego/
// input-use.ts), so a key made of them is exact, not a guess:
// - the identity fields (principal_*, scopes, token_kind, claims) are fixed for an identity object,
//   which the token cache hands out for one verified token; the key names the object by a serial;
// - method and path are always in the key; host, the query and single headers only when read;
// - a policy that reads all headers, the entire input, or calls a nondeterministic built-in
//   (time.now_ns) is never cached, nor is a module without the record;
// - every entry carries the engine revision it was computed at and is ignored after any policy or
//   data swap, so no answer outlives the policy or data it came from.
import type { Identity } from '../identity/identity.js';
import { POLICY_INPUT_FIELDS, type InputUse, type PolicyEngine, type PolicyInput, type PolicyInputField, type PolicyOutcome } from '../policy/policy-engine.js';
import { assertNever } from '../shared/assert-never.js';
import { TwoGenerationMap } from '../shared/two-generation-map.js';

const INPUT_FIELDS: ReadonlySet<string> = new Set(POLICY_INPUT_FIELDS);

function isInputField(name: string): name is PolicyInputField {
  return INPUT_FIELDS.has(name);
}

/** Which request fields, beyond method and path, a key must hold. */
export interface DecisionKeyPlan {
  readonly host: boolean;
  readonly query: boolean;
  /** Header names whose value (or absence) the policy may observe. */
  readonly headers: readonly string[];
}

/** null: the policy's answers cannot be cached. Every §8.2 field is always present in the input. */
export function decisionKeyPlan(use: InputUse): DecisionKeyPlan | null {
  if (use.nondeterministic.length > 0) return null;
  let host = false;
  let query = false;
  const headers = new Set<string>();
  for (const [top, member] of use.values) {
    if (top === undefined) return null;
    // Any other name is absent from every input: reading it observes nothing that varies.
    if (!isInputField(top)) continue;
    switch (top) {
      case 'principal_id':
      case 'principal_email':
      case 'principal_groups':
      case 'scopes':
      case 'token_kind':
      case 'claims':
        // Fixed for an identity object: the key names the object.
        break;
      case 'method':
      case 'path':
        // Always in the key.
        break;
      case 'host':
        host = true;
        break;
      case 'query':
        query = true;
        break;
      case 'headers':
        // Requests differ in x-request-id and friends: a key over every header would never repeat.
        if (member === undefined) return null;
        headers.add(member);
        break;
      default:
        assertNever(top, 'input field');
    }
  }
  for (const [top, member] of use.presence) {
    // Top-level fields are always present; below them, presence varies only in query and headers.
    if (member === undefined) continue;
    if (top === 'query') query = true;
    else if (top === 'headers') headers.add(member);
  }
  return { host, query, headers: [...headers].sort() };
}

interface Entry {
  readonly revision: number;
  /** The engine's own (immutable) outcome, handed out again as it is: a hit allocates nothing. */
  readonly outcome: Extract<PolicyOutcome, { readonly kind: 'decided' }>;
}

const lengthPrefixed = (text: string): string => `${text.length}:${text}`;

export class DecisionCache {
  private readonly entries: TwoGenerationMap<string, Entry>;
  /** Serials name identity objects in keys; 0 is the anonymous caller. */
  private readonly serials = new WeakMap<Identity, number>();
  private nextSerial = 1;
  private planFor: InputUse | null = null;
  private plan: DecisionKeyPlan | null = null;
  hits = 0;
  misses = 0;

  constructor(maxEntries: number) {
    this.entries = new TwoGenerationMap(maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  /** engine.evaluate(input), answered from the cache when an equivalent input was decided at this revision. */
  evaluate(engine: PolicyEngine, identity: Identity | null, input: PolicyInput): PolicyOutcome {
    const key = this.key(engine.inputUse ?? null, identity, input);
    if (key === null) return engine.evaluate(input);
    // Read before evaluating: a swap cannot happen in between (both are synchronous), so the
    // entry is filed under the revision that produced it.
    const revision = engine.revision ?? 0;
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.revision === revision) {
      this.hits += 1;
      return entry.outcome;
    }
    this.misses += 1;
    const outcome = engine.evaluate(input);
    if (outcome.kind === 'decided') this.entries.set(key, { revision, outcome });
    return outcome;
  }

  private key(use: InputUse | null, identity: Identity | null, input: PolicyInput): string | null {
    if (use === null) return null;
    if (use !== this.planFor) {
      this.planFor = use;
      this.plan = decisionKeyPlan(use);
    }
    const plan = this.plan;
    if (plan === null) return null;
    const serial = this.serial(identity);
    if (serial === null) return null;
    let key = `${serial}|${lengthPrefixed(input.method)}${lengthPrefixed(input.path)}`;
    if (plan.host) key += lengthPrefixed(input.host);
    if (plan.query) key += lengthPrefixed(JSON.stringify(input.query));
    for (const name of plan.headers) {
      const value = Object.hasOwn(input.headers, name) ? input.headers[name] : undefined;
      key += value === undefined ? '-' : lengthPrefixed(value);
    }
    return key;
  }

  private serial(identity: Identity | null): number | null {
    if (identity === null) return 0;
    // Trusted-header identities are built anew for every request: their entries would never hit.
    if (identity.tokenKind === 'header') return null;
    let serial = this.serials.get(identity);
    if (serial === undefined) {
      serial = this.nextSerial++;
      this.serials.set(identity, serial);
    }
    return serial;
  }
}
