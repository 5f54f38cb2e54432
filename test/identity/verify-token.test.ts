import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, importJWK, type JWK } from 'jose';
import { buildConfig } from '../../src/config/load-config.js';
import { createIdentityStage, type IdentityStage } from '../../src/identity/create-identity.js';
import { createUnsignedToken } from '../../src/identity/create-unsigned-token.js';
import type { IdentityResult } from '../../src/identity/identity.js';
import { KeyServer, createTestKey, type TestKey } from '../integration/support/key-server.js';
import { privateKeyOf, signCompactJws, signers } from './support/sign-compact-jws.js';

const AZURE_V1 = 'https://sts.windows.net/tenant-1/';

describe('identity: token verification against a loopback JWKS', () => {
  const idp = new KeyServer();
  let key1: TestKey;
  let key2: TestKey;
  let now = Date.now();
  const clock = (): number => now;
  const stages: IdentityStage[] = [];

  before(async () => {
    key1 = await createTestKey('key-1', 'RS256');
    key2 = await createTestKey('key-2', 'ES256');
    await idp.start();
  });
  after(async () => { await idp.stop(); });
  beforeEach(() => {
    now = Date.now();
    idp.keys = [key1];
    idp.up = true;
  });
  afterEach(() => {
    for (const s of stages.splice(0)) s.keyStore?.stop();
  });

  async function stage(oidc: Record<string, unknown> = {}, auth: Record<string, unknown> = {}, start = true): Promise<IdentityStage> {
    const result = buildConfig(
      { auth: { enabled: true, ...auth, oidc: { enabled: true, issuer: idp.issuer, client_id: 'platform', ...oidc } } },
      { baseDir: '/' },
    );
    if (!result.ok) assert.fail(JSON.stringify(result.problems));
    const s = createIdentityStage(result.config.auth, { clock, initialRetryMs: 60_000 });
    stages.push(s);
    if (start) assert.equal(await s.keyStore?.refresh(), true);
    return s;
  }

  function code(result: IdentityResult): string {
    return result.ok ? 'ok' : result.error.code;
  }

  it('accepts a valid RS256 token and maps sub, email, groups and scopes', async () => {
    const s = await stage();
    const token = await idp.sign({ sub: 'u-1', email: 'alice@example.com', groups: ['g1', 'g2'], scope: 'openid platform:read', aud: 'platform' });
    const result = await s.verifier.verify(token);
    if (!result.ok) assert.fail(result.error.code);
    assert.equal(result.identity.principalId, 'u-1');
    assert.equal(result.identity.email, 'alice@example.com');
    assert.deepEqual(result.identity.groups, ['g1', 'g2']);
    assert.deepEqual(result.identity.scopes, ['openid', 'platform:read']);
    assert.equal(result.identity.tokenKind, 'oidc');
    assert.equal(result.identity.keyId, 'key-1');
  });

  const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ['an expired token', { exp: -120 }, 'token_expired'],
    ['a token whose nbf is in the future', { nbf: 600 }, 'token_not_yet_valid'],
    ['a token issued in the future', { iat: 600 }, 'token_issued_in_future'],
    ['a token from another issuer', { iss: 'https://evil.example.com' }, 'invalid_issuer'],
    ['a token for another audience', { aud: 'someone-else' }, 'invalid_audience'],
    ['a token without sub', { sub: undefined }, 'missing_claim'],
    ['a token whose sub is not header-safe', { sub: 'bad\nsub' }, 'invalid_claim'],
    ['a token with more than 100 groups', { groups: Array.from({ length: 101 }, (_, i) => `g${i}`) }, 'invalid_claim'],
  ];
  for (const [what, change, expected] of cases) {
    it(`refuses ${what} with ${expected}`, async () => {
      const s = await stage();
      const base: Record<string, unknown> = { sub: 'u-1', aud: 'platform' };
      const nowS = Math.floor(now / 1000);
      for (const [k, v] of Object.entries(change)) {
        if (v === undefined) delete base[k];
        else base[k] = (k === 'exp' || k === 'nbf' || k === 'iat') && typeof v === 'number' ? nowS + v : v;
      }
      assert.equal(code(await s.verifier.verify(await idp.sign(base, { nowMs: now }))), expected);
    });
  }

  it('tolerates clock skew within clock_skew_seconds', async () => {
    const s = await stage({ clock_skew_seconds: 60 });
    const nowS = Math.floor(now / 1000);
    const token = await idp.sign({ sub: 'u-1', aud: 'platform', exp: nowS - 30 }, { nowMs: now - 60_000 });
    assert.equal(code(await s.verifier.verify(token)), 'ok');
  });

  it('accepts an audience list containing the configured audience', async () => {
    const s = await stage();
    assert.equal(code(await s.verifier.verify(await idp.sign({ sub: 'u', aud: ['other', 'platform'] }))), 'ok');
  });

  it('accepts an additional issuer, verified with the same keys', async () => {
    const s = await stage({ additional_issuers: [AZURE_V1] });
    assert.equal(code(await s.verifier.verify(await idp.sign({ sub: 'u', aud: 'platform', iss: AZURE_V1 }))), 'ok');
  });

  it('maps upn/oid with the Azure preset and an additional v1 issuer', async () => {
    const s = await stage({ provider: 'azure-ad', additional_issuers: [AZURE_V1] });
    const token = await idp.sign({ sub: 'pairwise', oid: '8f2a-oid', upn: 'bob@contoso.com', groups: ['g-1'], aud: 'platform', iss: AZURE_V1 });
    const result = await s.verifier.verify(token);
    if (!result.ok) assert.fail(result.error.code);
    assert.equal(result.identity.principalId, '8f2a-oid');
    assert.equal(result.identity.email, 'bob@contoso.com');
  });

  it('reads groups given as one comma-separated string', async () => {
    const s = await stage();
    const result = await s.verifier.verify(await idp.sign({ sub: 'u', aud: 'platform', groups: 'a, b,c' }));
    if (!result.ok) assert.fail(result.error.code);
    assert.deepEqual(result.identity.groups, ['a', 'b', 'c']);
  });

  it('strips scope_prefix from scp scopes given as a list', async () => {
    const s = await stage({ scope_prefix: 'api://platform/' });
    const token = await idp.sign({ sub: 'u', aud: 'platform', scp: ['api://platform/platform:read', 'other:write'] });
    const result = await s.verifier.verify(token);
    if (!result.ok) assert.fail(result.error.code);
    assert.deepEqual(result.identity.scopes, ['platform:read', 'other:write']);
  });

  it('refuses an HS256 token signed with the RSA public key (algorithm confusion)', async () => {
    const s = await stage();
    const secret = new TextEncoder().encode(JSON.stringify(key1.publicJwk));
    const nowS = Math.floor(now / 1000);
    const token = await new SignJWT({ sub: 'u', aud: 'platform', iss: idp.issuer, iat: nowS, exp: nowS + 60 })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .sign(secret);
    assert.equal(code(await s.verifier.verify(token)), 'algorithm_not_allowed');
  });

  it('refuses an ES256 token when only RS256 is allowed', async () => {
    idp.keys = [key1, key2];
    const s = await stage({ algorithms: ['RS256'] });
    assert.equal(code(await s.verifier.verify(await idp.sign({ sub: 'u', aud: 'platform' }, { key: key2 }))), 'algorithm_not_allowed');
  });

  it('accepts tokens with or without a kid when the JWKS holds one key without a kid', async () => {
    const { kid: _kid, ...anonymous } = key1.publicJwk;
    idp.keys = [{ ...key1, publicJwk: anonymous }];
    const s = await stage();
    assert.equal(code(await s.verifier.verify(await idp.sign({ sub: 'u', aud: 'platform' }))), 'ok');
    assert.equal(code(await s.verifier.verify(await idp.sign({ sub: 'v', aud: 'platform' }, { header: { kid: undefined } }))), 'ok');
  });

  for (const [what, token] of [['a non-JWS value', 'abc'], ['non-ASCII bytes', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln\u00ff'], ['a JWE-like five-part value', 'a.b.c.d.e']] as const) {
    it(`refuses ${what} with invalid_token`, async () => {
      const s = await stage();
      assert.equal(code(await s.verifier.verify(token)), 'invalid_token');
    });
  }

  it('refuses a token with a tampered payload', async () => {
    const s = await stage();
    const [h, , sig] = (await idp.sign({ sub: 'u', aud: 'platform' })).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', aud: 'platform', iss: idp.issuer, iat: 1, exp: 9e9 })).toString('base64url');
    assert.equal(code(await s.verifier.verify(`${h}.${forged}.${sig}`)), 'invalid_signature');
  });

  describe('JWS structure, algorithms and keys', () => {
    function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
      const nowS = Math.floor(now / 1000);
      return { sub: 'u', aud: 'platform', iss: idp.issuer, iat: nowS, exp: nowS + 600, ...extra };
    }

    it('refuses a token whose header was changed after signing', async () => {
      const s = await stage();
      const [, payload, sig] = (await idp.sign({ sub: 'u', aud: 'platform' })).split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'key-1', typ: 'at+jwt' })).toString('base64url');
      assert.equal(code(await s.verifier.verify(`${header}.${payload}.${sig}`)), 'invalid_signature');
    });

    it('refuses an RS256 token with an empty signature', async () => {
      const s = await stage();
      const [h, p] = (await idp.sign({ sub: 'u', aud: 'platform' })).split('.');
      assert.equal(code(await s.verifier.verify(`${h}.${p}.`)), 'invalid_signature');
    });

    it('refuses an ES256 signature in DER form, accepting the same key in IEEE P1363 form', async () => {
      idp.keys = [key2];
      const s = await stage();
      const header = { alg: 'ES256', kid: 'key-2' };
      assert.equal(code(await s.verifier.verify(signCompactJws(header, claims(), signers.es256Der(privateKeyOf(key2))))), 'invalid_signature');
      assert.equal(code(await s.verifier.verify(signCompactJws(header, claims(), signers.es256(privateKeyOf(key2))))), 'ok');
    });

    it('refuses a correctly signed token carrying a crit header', async () => {
      const s = await stage();
      const token = signCompactJws({ alg: 'RS256', kid: 'key-1', crit: ['exp'] }, claims(), signers.rs256(privateKeyOf(key1)));
      assert.equal(code(await s.verifier.verify(token)), 'invalid_token');
    });

    it('refuses the JWS JSON serialization', async () => {
      const s = await stage();
      const [protectedHeader, payload, signature] = (await idp.sign({ sub: 'u', aud: 'platform' })).split('.');
      assert.equal(code(await s.verifier.verify(JSON.stringify({ protected: protectedHeader, payload, signature }))), 'invalid_token');
    });

    it('refuses a header alg other than the JWK pins, even when both are allowed', async () => {
      const s = await stage({ algorithms: ['RS256', 'PS256'] });
      const token = signCompactJws({ alg: 'PS256', kid: 'key-1' }, claims(), signers.ps256(privateKeyOf(key1)));
      assert.equal(code(await s.verifier.verify(token)), 'unknown_signing_key');
    });

    it('accepts PS256 when allowed and the JWK does not pin an algorithm', async () => {
      const { alg: _alg, ...unpinned } = key1.publicJwk;
      idp.keys = [{ ...key1, publicJwk: unpinned }];
      const s = await stage({ algorithms: ['PS256'] });
      const token = signCompactJws({ alg: 'PS256', kid: 'key-1' }, claims(), signers.ps256(privateKeyOf(key1)));
      assert.equal(code(await s.verifier.verify(token)), 'ok');
    });

    it('refuses a token whose alg does not fit the type of the key its kid names', async () => {
      const { alg: _alg, ...unpinned } = key1.publicJwk;
      idp.keys = [{ ...key1, publicJwk: unpinned }, key2];
      const s = await stage();
      const token = signCompactJws({ alg: 'ES256', kid: 'key-1' }, claims(), signers.es256(privateKeyOf(key2)));
      assert.equal(code(await s.verifier.verify(token)), 'unknown_signing_key');
    });

    for (const alg of ['HS256', 'RS256 ', 'rs256', 42, null]) {
      it(`refuses header alg ${JSON.stringify(alg)} before looking up a key`, async () => {
        const s = await stage();
        const before = idp.jwksRequests;
        const token = signCompactJws({ alg, kid: 'unknown-kid' }, claims(), signers.rs256(privateKeyOf(key1)));
        assert.equal(code(await s.verifier.verify(token)), 'algorithm_not_allowed');
        assert.equal(idp.jwksRequests, before);
      });
    }

    it('refuses a header that is not UTF-8, and a segment of impossible base64url length', async () => {
      const s = await stage();
      const [, p, sig] = (await idp.sign({ sub: 'u', aud: 'platform' })).split('.');
      const latin1Header = Buffer.from('{"alg":"RS256","kid":"key-1","x":"\xff"}', 'latin1').toString('base64url');
      assert.equal(code(await s.verifier.verify(`${latin1Header}.${p}.${sig}`)), 'invalid_token');
      const header = Buffer.from('{"alg":"RS256","kid":"key-1"}').toString('base64url');
      assert.equal(code(await s.verifier.verify(`${header}.eyJzd.${sig}`)), 'invalid_token');
    });

    it('never takes the key from the token itself (embedded jwk, jku)', async () => {
      const s = await stage();
      const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const header = { alg: 'RS256', kid: 'key-1', jwk: attacker.publicKey.export({ format: 'jwk' }), jku: `${idp.issuer}/jwks` };
      assert.equal(code(await s.verifier.verify(signCompactJws(header, claims(), signers.rs256(attacker.privateKey)))), 'invalid_signature');
    });

    it('refuses a kid that is not a string', async () => {
      const s = await stage();
      const token = signCompactJws({ alg: 'RS256', kid: 1 }, claims(), signers.rs256(privateKeyOf(key1)));
      assert.equal(code(await s.verifier.verify(token)), 'invalid_token');
    });

    it('tries each key fit for the algorithm when the token names no kid', async () => {
      const key3 = await createTestKey('key-3', 'RS256');
      idp.keys = [key3, key2, key1];
      const s = await stage();
      assert.equal(code(await s.verifier.verify(await idp.sign({ sub: 'u', aud: 'platform' }, { key: key1, header: { kid: undefined } }))), 'ok');
    });

    it('does not use an RSA key shorter than 2048 bits', async () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const publicJwk: JWK = { ...small.publicKey.export({ format: 'jwk' }), kid: 'small', alg: 'RS256', use: 'sig' };
      const privateKey = await importJWK(small.privateKey.export({ format: 'jwk' }), 'RS256');
      if (privateKey instanceof Uint8Array) assert.fail('expected an asymmetric key');
      idp.keys = [{ kid: 'small', alg: 'RS256', privateKey, publicJwk }];
      const s = await stage();
      assert.equal(code(await s.verifier.verify(signCompactJws({ alg: 'RS256', kid: 'small' }, claims(), signers.rs256(small.privateKey)))), 'unknown_signing_key');
    });

    it('ignores a JWKS member that carries private key material', async () => {
      const leaked = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const privateJwk: JWK = { ...leaked.privateKey.export({ format: 'jwk' }), kid: 'leaked', alg: 'RS256', use: 'sig' };
      idp.keys = [key1, { ...key1, kid: 'leaked', publicJwk: privateJwk }];
      const s = await stage();
      const token = signCompactJws({ alg: 'RS256', kid: 'leaked' }, claims(), signers.rs256(leaked.privateKey));
      assert.equal(code(await s.verifier.verify(token)), 'unknown_signing_key');
    });

    const claimCases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
      ['a token without exp', { exp: undefined }, 'missing_claim'],
      ['a token without iat', { iat: undefined }, 'missing_claim'],
      ['a token without iss', { iss: undefined }, 'invalid_issuer'],
      ['a token without aud', { aud: undefined }, 'invalid_audience'],
      ['a token whose exp is a string', { exp: '9999999999' }, 'invalid_claim'],
      ['a token whose nbf is a string', { nbf: '0' }, 'invalid_claim'],
      ['a token whose aud list lacks the audience', { aud: ['a', 'b'] }, 'invalid_audience'],
    ];
    for (const [what, change, expected] of claimCases) {
      it(`refuses ${what} with ${expected}`, async () => {
        const s = await stage();
        const payload = claims();
        for (const [k, v] of Object.entries(change)) {
          if (v === undefined) delete payload[k];
          else payload[k] = v;
        }
        const token = signCompactJws({ alg: 'RS256', kid: 'key-1' }, payload, signers.rs256(privateKeyOf(key1)));
        assert.equal(code(await s.verifier.verify(token)), expected);
      });
    }

    it('refuses a signed payload that is a JSON array rather than an object', async () => {
      const s = await stage();
      const token = signCompactJws({ alg: 'RS256', kid: 'key-1' }, [claims()], signers.rs256(privateKeyOf(key1)));
      assert.equal(code(await s.verifier.verify(token)), 'invalid_token');
    });

    it('honours an nbf in the past', async () => {
      const s = await stage();
      const token = signCompactJws({ alg: 'RS256', kid: 'key-1' }, claims({ nbf: Math.floor(now / 1000) - 10 }), signers.rs256(privateKeyOf(key1)));
      assert.equal(code(await s.verifier.verify(token)), 'ok');
    });
  });

  describe('unsigned development tokens', () => {
    const unsigned = (): string => createUnsignedToken({ email: 'dev@example.com', ttlSeconds: 600, nowMs: now });

    it('refuses alg none unless allow_unsigned_jwt is set', async () => {
      const s = await stage();
      assert.equal(code(await s.verifier.verify(unsigned())), 'unsigned_jwt_not_allowed');
    });

    it('accepts alg none with allow_unsigned_jwt, without iss/aud checks', async () => {
      const s = await stage({}, { allow_unsigned_jwt: true });
      const result = await s.verifier.verify(unsigned());
      if (!result.ok) assert.fail(result.error.code);
      assert.equal(result.identity.tokenKind, 'unsigned');
      assert.equal(result.identity.principalId, 'dev@example.com');
    });

    it('still checks exp on unsigned tokens', async () => {
      const s = await stage({}, { allow_unsigned_jwt: true });
      const token = createUnsignedToken({ email: 'dev@example.com', ttlSeconds: 10, nowMs: now - 3_600_000 });
      assert.equal(code(await s.verifier.verify(token)), 'token_expired');
    });

    it('refuses alg none carrying a signature', async () => {
      const s = await stage({}, { allow_unsigned_jwt: true });
      assert.equal(code(await s.verifier.verify(`${unsigned()}c2ln`)), 'invalid_token');
    });
  });

  describe('key lifecycle', () => {
    it('accepts a rotated key after exactly one refetch, and rate-limits further unknown-kid refetches', async () => {
      const s = await stage();
      const before = idp.jwksRequests;
      idp.keys = [key1, key2];
      assert.equal(code(await s.verifier.verify(await idp.sign({ sub: 'u', aud: 'platform' }, { key: key2 }))), 'ok');
      assert.equal(idp.jwksRequests, before + 1);
      const stranger = await createTestKey('key-3');
      assert.equal(code(await s.verifier.verify(await idp.sign({ sub: 'u', aud: 'platform' }, { key: stranger }))), 'unknown_signing_key');
      assert.equal(idp.jwksRequests, before + 1);
      now += 31_000;
      assert.equal(code(await s.verifier.verify(await idp.sign({ sub: 'u', aud: 'platform' }, { key: stranger, nowMs: now }))), 'unknown_signing_key');
      assert.equal(idp.jwksRequests, before + 2);
    });

    it('lets every request arriving during an unknown-kid refetch see the new key, with one fetch', async () => {
      const s = await stage();
      const before = idp.jwksRequests;
      idp.keys = [key1, key2];
      let release = (): void => {};
      idp.gate = new Promise<void>((resolve) => { release = resolve; });
      try {
        const arrived = idp.nextJwksRequest();
        const first = s.verifier.verify(await idp.sign({ sub: 'a', aud: 'platform' }, { key: key2 }));
        await arrived;
        const second = s.verifier.verify(await idp.sign({ sub: 'b', aud: 'platform' }, { key: key2 }));
        release();
        assert.deepEqual([code(await first), code(await second)], ['ok', 'ok']);
      } finally {
        release();
        idp.gate = null;
      }
      assert.equal(idp.jwksRequests, before + 1);
    });

    it('refuses a removed key after a refresh, even for a token it verified and cached before', async () => {
      idp.keys = [key1, key2];
      const s = await stage();
      const token = await idp.sign({ sub: 'u', aud: 'platform' }, { key: key1 });
      assert.equal(code(await s.verifier.verify(token)), 'ok');
      idp.keys = [key2];
      assert.equal(await s.keyStore?.refresh(), true);
      assert.equal(code(await s.verifier.verify(token)), 'unknown_signing_key');
    });

    it('keeps serving the last good keys while the IdP is down', async () => {
      const s = await stage();
      idp.up = false;
      assert.equal(await s.keyStore?.refresh(), false);
      assert.equal(s.keyStore?.isReady, true);
      assert.equal(code(await s.verifier.verify(await idp.sign({ sub: 'u', aud: 'platform' }))), 'ok');
    });

    it('is not ready and fails closed while the IdP was never reached, then recovers', async () => {
      idp.up = false;
      const s = await stage({}, {}, false);
      assert.equal(await s.keyStore?.refresh(), false);
      assert.equal(s.keyStore?.isReady, false);
      const token = await idp.sign({ sub: 'u', aud: 'platform' });
      assert.equal(code(await s.verifier.verify(token)), 'keys_unavailable');
      idp.up = true;
      assert.equal(await s.keyStore?.refresh(), true);
      assert.equal(code(await s.verifier.verify(token)), 'ok');
    });
  });

  describe('verified-token cache', () => {
    it('serves a repeated token from the cache without touching the IdP', async () => {
      const s = await stage();
      const token = await idp.sign({ sub: 'u', aud: 'platform' });
      assert.equal(code(await s.verifier.verify(token)), 'ok');
      idp.up = false;
      assert.equal(code(await s.verifier.verify(token)), 'ok');
      assert.equal(s.verifier.cachedTokens, 1);
    });

    it('never serves a cached token past its exp', async () => {
      const s = await stage({ clock_skew_seconds: 0 });
      const nowS = Math.floor(now / 1000);
      const token = await idp.sign({ sub: 'u', aud: 'platform', exp: nowS + 5 }, { nowMs: now });
      assert.equal(code(await s.verifier.verify(token)), 'ok');
      now += 6_000;
      assert.equal(code(await s.verifier.verify(token)), 'token_expired');
    });
  });
});
