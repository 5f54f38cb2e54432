import { strict as assert } from 'node:assert';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DecisionCache, decisionKeyPlan } from '../../src/authz/decision-cache.js';
import type { Identity } from '../../src/identity/identity.js';
import { EMPTY_MEMBERS, type MembersDocument } from '../../src/members/members-document.js';
import type { InputUse, PolicyEngine, PolicyInput, PolicyOutcome } from '../../src/policy/policy-engine.js';
import { PolicyRuntime } from '../../src/policy/policy-runtime.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { writePolicyDirectory } from '../policy/support/policy-fixture.js';

const use = (values: string[][], presence: string[][] = [], nondeterministic: string[] = []): InputUse => ({ values, presence, nondeterministic });
const ROUTING = use([['method'], ['path'], ['principal_id']]);

/** Answers from the input it is given and counts evaluations; the real module runs further down. */
class CountingEngine implements PolicyEngine {
  isReady = true;
  revision = 1;
  evaluations = 0;
  constructor(public inputUse: InputUse | null, public outcome: PolicyOutcome | null = null) {}
  evaluate(input: PolicyInput): PolicyOutcome {
    this.evaluations += 1;
    if (this.outcome !== null) return this.outcome;
    const allowed = input.headers['x-team'] === 'a';
    return { kind: 'decided', result: { allowed, reason: `${input.principal_id ?? 'anon'}:${input.path}:${this.revision}`, headers: {}, endpoint: null, workspace: null, roles: [] } };
  }
}

function identity(principalId: string, tokenKind: Identity['tokenKind'] = 'oidc'): Identity {
  return { principalId, email: null, groups: [], scopes: [], tokenKind, claims: { sub: principalId }, issuer: null, keyId: null, headers: [] };
}

function inputFor(who: Identity | null, extra: Partial<PolicyInput> = {}): PolicyInput {
  return {
    principal_id: who?.principalId ?? null, principal_email: who?.email ?? null, principal_groups: who?.groups ?? [], scopes: who?.scopes ?? [],
    token_kind: who?.tokenKind ?? 'none', claims: who?.claims ?? {},
    method: 'get', path: '/a', query: {}, host: 'h', headers: { 'x-request-id': String(Math.random()) }, ...extra,
  };
}

function reason(outcome: PolicyOutcome): string {
  return outcome.kind === 'decided' ? outcome.result.reason : outcome.code;
}

describe('authz: decision cache', () => {
  describe('the key plan derived from what the policy reads', () => {
    it('needs only the caller, method and path for a routing policy', () => {
      assert.deepEqual(decisionKeyPlan(ROUTING), { host: false, query: false, headers: [] });
    });

    it('adds single headers, the host and the query when the policy reads them', () => {
      assert.deepEqual(decisionKeyPlan(use([['headers', 'x-b'], ['host'], ['query', 'q']], [['headers', 'x-a']])), { host: true, query: true, headers: ['x-a', 'x-b'] });
    });

    it('refuses the entire input, all headers, and nondeterministic policies', () => {
      assert.equal(decisionKeyPlan(use([[]])), null);
      assert.equal(decisionKeyPlan(use([['headers']])), null);
      assert.equal(decisionKeyPlan(use([['path']], [], ['time.now_ns'])), null);
    });

    it('ignores names the input never has and presence of the always-present fields', () => {
      assert.deepEqual(decisionKeyPlan(use([['nonsense', 'x']], [[], ['headers'], ['query']])), { host: false, query: false, headers: [] });
    });
  });

  it('answers a repeated equivalent request without evaluating, despite unread headers differing', () => {
    const engine = new CountingEngine(ROUTING);
    const cache = new DecisionCache(100);
    const alice = identity('alice');
    const first = cache.evaluate(engine, alice, inputFor(alice));
    const second = cache.evaluate(engine, alice, inputFor(alice));
    assert.equal(engine.evaluations, 1);
    assert.deepEqual(second, first);
    assert.deepEqual([cache.hits, cache.misses], [1, 1]);
  });

  it('never shares an answer between identity objects, even with equal contents', () => {
    const engine = new CountingEngine(ROUTING);
    const cache = new DecisionCache(100);
    assert.equal(reason(cache.evaluate(engine, identity('alice'), inputFor(identity('alice')))), 'alice:/a:1');
    assert.equal(reason(cache.evaluate(engine, identity('bob'), inputFor(identity('bob')))), 'bob:/a:1');
    cache.evaluate(engine, identity('alice'), inputFor(identity('alice')));
    assert.equal(engine.evaluations, 3);
  });

  it('keys on the method, the path and every header the policy reads', () => {
    const engine = new CountingEngine(use([['path'], ['headers', 'x-team']]));
    const cache = new DecisionCache(100);
    const alice = identity('alice');
    const ask = (extra: Partial<PolicyInput>): boolean => {
      const outcome = cache.evaluate(engine, alice, inputFor(alice, extra));
      return outcome.kind === 'decided' && outcome.result.allowed;
    };
    assert.equal(ask({ headers: { 'x-team': 'a' } }), true);
    assert.equal(ask({ headers: { 'x-team': 'b' } }), false);
    assert.equal(ask({ headers: {} }), false);
    assert.equal(ask({ headers: { 'x-team': 'a', other: '1' } }), true);
    assert.equal(engine.evaluations, 3);
    ask({ headers: { 'x-team': 'a' }, path: '/b' });
    ask({ headers: { 'x-team': 'a' }, method: 'post' });
    assert.equal(engine.evaluations, 5);
  });

  it('re-evaluates after any policy or data swap', () => {
    const engine = new CountingEngine(ROUTING);
    const cache = new DecisionCache(100);
    const alice = identity('alice');
    cache.evaluate(engine, alice, inputFor(alice));
    engine.revision = 2;
    assert.equal(reason(cache.evaluate(engine, alice, inputFor(alice))), 'alice:/a:2');
    assert.equal(engine.evaluations, 2);
  });

  it('does not cache without a record of input use, for trusted-header identities, or unavailable outcomes', () => {
    const cache = new DecisionCache(100);
    const unknown = new CountingEngine(null);
    cache.evaluate(unknown, null, inputFor(null));
    cache.evaluate(unknown, null, inputFor(null));
    assert.equal(unknown.evaluations, 2);

    const headerEngine = new CountingEngine(ROUTING);
    const viaHeaders = identity('h', 'header');
    cache.evaluate(headerEngine, viaHeaders, inputFor(viaHeaders));
    cache.evaluate(headerEngine, viaHeaders, inputFor(viaHeaders));
    assert.equal(headerEngine.evaluations, 2);

    const failing = new CountingEngine(ROUTING, { kind: 'unavailable', code: 'policy_error' });
    cache.evaluate(failing, null, inputFor(null));
    cache.evaluate(failing, null, inputFor(null));
    assert.equal(failing.evaluations, 2);
  });

  it('holds at most its configured number of entries', () => {
    const engine = new CountingEngine(ROUTING);
    const cache = new DecisionCache(10);
    const alice = identity('alice');
    for (let i = 0; i < 100; i++) cache.evaluate(engine, alice, inputFor(alice, { path: `/p${i}` }));
    assert.ok(cache.size <= 10, `size ${cache.size}`);
  });

  describe('with a compiled policy in the real engine', () => {
    // Reads one header and the data: a cached answer must follow both.
    const POLICY = `package authz

import rego.v1

allow := {"allowed": allowed, "reason": "r", "headers": {}, "endpoint": null, "workspace": null, "roles": []}

default allowed := false

allowed if {
	input.headers["x-team"] == "a"
	data.authz.principals[input.principal_id]
}
`;
    let dir = '';
    let runtime: PolicyRuntime;
    const members = (...principals: string[]): MembersDocument => ({ workspaces: new Map([['team', principals.map((principal) => ({ principal, roles: ['Viewer'] }))]]) });

    beforeEach(async () => {
      const fixture = await writePolicyDirectory('nmp-decision-cache-', POLICY);
      dir = fixture.dir;
      runtime = await PolicyRuntime.create(fixture.config, createLogger('silent'));
      assert.equal(runtime.applyMembers(members('alice')), true);
    });
    afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

    const allowed = (cache: DecisionCache, who: Identity, team: string): boolean => {
      const outcome = cache.evaluate(runtime.engine, who, inputFor(who, { headers: { 'x-team': team } }));
      return outcome.kind === 'decided' && outcome.result.allowed;
    };

    it('reads the input use from the module and caches by the header it reads', () => {
      assert.deepEqual(decisionKeyPlan(runtime.engine.inputUse ?? use([[]])), { host: false, query: false, headers: ['x-team'] });
      const cache = new DecisionCache(100);
      const alice = identity('alice');
      assert.equal(allowed(cache, alice, 'a'), true);
      assert.equal(allowed(cache, alice, 'b'), false);
      assert.equal(allowed(cache, alice, 'a'), true);
      assert.deepEqual([cache.hits, cache.misses], [1, 2]);
    });

    it('answers from the new members at once after a data swap', () => {
      const cache = new DecisionCache(100);
      const alice = identity('alice');
      assert.equal(allowed(cache, alice, 'a'), true);
      assert.equal(runtime.applyMembers(EMPTY_MEMBERS), true);
      assert.equal(allowed(cache, alice, 'a'), false);
    });

    it('answers from the new policy at once after a reload', async () => {
      const cache = new DecisionCache(100);
      const alice = identity('alice');
      assert.equal(allowed(cache, alice, 'a'), true);
      await writeFile(join(dir, 'rego', 'authz.rego'), POLICY.replace('== "a"', '== "b"'));
      assert.equal(await runtime.reloadPolicy(), true);
      assert.equal(allowed(cache, alice, 'a'), false);
      assert.equal(allowed(cache, alice, 'b'), true);
    });

    it('never caches a policy that reads the clock', async () => {
      await writeFile(join(dir, 'rego', 'authz.rego'), POLICY.replace('data.authz.principals[input.principal_id]', 'time.now_ns() > 0'));
      assert.equal(await runtime.reloadPolicy(), true);
      const cache = new DecisionCache(100);
      const alice = identity('alice');
      allowed(cache, alice, 'a');
      allowed(cache, alice, 'a');
      assert.deepEqual([cache.hits, cache.misses], [0, 0]);
    });
  });
});
