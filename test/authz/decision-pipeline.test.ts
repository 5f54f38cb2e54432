import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { DecisionPipeline, type AuthzRequest, type Decision } from '../../src/authz/decision-pipeline.js';
import { VERDICT_STATUS } from '../../src/authz/verdict.js';
import { buildConfig } from '../../src/config/load-config.js';
import { createIdentityStage } from '../../src/identity/create-identity.js';
import { createUnsignedToken } from '../../src/identity/create-unsigned-token.js';
import { POLICY_INPUT_FIELDS, type PolicyEngine, type PolicyInput, type PolicyOutcome } from '../../src/policy/policy-engine.js';
import { createLogger } from '../../src/shared/create-logger.js';

/** A stand-in engine for the mapping tests: the real policy runs in the integration tests. */
class TableEngine implements PolicyEngine {
  isReady = true;
  inputs: PolicyInput[] = [];
  constructor(public outcome: PolicyOutcome) {}
  evaluate(input: PolicyInput): PolicyOutcome {
    this.inputs.push(input);
    return this.outcome;
  }
}

const allow = (headers: Record<string, string> = {}): PolicyOutcome => ({
  kind: 'decided',
  result: { allowed: true, reason: 'role', headers, endpoint: '/apis/x', workspace: 'default', roles: ['Editor'] },
});
const deny = (reason: string): PolicyOutcome => ({
  kind: 'decided',
  result: { allowed: false, reason, headers: {}, endpoint: null, workspace: null, roles: [] },
});

describe('authz: decision pipeline', () => {
  const now = Date.now();
  const token = createUnsignedToken({ email: 'dev@example.com', groups: ['g1'], scope: 'platform:read', ttlSeconds: 600, nowMs: now });

  function pipeline(engine: PolicyEngine, auth: Record<string, unknown> = {}): DecisionPipeline {
    const result = buildConfig({ auth: { enabled: true, allow_unsigned_jwt: true, ...auth } }, { baseDir: '/' });
    if (!result.ok) assert.fail(JSON.stringify(result.problems));
    const { authenticator } = createIdentityStage(result.config.auth, { clock: () => now });
    return new DecisionPipeline({ authEnabled: result.config.auth.enabled, authenticator, engine, logger: createLogger('silent'), newDecisionId: () => 'd-1' });
  }

  function request(extra: Partial<AuthzRequest> = {}): AuthzRequest {
    return { method: 'GET', target: '/apis/x?a=1', host: 'api.example.com', headers: { authorization: `Bearer ${token}`, cookie: 's=1', 'x-nmp-principal-id': 'forged' }, ...extra };
  }

  function status(d: Decision): number {
    return VERDICT_STATUS[d.verdict.kind].httpStatus;
  }

  it('allows with identity headers and removes every owned header it does not set', async () => {
    const d = await pipeline(new TableEngine(allow())).decide(request({ headers: { authorization: `Bearer ${token}`, 'x-nmp-debug': '1' } }));
    if (d.verdict.kind !== 'allow') assert.fail(d.verdict.kind);
    assert.deepEqual(d.verdict.headers.map((h) => h.name), ['x-nmp-principal-id', 'x-nmp-principal-email', 'x-nmp-principal-groups', 'x-nmp-scopes', 'x-nmp-authorized']);
    assert.deepEqual(d.verdict.headersToRemove, ['x-nmp-debug']);
    assert.equal(d.id, 'd-1');
  });

  it('builds the §8.2 input without authorization and cookie headers', async () => {
    const engine = new TableEngine(allow());
    await pipeline(engine).decide(request());
    const input = engine.inputs[0];
    assert.ok(input);
    assert.equal(input.principal_id, 'dev@example.com');
    assert.equal(input.token_kind, 'unsigned');
    assert.equal(input.method, 'get');
    assert.equal(input.path, '/apis/x');
    assert.deepEqual({ ...input.query }, { a: ['1'] });
    assert.equal(input.host, 'api.example.com');
    assert.deepEqual(Object.keys(input.headers), ['x-nmp-principal-id']);
    // The decision cache knows every field by this list: a new field must be added there too.
    assert.deepEqual(Object.keys(input).sort(), [...POLICY_INPUT_FIELDS].sort());
  });

  it('passes policy headers upstream next to the identity headers', async () => {
    const d = await pipeline(new TableEngine(allow({ 'x-nmp-workspace': 'ml' }))).decide(request());
    if (d.verdict.kind !== 'allow') assert.fail(d.verdict.kind);
    assert.ok(d.verdict.headers.some((h) => h.name === 'x-nmp-workspace' && h.value === 'ml'));
  });

  const table: ReadonlyArray<readonly [string, PolicyOutcome, Partial<AuthzRequest>, number, string]> = [
    ['a policy deny for an authenticated caller', deny('no_role'), {}, 403, 'no_role'],
    ['an unauthenticated policy deny', deny('unauthenticated'), { headers: {} }, 401, 'unauthenticated'],
    ['an unavailable policy', { kind: 'unavailable', code: 'policy_unavailable' }, {}, 503, 'policy_unavailable'],
    ['a failing policy', { kind: 'unavailable', code: 'policy_error' }, {}, 503, 'policy_error'],
    ['an invalid token on any path', allow(), { headers: { authorization: 'Bearer x.y.z' } }, 401, 'invalid_token'],
    ['a dot-segment path', allow(), { target: '/apis/../admin' }, 400, 'invalid_path'],
    ['an encoded slash', allow(), { target: '/apis%2Fadmin' }, 400, 'invalid_path'],
    ['a relative path', allow(), { target: 'apis' }, 400, 'invalid_path'],
    ['a malformed method', allow(), { method: 'GE T' }, 400, 'invalid_method'],
  ];
  for (const [what, outcome, change, expectedStatus, reason] of table) {
    it(`answers ${expectedStatus} ${reason} for ${what}`, async () => {
      const d = await pipeline(new TableEngine(outcome)).decide(request(change));
      assert.equal(status(d), expectedStatus);
      assert.equal(d.verdict.reason, reason);
    });
  }

  it('marks 401s for presented tokens so WWW-Authenticate can carry invalid_token', async () => {
    const d = await pipeline(new TableEngine(allow())).decide(request({ headers: { authorization: 'Bearer x.y.z' } }));
    assert.equal(d.verdict.kind === 'unauthenticated' && d.verdict.tokenPresented, true);
  });

  it('answers 400 for a malformed trusted principal header', async () => {
    const d = await pipeline(new TableEngine(allow()), { trust_principal_headers: true }).decide(request({ headers: { 'x-nmp-principal-id': 'a b' } }));
    assert.equal(status(d), 400);
  });

  it('takes trusted principal headers as the identity only while OIDC is off', async () => {
    const headers = { 'x-nmp-principal-id': 'svc-1', 'x-nmp-principal-email': 'svc@example.com' };
    const engine = new TableEngine(allow());
    await pipeline(engine, { trust_principal_headers: true }).decide(request({ headers }));
    assert.equal(engine.inputs[0]?.principal_id, 'svc-1');
    assert.equal(engine.inputs[0]?.token_kind, 'header');
    const withOidc = new TableEngine(allow());
    await pipeline(withOidc, { trust_principal_headers: true, oidc: { enabled: true, issuer: 'http://127.0.0.1:1' } }).decide(request({ headers }));
    assert.equal(withOidc.inputs[0]?.principal_id, null);
  });

  it('writes one decision log line with the decision id and never the token or cookie', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
    const result = buildConfig({ auth: { enabled: true, allow_unsigned_jwt: true } }, { baseDir: '/' });
    if (!result.ok) assert.fail('config');
    const { authenticator } = createIdentityStage(result.config.auth, { clock: () => now });
    const logged = new DecisionPipeline({ authEnabled: true, authenticator, engine: new TableEngine(allow()), logger: createLogger('info', sink), newDecisionId: () => 'd-42' });
    await logged.decide({ ...request(), requestId: 'envoy-req-1' });
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    assert.equal(entry['decision_id'], 'd-42');
    assert.equal(entry['request_id'], 'envoy-req-1');
    assert.equal(entry['reason'], 'role');
    assert.equal(entry['principal_id'], 'dev@example.com');
    assert.ok(!(lines[0] ?? '').includes(token.slice(0, 20)));
    assert.ok(!(lines[0] ?? '').includes('s=1'));
  });

  describe('with auth disabled', () => {
    it('allows without consulting the policy and still sets identity headers for a valid token', async () => {
      const engine = new TableEngine(deny('no_role'));
      const d = await pipeline(engine, { enabled: false }).decide(request());
      if (d.verdict.kind !== 'allow') assert.fail(d.verdict.kind);
      assert.equal(engine.inputs.length, 0);
      assert.equal(d.verdict.headers[0]?.value, 'dev@example.com');
    });

    it('allows an invalid token without identity headers', async () => {
      const d = await pipeline(new TableEngine(deny('no_role')), { enabled: false }).decide(request({ headers: { authorization: 'Bearer x.y.z' } }));
      if (d.verdict.kind !== 'allow') assert.fail(d.verdict.kind);
      assert.deepEqual(d.verdict.headers, []);
      assert.equal(d.verdict.headersToRemove.length, 5);
    });
  });
});
