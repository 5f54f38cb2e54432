import { strict as assert } from 'node:assert';
import type { Decision } from '../../src/authz/decision-pipeline.js';
import type { Verdict } from '../../src/authz/verdict.js';
import { buildCheckResponse } from './support/check-response-reference.js';
import { identityHeaders } from '../../src/identity/map-claims.js';

function decision(verdict: Verdict): Decision {
  return { id: 'd-1', verdict, identity: null, policy: null, path: '/x' };
}

function headers(options: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of options as { header: { key: string; value: string } }[]) out[o.header.key] = o.header.value;
  return out;
}

describe('extauthz: CheckResponse building', () => {
  const denials: ReadonlyArray<readonly [Verdict, number, number]> = [
    [{ kind: 'unauthenticated', reason: 'token_expired', tokenPresented: true, detail: 'Token has expired.' }, 16, 401],
    [{ kind: 'forbidden', reason: 'no_role', detail: 'Forbidden.' }, 7, 403],
    [{ kind: 'bad_request', reason: 'invalid_path', detail: 'Invalid request path.' }, 3, 400],
    [{ kind: 'unavailable', reason: 'policy_unavailable', detail: 'Unavailable.' }, 14, 503],
  ];
  for (const [verdict, grpcCode, httpStatus] of denials) {
    it(`maps ${verdict.kind} to gRPC ${grpcCode} and HTTP ${httpStatus} with a JSON body`, () => {
      const res = buildCheckResponse(decision(verdict));
      assert.deepEqual(res['status'], { code: grpcCode, message: verdict.reason });
      const denied = res['denied_response'] as { status: { code: number }; headers: unknown; body: string };
      assert.equal(denied.status.code, httpStatus);
      const h = headers(denied.headers);
      assert.equal(h['content-type'], 'application/json');
      assert.equal(h['x-nmp-decision-id'], 'd-1');
      assert.equal(h['www-authenticate'] !== undefined, verdict.kind === 'unauthenticated');
      assert.equal((JSON.parse(denied.body) as { detail: string }).detail, 'detail' in verdict ? verdict.detail : '');
      assert.equal(res['ok_response'], undefined);
    });
  }

  it('challenges without error= when no token was presented', () => {
    const res = buildCheckResponse(decision({ kind: 'unauthenticated', reason: 'unauthenticated', tokenPresented: false, detail: 'x' }));
    assert.equal(headers((res['denied_response'] as { headers: unknown }).headers)['www-authenticate'], 'Bearer realm="nmp-authz"');
  });

  it('builds an ok_response with overwriting headers, removals, the decision id and Struct metadata', () => {
    const set = identityHeaders('u-1', null, [], ['a:b']);
    const res = buildCheckResponse(decision({ kind: 'allow', reason: 'role', headers: set, headersToRemove: ['x-nmp-principal-email'] }));
    assert.deepEqual(res['status'], { code: 0 });
    const ok = res['ok_response'] as { headers: { append_action: number }[]; headers_to_remove: string[]; response_headers_to_add: unknown };
    assert.deepEqual(headers(ok.headers), { 'x-nmp-principal-id': 'u-1', 'x-nmp-scopes': 'a:b', 'x-nmp-authorized': 'true', 'x-nmp-decision-id': 'd-1' });
    assert.ok(ok.headers.every((h) => h.append_action === 2));
    assert.deepEqual(ok.headers_to_remove, ['x-nmp-principal-email']);
    assert.deepEqual(headers(ok.response_headers_to_add), { 'x-nmp-decision-id': 'd-1' });
    const fields = (res['dynamic_metadata'] as { fields: Record<string, unknown> }).fields;
    assert.deepEqual(fields['decision_id'], { stringValue: 'd-1' });
    assert.deepEqual(fields['principal_id'], { nullValue: 0 });
    assert.deepEqual(fields['allowed'], { boolValue: true });
  });
});
