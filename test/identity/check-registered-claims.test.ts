import { strict as assert } from 'node:assert';
import { checkRegisteredClaims, type ClaimRules } from '../../src/identity/check-registered-claims.js';

const NOW_S = 1_800_000_000;
const NOW_MS = NOW_S * 1000 + 400;
const signed: ClaimRules = { issuers: ['https://idp.example.com', 'https://sts.windows.net/t/'], audience: 'platform', requireIssuedAt: true, subjectClaim: 'sub', clockSkewSeconds: 60 };
const unsigned: ClaimRules = { ...signed, issuers: null, audience: null, requireIssuedAt: false };
const base = { iss: 'https://idp.example.com', aud: 'platform', sub: 'u', iat: NOW_S, exp: NOW_S + 600 };

function outcome(change: Record<string, unknown>, rules: ClaimRules = signed): string {
  const claims: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete claims[k];
    else claims[k] = v;
  }
  const error = checkRegisteredClaims(claims, rules, NOW_MS);
  return error === null ? 'ok' : `${error.code}${error.claim === undefined ? '' : `:${error.claim}`}`;
}

describe('identity: registered claim checks', () => {
  const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ['a token meeting every rule', {}, 'ok'],
    ['an additional issuer', { iss: 'https://sts.windows.net/t/' }, 'ok'],
    ['an issuer differing by a trailing slash', { iss: 'https://idp.example.com/' }, 'invalid_issuer'],
    ['an issuer that is not a string', { iss: ['https://idp.example.com'] }, 'invalid_issuer'],
    ['an audience list holding the audience', { aud: ['x', 'platform'] }, 'ok'],
    ['an audience that is an object', { aud: { platform: true } }, 'invalid_audience'],
    ['no subject claim', { sub: undefined }, 'missing_claim:sub'],
    ['no iat', { iat: undefined }, 'missing_claim:iat'],
    ['no exp', { exp: undefined }, 'missing_claim:exp'],
    ['exp exactly at now minus skew', { exp: NOW_S - 60 }, 'token_expired'],
    ['exp one second after now minus skew', { exp: NOW_S - 59 }, 'ok'],
    ['nbf exactly at now plus skew', { nbf: NOW_S + 60 }, 'ok'],
    ['nbf one second beyond now plus skew', { nbf: NOW_S + 61 }, 'token_not_yet_valid'],
    ['iat at now plus skew', { iat: NOW_S + 60 }, 'ok'],
    ['iat one second beyond now plus skew', { iat: NOW_S + 61 }, 'token_issued_in_future'],
    ['a null exp', { exp: null }, 'invalid_claim:exp'],
    ['a boolean iat', { iat: true }, 'invalid_claim:iat'],
    ['a string nbf', { nbf: `${NOW_S}` }, 'invalid_claim:nbf'],
  ];
  for (const [what, change, expected] of cases) {
    it(`answers ${expected} for ${what}`, () => {
      assert.equal(outcome(change), expected);
    });
  }

  it('checks neither iss nor aud for unsigned tokens, and lets them omit iat', () => {
    assert.equal(outcome({ iss: undefined, aud: undefined, iat: undefined }, unsigned), 'ok');
    assert.equal(outcome({ exp: NOW_S - 120 }, unsigned), 'token_expired');
  });

  it('uses the configured subject claim', () => {
    assert.equal(outcome({ sub: undefined, oid: 'x' }, { ...signed, subjectClaim: 'oid' }), 'ok');
    assert.equal(outcome({}, { ...signed, subjectClaim: 'oid' }), 'missing_claim:oid');
  });

  it('does not take a subject claim from the prototype chain', () => {
    const claims = Object.create({ sub: 'inherited' }) as Record<string, unknown>;
    Object.assign(claims, { ...base, sub: undefined });
    delete claims['sub'];
    assert.equal(checkRegisteredClaims(claims, signed, NOW_MS)?.code, 'missing_claim');
  });
});
