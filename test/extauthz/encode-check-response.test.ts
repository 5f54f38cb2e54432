import { strict as assert } from 'node:assert';
import type { Decision } from '../../src/authz/decision-pipeline.js';
import type { Verdict } from '../../src/authz/verdict.js';
import { buildCheckResponse, buildInternalErrorResponse } from './support/check-response-reference.js';
import { encodeCheckResponse } from '../../src/extauthz/encode-check-response.js';
import { loadExtAuthzProtos } from '../../src/extauthz/load-protos.js';
import type { Identity, IdentityHeader } from '../../src/identity/identity.js';
import { identityHeaders } from '../../src/identity/map-claims.js';
import type { PolicyResult } from '../../src/policy/policy-engine.js';

const check = loadExtAuthzProtos().authorization['Check'];
if (check === undefined) throw new Error('the Authorization service has no Check method');
const method = check;

function identity(headers: readonly IdentityHeader[]): Identity {
  return { principalId: 'u-1', email: 'u1@example.com', groups: [], scopes: [], tokenKind: 'oidc', claims: {}, issuer: 'https://idp', keyId: 'k1', headers };
}

function policy(workspace: string | null): PolicyResult {
  return { allowed: true, reason: 'role', headers: {}, endpoint: 'models.list', workspace, roles: [] };
}

function decision(verdict: Verdict, extra: Partial<Decision> = {}): Decision {
  return { id: 'd-1', verdict, identity: null, policy: null, path: '/x', ...extra };
}

/** What proto-loader writes for buildCheckResponse's object: the reference encoding. */
function reference(value: Decision | null): Buffer {
  return method.responseSerialize(value === null ? buildInternalErrorResponse() : buildCheckResponse(value));
}

const set = identityHeaders('u-1', 'u1@example.com', ['g1', 'g2'], ['a:b']);
const long = 'x'.repeat(300);
const CASES: ReadonlyArray<readonly [string, Decision]> = [
  ['an allow without identity headers or removals', decision({ kind: 'allow', reason: 'auth_disabled', headers: [], headersToRemove: [] })],
  ['an allow with one identity header', decision({ kind: 'allow', reason: 'role', headers: [{ name: 'x-nmp-authorized', value: 'true' }], headersToRemove: ['x-nmp-principal-id'] })],
  ['an allow with every identity header, an identity and a workspace', decision(
    { kind: 'allow', reason: 'role', headers: set, headersToRemove: [] },
    { identity: identity(set), policy: policy('default') },
  )],
  ['an allow with several removals', decision({ kind: 'allow', reason: 'role', headers: set, headersToRemove: ['x-nmp-principal-email', 'x-nmp-other', 'x-nmp-'] })],
  ['an allow with non-ASCII and long header values', decision({
    kind: 'allow',
    reason: 'role',
    headers: [{ name: 'x-nmp-principal-email', value: 'jürgen@exämple.com' }, { name: 'x-nmp-principal-groups', value: long }, { name: 'x-team', value: '团队'.repeat(30) }],
    headersToRemove: [long],
  })],
  ['an allow with empty strings', decision({ kind: 'allow', reason: '', headers: [{ name: 'x-empty', value: '' }], headersToRemove: [''] }, { id: '' })],
  ['an allow whose ok_response and metadata exceed 16 KiB', decision({
    kind: 'allow',
    reason: 'r'.repeat(9000),
    headers: [{ name: 'x-big', value: 'v'.repeat(20000) }],
    headersToRemove: [],
  }, { identity: identity([]), policy: policy('w'.repeat(200)) })],
  ['an unauthenticated denial with a presented token', decision({ kind: 'unauthenticated', reason: 'token_expired', tokenPresented: true, detail: 'Token has expired.' })],
  ['an unauthenticated denial without a token', decision({ kind: 'unauthenticated', reason: 'unauthenticated', tokenPresented: false, detail: 'Authentication required.' })],
  ['a forbidden denial with an identity and a workspace', decision(
    { kind: 'forbidden', reason: 'no_role', detail: 'Forbidden: no role in this workspace.' },
    { identity: identity(set), policy: { ...policy('restricted'), allowed: false, reason: 'no_role' } },
  )],
  ['a bad request', decision({ kind: 'bad_request', reason: 'invalid_path', detail: 'Invalid request path.' })],
  ['an unavailable answer', decision({ kind: 'unavailable', reason: 'policy_unavailable', detail: 'Authorization is not available.' })],
  ['a denial with a long non-ASCII detail', decision({ kind: 'forbidden', reason: 'no_role', detail: `Verboten: ${'ä'.repeat(200)}` })],
];

describe('extauthz: CheckResponse encoding', () => {
  for (const [name, value] of CASES) {
    it(`encodes ${name} as proto-loader does`, () => {
      const bytes = encodeCheckResponse({ kind: 'decision', decision: value });
      const expected = reference(value);
      assert.deepEqual(method.responseDeserialize(bytes), method.responseDeserialize(expected));
      assert.ok(bytes.equals(expected), `bytes differ:\n${bytes.toString('hex')}\n${expected.toString('hex')}`);
    });
  }

  it('encodes the internal error fallback as proto-loader does', () => {
    const bytes = encodeCheckResponse({ kind: 'internal_error' });
    const expected = reference(null);
    assert.deepEqual(method.responseDeserialize(bytes), method.responseDeserialize(expected));
    assert.ok(bytes.equals(expected));
  });

  it('reuses the cached identity headers with each decision id', () => {
    const verdict: Verdict = { kind: 'allow', reason: 'role', headers: set, headersToRemove: [] };
    for (const id of ['d-1', 'd-2', 'a-much-longer-decision-id-than-before']) {
      const value = decision(verdict, { id });
      assert.ok(encodeCheckResponse({ kind: 'decision', decision: value }).equals(reference(value)));
    }
  });

  it('returns a buffer that a later encoding does not overwrite', () => {
    const first = encodeCheckResponse({ kind: 'decision', decision: decision({ kind: 'allow', reason: 'a', headers: [], headersToRemove: [] }, { id: 'first' }) });
    const copy = Buffer.from(first);
    encodeCheckResponse({ kind: 'decision', decision: decision({ kind: 'allow', reason: 'b', headers: set, headersToRemove: [] }, { id: 'second' }) });
    assert.ok(first.equals(copy));
  });
});
