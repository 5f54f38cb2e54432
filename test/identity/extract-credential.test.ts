import { strict as assert } from 'node:assert';
import { extractCredential, type Credential } from '../../src/identity/extract-credential.js';

function kind(c: Credential): string {
  return c.kind === 'invalid' ? `invalid:${c.error.code}` : c.kind;
}

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';

describe('identity: credential extraction', () => {
  const off = { trustPrincipalHeaders: false };
  const on = { trustPrincipalHeaders: true };

  it('takes a bearer token with a case-insensitive scheme', () => {
    const c = extractCredential({ authorization: `bEaReR ${JWT}` }, off);
    assert.equal(c.kind === 'bearer' ? c.token : '', JWT);
  });

  const table: ReadonlyArray<readonly [string, Record<string, string>, { trustPrincipalHeaders: boolean }, string]> = [
    ['no headers', {}, off, 'none'],
    ['a Basic authorization', { authorization: 'Basic dTpw' }, off, 'none'],
    ['an empty bearer token', { authorization: 'Bearer ' }, off, 'invalid:invalid_token'],
    ['a bearer value that is not a compact JWS (refused later by the verifier)', { authorization: 'Bearer abc' }, off, 'bearer'],
    ['a 64 KB bearer token', { authorization: `Bearer ${'a'.repeat(65536)}.b.c` }, off, 'invalid:token_too_large'],
    ['principal headers while trust is off', { 'x-nmp-principal-id': 'u1' }, off, 'none'],
    ['principal headers while trust is on', { 'x-nmp-principal-id': 'u1', 'x-nmp-principal-groups': 'a,b' }, on, 'principal_headers'],
    ['a principal id with a space', { 'x-nmp-principal-id': 'u 1' }, on, 'invalid:invalid_principal_header'],
    ['a principal email with a non-UTF-8 byte', { 'x-nmp-principal-id': 'u1', 'x-nmp-principal-email': 'a\u00ff@x' }, on, 'invalid:invalid_principal_header'],
    ['a bearer token next to principal headers', { authorization: `Bearer ${JWT}`, 'x-nmp-principal-id': 'u1' }, on, 'bearer'],
  ];
  for (const [what, headers, opts, expected] of table) {
    it(`yields ${expected} for ${what}`, () => {
      assert.equal(kind(extractCredential(headers, opts)), expected);
    });
  }

  it('builds the identity headers for trusted principal headers', () => {
    const c = extractCredential({ 'x-nmp-principal-id': 'u1', 'x-nmp-principal-email': 'u1@example.com', 'x-nmp-principal-groups': 'a, b' }, on);
    if (c.kind !== 'principal_headers') assert.fail(c.kind);
    assert.deepEqual(c.identity.headers.map((h) => [h.name, h.value]), [
      ['x-nmp-principal-id', 'u1'],
      ['x-nmp-principal-email', 'u1@example.com'],
      ['x-nmp-principal-groups', 'a,b'],
      ['x-nmp-authorized', 'true'],
    ]);
  });
});
