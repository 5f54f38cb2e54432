import { strict as assert } from 'node:assert';
import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { JwsAlgorithm } from '../../src/config/config.js';
import { SigningKeySet } from '../../src/identity/signing-key-set.js';
import { verifySignature } from '../../src/identity/verify-signature.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const ed = generateKeyPairSync('ed25519');

const jwk = (key: KeyObject, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ ...key.export({ format: 'jwk' }), ...extra });
const kids = (set: SigningKeySet, kid: string | null, alg: JwsAlgorithm): Array<string | null> => set.candidates(kid, alg).map((k) => k.kid);

describe('identity: signing key selection', () => {
  const set = SigningKeySet.fromJwks([
    jwk(rsa.publicKey, { kid: 'rsa' }),
    jwk(p256.publicKey, { kid: 'p256', alg: 'ES256' }),
    jwk(p384.publicKey, { kid: 'p384' }),
    jwk(ed.publicKey, { kid: 'ed' }),
    jwk(rsa.publicKey, { kid: 'enc', use: 'enc' }),
    jwk(rsa.publicKey, { kid: 'wrap-only', key_ops: ['wrapKey'] }),
    { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
    { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: 'off-curve' },
    'not a key',
  ]);

  it('imports only public signature keys that node can load', () => {
    assert.deepEqual(set.keys.map((k) => k.kid), ['rsa', 'p256', 'p384', 'ed']);
  });

  const cases: ReadonlyArray<readonly [string | null, JwsAlgorithm, ReadonlyArray<string | null>]> = [
    ['rsa', 'RS256', ['rsa']],
    ['rsa', 'PS512', ['rsa']],
    ['rsa', 'ES256', []],
    ['p256', 'ES256', ['p256']],
    ['p256', 'ES384', []],
    ['p384', 'ES384', ['p384']],
    ['p384', 'ES256', []],
    ['ed', 'EdDSA', ['ed']],
    ['ed', 'RS256', []],
    ['enc', 'RS256', []],
    ['hmac', 'RS256', []],
    [null, 'RS256', ['rsa']],
    [null, 'ES256', ['p256']],
    ['nobody', 'RS256', []],
  ];
  for (const [kid, alg, expected] of cases) {
    it(`offers ${JSON.stringify(expected)} for kid ${JSON.stringify(kid)} and ${alg}`, () => {
      assert.deepEqual(kids(set, kid, alg), expected);
    });
  }

  it('lets a sole key without kid answer tokens naming any kid, but not with a mismatched algorithm', () => {
    const sole = SigningKeySet.fromJwks([jwk(p256.publicKey)]);
    assert.equal(sole.candidates('whatever', 'ES256').length, 1);
    assert.equal(sole.candidates('whatever', 'RS256').length, 0);
    const two = SigningKeySet.fromJwks([jwk(p256.publicKey), jwk(rsa.publicKey)]);
    assert.equal(two.candidates('whatever', 'ES256').length, 0);
  });
});

describe('identity: signature checks per algorithm', () => {
  const input = Buffer.from('eyJhbGciOiJ4In0.eyJzdWIiOiJ1In0', 'ascii');
  const pss = (digest: string) => (data: Buffer): Buffer => sign(digest, data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  const p1363 = (digest: string, key: KeyObject) => (data: Buffer): Buffer => sign(digest, data, { key, dsaEncoding: 'ieee-p1363' });
  const cases: ReadonlyArray<readonly [JwsAlgorithm, KeyObject, (data: Buffer) => Buffer]> = [
    ['RS256', rsa.publicKey, (d) => sign('sha256', d, rsa.privateKey)],
    ['RS384', rsa.publicKey, (d) => sign('sha384', d, rsa.privateKey)],
    ['RS512', rsa.publicKey, (d) => sign('sha512', d, rsa.privateKey)],
    ['PS256', rsa.publicKey, pss('sha256')],
    ['PS384', rsa.publicKey, pss('sha384')],
    ['PS512', rsa.publicKey, pss('sha512')],
    ['ES256', p256.publicKey, p1363('sha256', p256.privateKey)],
    ['ES384', p384.publicKey, p1363('sha384', p384.privateKey)],
    ['ES512', p521.publicKey, p1363('sha512', p521.privateKey)],
    ['EdDSA', ed.publicKey, (d) => sign(null, d, ed.privateKey)],
  ];
  for (const [alg, key, signer] of cases) {
    it(`accepts a ${alg} signature and refuses it over other bytes`, () => {
      const signature = signer(input);
      assert.equal(verifySignature(alg, key, input, signature), true);
      assert.equal(verifySignature(alg, key, Buffer.concat([input, Buffer.from('x')]), signature), false);
    });
  }

  it('refuses a PKCS#1 signature checked as PSS and the reverse', () => {
    assert.equal(verifySignature('PS256', rsa.publicKey, input, sign('sha256', input, rsa.privateKey)), false);
    assert.equal(verifySignature('RS256', rsa.publicKey, input, pss('sha256')(input)), false);
  });

  it('refuses a DER-encoded ECDSA signature', () => {
    assert.equal(verifySignature('ES256', p256.publicKey, input, sign('sha256', input, p256.privateKey)), false);
  });

  it('answers false, not an exception, for garbage signatures', () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const key = alg === 'RS256' ? rsa.publicKey : alg === 'ES256' ? p256.publicKey : ed.publicKey;
      assert.equal(verifySignature(alg, key, input, Buffer.alloc(0)), false);
      assert.equal(verifySignature(alg, key, input, Buffer.alloc(64, 1)), false);
    }
  });
});
