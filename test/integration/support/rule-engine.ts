// A small stand-in policy for transport tests: the authorization decisions themselves are tested
// with the real compiled policy elsewhere; here only the wire mapping matters.
import type { PolicyEngine, PolicyInput, PolicyOutcome } from '../../../src/policy/policy-engine.js';

export class RuleEngine implements PolicyEngine {
  isReady = true;
  readonly inputs: PolicyInput[] = [];

  evaluate(input: PolicyInput): PolicyOutcome {
    this.inputs.push(input);
    if (!this.isReady) return { kind: 'unavailable', code: 'policy_unavailable' };
    const decided = (allowed: boolean, reason: string): PolicyOutcome => ({
      kind: 'decided',
      result: { allowed, reason, headers: {}, endpoint: '/apis/{name}', workspace: 'default', roles: allowed ? ['Editor'] : [] },
    });
    if (input.path === '/healthz') return decided(true, 'public');
    if (input.principal_id === null) return decided(false, 'unauthenticated');
    if (input.path.startsWith('/admin')) return decided(false, 'no_role');
    return decided(true, 'role');
  }
}
