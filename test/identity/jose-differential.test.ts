// Differential test: a seeded corpus of tokens, signed with jose and then broken one fault at a
// time, is verified by the service's TokenVerifier (built from configuration the way the server
// builds it, keys fetched from a loopback JWKS) and by jose's jwtVerify over the same JWK set and
// rules. The two must agree on every token, except where a named difference predicts otherwise;
// a prediction is exact: the difference must show wherever it applies, and only there.
import { strict as assert } from 'node:assert';
import { constants, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { CompactSign, createLocalJWKSet, jwtVerify, type CompactJWSHeaderParameters, type JWK, type JWSAlgorithm, type JWTVerifyGetKey } from 'jose';
import type { JwsAlgorithm } from '../../src/config/config.js';
import { buildConfig } from '../../src/config/load-config.js';
import { createIdentityStage, type IdentityStage } from '../../src/identity/create-identity.js';
import { seededRandom } from '../support/seeded-random.js';
import { JwksServer } from './support/jwks-server.js';

const SEED = 0x6a05e;
/** A fixed instant with a fractional second, where whole-second and fractional NumericDate comparisons part. */
const NOW_MS = Date.UTC(2026, 0, 15, 9, 30, 0, 640);
const NOW_S = Math.floor(NOW_MS / 1000);
const AUDIENCE = 'platform';
const ADDITIONAL_ISSUER = 'https://sts.windows.net/tenant-1/';
const BASE_COUNT = 96;
const TOKENS_PER_RECIPE = 6;

type Rand = () => number;
const int = (rand: Rand, n: number): number => Math.floor(rand() * n);
function pick<T>(rand: Rand, list: readonly T[]): T {
  const value = list[int(rand, list.length)];
  if (value === undefined) throw new Error('pick from an empty list');
  return value;
}
const b64 = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64url');
const json64 = (value: unknown): string => b64(JSON.stringify(value));

function segments(token: string): { readonly h: string; readonly p: string; readonly s: string } {
  const [h, p, s] = token.split('.');
  if (h === undefined || p === undefined || s === undefined) throw new Error('not a compact JWS');
  return { h, p, s };
}

// ---------------------------------------------------------------------------------------------
// Keys. Several JWKS members exist only to be refused; some share key material with a good key so
// that the signature itself holds and only the rule under test can refuse the token.

interface CorpusKey {
  readonly kid: string;
  readonly alg: JWSAlgorithm;
  readonly privateKey: KeyObject;
  /** jose 6 will not sign with an RSA key under 2048 bits or with Ed448: node:crypto signs those. */
  readonly signer: 'jose' | 'node';
}

interface Keys {
  readonly byKid: ReadonlyMap<string, CorpusKey>;
  /** The keys base tokens are signed with, all usable by both verifiers. */
  readonly good: readonly CorpusKey[];
  /** Not published anywhere. */
  readonly stranger: CorpusKey;
  readonly jwks: readonly JWK[];
  /** §4.2: a JWKS holding one key may omit its kid. */
  readonly soleJwks: readonly JWK[];
}

function publicJwk(key: KeyObject, extra: Readonly<JWK>): JWK {
  return { ...createPublicKey(key).export({ format: 'jwk' }), ...extra };
}

function createKeys(): Keys {
  const rsa = (bits = 2048): KeyObject => generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
  const rs1 = rsa();
  const rs2 = rsa();
  const ps1 = rsa();
  const es256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const es384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  const ed = generateKeyPairSync('ed25519').privateKey;
  const ed448 = generateKeyPairSync('ed448').privateKey;
  const small = rsa(1024);
  const entry = (kid: string, alg: JWSAlgorithm, privateKey: KeyObject, signer: 'jose' | 'node' = 'jose'): CorpusKey =>
    ({ kid, alg, privateKey, signer });
  const good = [
    entry('rs-1', 'RS256', rs1),
    entry('rs-2', 'RS256', rs2),
    entry('ps-1', 'PS256', ps1),
    entry('es256-1', 'ES256', es256),
    entry('es384-1', 'ES384', es384),
    entry('ed-1', 'EdDSA', ed),
  ];
  const others = [
    entry('ed448-1', 'EdDSA', ed448, 'node'),
    entry('rsa1024-1', 'RS256', small, 'node'),
    // rs-1's key material published for encryption only.
    entry('enc-1', 'RS256', rs1),
    // rs-2's key published with its private parts.
    entry('leaked-1', 'RS256', rs2),
  ];
  const jwks: JWK[] = [
    publicJwk(rs1, { kid: 'rs-1', alg: 'RS256', use: 'sig' }),
    publicJwk(rs2, { kid: 'rs-2', alg: 'RS256', use: 'sig' }),
    // No alg: the key serves RS256 and PS256 alike, so a swapped alg reaches the signature check.
    publicJwk(ps1, { kid: 'ps-1' }),
    publicJwk(es256, { kid: 'es256-1', alg: 'ES256', use: 'sig' }),
    // No alg: the curve alone says which algorithm the key serves.
    publicJwk(es384, { kid: 'es384-1' }),
    publicJwk(ed, { kid: 'ed-1', alg: 'EdDSA', use: 'sig' }),
    publicJwk(ed448, { kid: 'ed448-1', alg: 'EdDSA', use: 'sig' }),
    publicJwk(small, { kid: 'rsa1024-1', alg: 'RS256', use: 'sig' }),
    publicJwk(rs1, { kid: 'enc-1', use: 'enc' }),
    { ...rs2.export({ format: 'jwk' }), kid: 'leaked-1', alg: 'RS256' },
  ];
  return {
    byKid: new Map([...good, ...others].map((k) => [k.kid, k])),
    good,
    stranger: entry('stranger', 'RS256', rsa()),
    jwks,
    soleJwks: [publicJwk(rs1, { alg: 'RS256', use: 'sig' })],
  };
}

// ---------------------------------------------------------------------------------------------
// Signing.

type Header = CompactJWSHeaderParameters;

async function signWithJose(header: Header, payload: Uint8Array, key: KeyObject | Uint8Array): Promise<string> {
  const crit = Array.isArray(header.crit) ? Object.fromEntries(header.crit.map((name) => [name, true])) : undefined;
  return new CompactSign(payload).setProtectedHeader(header).sign(key, crit === undefined ? undefined : { crit });
}

/** What jose refuses to produce: odd header values or text, DER ECDSA, Ed448, short RSA keys. A string header is sent as is. */
function signWithNode(
  header: Readonly<Record<string, unknown>> | string,
  payload: Uint8Array,
  key: KeyObject,
  alg: JWSAlgorithm,
  variant: 'jws' | 'ecdsa-der' | 'pss-max-salt' = 'jws',
): string {
  const input = `${typeof header === 'string' ? b64(header) : json64(header)}.${b64(Buffer.from(payload))}`;
  const data = Buffer.from(input, 'ascii');
  let signature: Buffer;
  switch (alg) {
    case 'RS256': signature = sign('sha256', data, key); break;
    case 'PS256': {
      const saltLength = variant === 'pss-max-salt' ? constants.RSA_PSS_SALTLEN_MAX_SIGN : constants.RSA_PSS_SALTLEN_DIGEST;
      signature = sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
      break;
    }
    case 'ES256': signature = sign('sha256', data, { key, dsaEncoding: variant === 'ecdsa-der' ? 'der' : 'ieee-p1363' }); break;
    case 'ES384': signature = sign('sha384', data, { key, dsaEncoding: variant === 'ecdsa-der' ? 'der' : 'ieee-p1363' }); break;
    case 'EdDSA': signature = sign(null, data, key); break;
    default: throw new Error(`no node signer for ${alg}`);
  }
  return `${input}.${signature.toString('base64url')}`;
}

async function signToken(header: Header, payload: Uint8Array, key: CorpusKey): Promise<string> {
  return key.signer === 'jose' ? signWithJose(header, payload, key.privateKey) : signWithNode(header, payload, key.privateKey, key.alg);
}

// ---------------------------------------------------------------------------------------------
// Corpus: valid base tokens, then one-fault mutants of them.

interface Base {
  readonly index: number;
  readonly key: CorpusKey;
  readonly header: Header;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly token: string;
}

interface Made {
  readonly token: string;
  /** The header's alg as presented (after any tampering). */
  readonly alg: unknown;
  /** kid of the key whose private half made the signature; null when no corpus key did. */
  readonly signedBy: string | null;
  readonly kid: unknown;
  readonly claims: Readonly<Record<string, unknown>>;
}

interface Case extends Made {
  readonly recipe: string;
  readonly base: number;
}

interface Recipe {
  readonly name: string;
  readonly appliesTo?: (base: Base) => boolean;
  readonly make: (base: Base, rand: Rand) => Promise<Made>;
}

function patched(claims: Readonly<Record<string, unknown>>, patch: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...claims };
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}

const utf8 = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

async function resigned(base: Base, change: { header?: Header; claims?: Record<string, unknown>; payload?: Buffer; key?: CorpusKey }): Promise<Made> {
  const header = change.header ?? base.header;
  const claims = change.claims ?? base.claims;
  const key = change.key ?? base.key;
  return { token: await signToken(header, change.payload ?? utf8(claims), key), alg: header.alg, signedBy: key.kid, kid: header.kid, claims };
}

/** The base's signature and claims, presented differently. */
function reworked(base: Base, token: string, alg: unknown = base.header.alg): Made {
  return { token, alg, signedBy: base.key.kid, kid: base.header.kid, claims: base.claims };
}

const withClaims = (patch: Readonly<Record<string, unknown>>) => (base: Base): Promise<Made> =>
  resigned(base, { claims: patched(base.claims, patch) });

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P384_ORDER = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SIBLING_ALG: Readonly<Record<string, JWSAlgorithm>> = { RS256: 'PS256', PS256: 'RS256', ES256: 'ES384', ES384: 'ES256', EdDSA: 'ES256' };
const isRsaBase = (base: Base): boolean => base.header.alg === 'RS256' || base.header.alg === 'PS256';

function recipes(keys: Keys, issuer: string): readonly Recipe[] {
  const key = (kid: string): CorpusKey => {
    const found = keys.byKid.get(kid);
    if (found === undefined) throw new Error(`no corpus key ${kid}`);
    return found;
  };
  const rs1 = key('rs-1');
  const hmac = (secret: Uint8Array) => async (base: Base): Promise<Made> => ({
    token: await signWithJose({ alg: 'HS256', kid: 'rs-1', typ: 'JWT' }, utf8(base.claims), secret),
    alg: 'HS256',
    signedBy: null,
    kid: 'rs-1',
    claims: base.claims,
  });
  const byPublishedKey = (kid: string) => (base: Base): Promise<Made> => {
    const k = key(kid);
    return resigned(base, { header: { alg: k.alg, kid, typ: 'JWT' }, key: k });
  };
  return [
    // Signature and segment tampering.
    {
      name: 'payload-tampered',
      make: async (base, rand) => {
        const { h, p, s } = segments(base.token);
        // Not the last character: its low bits may not be part of any byte.
        const at = int(rand, p.length - 1);
        const replacement = pick(rand, [...BASE64URL].filter((c) => c !== p[at]));
        return reworked(base, `${h}.${p.slice(0, at)}${replacement}${p.slice(at + 1)}.${s}`);
      },
    },
    {
      name: 'signature-tampered',
      make: async (base, rand) => {
        const { h, p, s } = segments(base.token);
        const bytes = Buffer.from(s, 'base64url');
        const at = int(rand, bytes.length);
        bytes.writeUInt8(bytes.readUInt8(at) ^ (1 << int(rand, 8)), at);
        return reworked(base, `${h}.${p}.${b64(bytes)}`);
      },
    },
    {
      name: 'signature-truncated',
      make: async (base) => {
        const { h, p, s } = segments(base.token);
        return reworked(base, `${h}.${p}.${b64(Buffer.from(s, 'base64url').subarray(1))}`);
      },
    },
    { name: 'signature-empty', make: async (base) => { const { h, p } = segments(base.token); return reworked(base, `${h}.${p}.`); } },
    {
      name: 'header-tampered',
      make: async (base) => { const { p, s } = segments(base.token); return reworked(base, `${json64({ ...base.header, typ: 'at+jwt', x: 1 })}.${p}.${s}`); },
    },
    {
      name: 'alg-swapped',
      make: async (base) => {
        const { p, s } = segments(base.token);
        const alg = SIBLING_ALG[base.header.alg] ?? 'RS256';
        return reworked(base, `${json64({ ...base.header, alg })}.${p}.${s}`, alg);
      },
    },
    {
      name: 'alg-none-signature-kept',
      make: async (base) => { const { p, s } = segments(base.token); return reworked(base, `${json64({ alg: 'none', typ: 'JWT' })}.${p}.${s}`, 'none'); },
    },
    {
      name: 'alg-none-unsigned',
      make: async (base) => { const { p } = segments(base.token); return reworked(base, `${json64({ alg: 'none' })}.${p}.`, 'none'); },
    },
    // Algorithm confusion: HMAC keyed with the bytes of a published RSA public key.
    { name: 'hs256-keyed-with-rsa-public-pem', make: hmac(Buffer.from(createPublicKey(rs1.privateKey).export({ type: 'spki', format: 'pem' }))) },
    { name: 'hs256-keyed-with-rsa-public-jwk', make: hmac(utf8(publicJwk(rs1.privateKey, { kid: 'rs-1', alg: 'RS256', use: 'sig' }))) },
    // Keys and kids.
    {
      name: 'kid-swapped',
      make: async (base, rand) => {
        const other = pick(rand, keys.good.filter((k) => k.kid !== base.key.kid));
        return resigned(base, { header: { ...base.header, kid: other.kid } });
      },
    },
    { name: 'kid-unknown', make: (base) => resigned(base, { header: { ...base.header, kid: 'retired-2019' } }) },
    { name: 'kid-empty', make: (base) => resigned(base, { header: { ...base.header, kid: '' } }) },
    {
      name: 'kid-omitted',
      make: (base) => {
        const { kid: _kid, ...header } = base.header;
        return resigned(base, { header });
      },
    },
    {
      name: 'kid-not-a-string',
      make: async (base) => {
        const header = { ...base.header, kid: 7 };
        return { token: signWithNode(header, utf8(base.claims), base.key.privateKey, base.header.alg), alg: header.alg, signedBy: base.key.kid, kid: 7, claims: base.claims };
      },
    },
    {
      name: 'signed-by-unpublished-key',
      appliesTo: isRsaBase,
      make: (base) => resigned(base, { key: keys.stranger }),
    },
    {
      name: 'embedded-jwk-of-signer',
      appliesTo: isRsaBase,
      make: (base) => resigned(base, { header: { ...base.header, jwk: publicJwk(keys.stranger.privateKey, {}) }, key: keys.stranger }),
    },
    { name: 'signed-by-encryption-key', make: byPublishedKey('enc-1') },
    { name: 'signed-by-jwks-member-with-private-parts', make: byPublishedKey('leaked-1') },
    { name: 'signed-by-rsa-1024', make: byPublishedKey('rsa1024-1') },
    { name: 'signed-by-ed448', make: byPublishedKey('ed448-1') },
    {
      name: 'alg-named-ed25519',
      make: (base) => resigned(base, { header: { alg: 'Ed25519', kid: 'ed-1', typ: 'JWT' }, key: key('ed-1') }),
    },
    {
      name: 'es256-der-signature',
      appliesTo: (base) => base.header.alg === 'ES256',
      make: async (base) => reworked(base, signWithNode(base.header, utf8(base.claims), base.key.privateKey, 'ES256', 'ecdsa-der')),
    },
    {
      // RFC 7518 §3.5 fixes the salt at the digest length; a verifier auto-detecting it would accept this.
      name: 'pss-salt-longer-than-digest',
      appliesTo: (base) => base.header.alg === 'PS256',
      make: async (base) => reworked(base, signWithNode(base.header, utf8(base.claims), base.key.privateKey, 'PS256', 'pss-max-salt')),
    },
    {
      // (r, n - s) is as valid as (r, s): neither side enforces low-S, and both must say so alike.
      name: 'ecdsa-signature-with-negated-s',
      appliesTo: (base) => base.header.alg === 'ES256' || base.header.alg === 'ES384',
      make: async (base) => {
        const { h, p, s } = segments(base.token);
        const bytes = Buffer.from(s, 'base64url');
        const half = bytes.length / 2;
        const order = base.header.alg === 'ES256' ? P256_ORDER : P384_ORDER;
        const negated = order - BigInt(`0x${bytes.subarray(half).toString('hex')}`);
        const sHex = negated.toString(16).padStart(half * 2, '0');
        return reworked(base, `${h}.${p}.${b64(Buffer.concat([bytes.subarray(0, half), Buffer.from(sHex, 'hex')]))}`);
      },
    },
    {
      name: 'signature-all-zero',
      make: async (base) => {
        const { h, p, s } = segments(base.token);
        return reworked(base, `${h}.${p}.${b64(Buffer.alloc(Buffer.from(s, 'base64url').length))}`);
      },
    },
    {
      name: 'signature-zero-prefixed',
      make: async (base) => {
        const { h, p, s } = segments(base.token);
        return reworked(base, `${h}.${p}.${b64(Buffer.concat([Buffer.alloc(1), Buffer.from(s, 'base64url')]))}`);
      },
    },
    // Header parameters.
    { name: 'typ-at-jwt', make: (base) => resigned(base, { header: { ...base.header, typ: 'at+jwt' } }) },
    { name: 'crit-exp', make: (base) => resigned(base, { header: { ...base.header, crit: ['exp'], exp: base.claims['exp'] } }) },
    { name: 'crit-b64', make: (base) => resigned(base, { header: { ...base.header, crit: ['b64'], b64: true } }) },
    {
      name: 'header-not-json',
      make: async (base) => { const { p, s } = segments(base.token); return reworked(base, `${b64(`{"alg":"${base.header.alg}",`)}.${p}.${s}`); },
    },
    {
      name: 'header-json-array',
      make: async (base) => { const { p, s } = segments(base.token); return reworked(base, `${json64([base.header.alg])}.${p}.${s}`); },
    },
    {
      name: 'header-not-utf8',
      make: async (base) => {
        const { p, s } = segments(base.token);
        const header = Buffer.concat([Buffer.from(`{"alg":"${base.header.alg}","x":"`), Buffer.from([0xff]), Buffer.from('"}')]);
        return reworked(base, `${b64(header)}.${p}.${s}`);
      },
    },
    {
      // Both JSON parsers keep the last duplicate; the first alg must not be what either acts on.
      name: 'header-with-duplicate-alg',
      make: async (base) => {
        const text = `{"alg":"none","alg":"${base.header.alg}","kid":"${base.key.kid}"}`;
        return reworked(base, signWithNode(text, utf8(base.claims), base.key.privateKey, base.header.alg));
      },
    },
    {
      name: 'header-with-json-whitespace',
      make: async (base) => {
        const text = `{ "alg" : "${base.header.alg}",\n  "kid" : "${base.key.kid}" }`;
        return reworked(base, signWithNode(text, utf8(base.claims), base.key.privateKey, base.header.alg));
      },
    },
    // Serialization.
    { name: 'leading-space', make: async (base) => reworked(base, ` ${base.token}`) },
    { name: 'extra-trailing-dot', make: async (base) => reworked(base, `${base.token}.`) },
    { name: 'four-segments', make: async (base) => { const { h, p, s } = segments(base.token); return reworked(base, `${h}.${p}.${p}.${s}`); } },
    { name: 'two-segments', make: async (base) => { const { h, p } = segments(base.token); return reworked(base, `${h}.${p}`); } },
    {
      name: 'signature-padded',
      appliesTo: (base) => segments(base.token).s.length % 4 !== 0,
      make: async (base) => reworked(base, `${base.token}${'='.repeat(4 - (segments(base.token).s.length % 4))}`),
    },
    {
      name: 'signature-with-whitespace',
      make: async (base, rand) => {
        const { h, p, s } = segments(base.token);
        const at = 1 + int(rand, s.length - 1);
        return reworked(base, `${h}.${p}.${s.slice(0, at)}${pick(rand, [' ', '\n', '\t'])}${s.slice(at)}`);
      },
    },
    {
      name: 'signature-in-standard-base64',
      appliesTo: (base) => /[-_]/.test(segments(base.token).s),
      make: async (base) => {
        const { h, p, s } = segments(base.token);
        return reworked(base, `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}`);
      },
    },
    {
      name: 'signature-with-foreign-character',
      make: async (base, rand) => {
        const { h, p, s } = segments(base.token);
        const at = int(rand, s.length);
        return reworked(base, `${h}.${p}.${s.slice(0, at)}${pick(rand, ['!', '*', '~'])}${s.slice(at + 1)}`);
      },
    },
    {
      name: 'signature-of-impossible-length',
      make: async (base) => {
        const { h, p, s } = segments(base.token);
        const extra = (5 - (s.length % 4)) % 4 || 4;
        return reworked(base, `${h}.${p}.${s}${'A'.repeat(extra)}`);
      },
    },
    // Payloads that are not a JSON object, correctly signed.
    { name: 'payload-json-array', make: (base) => resigned(base, { payload: utf8([base.claims]) }) },
    { name: 'payload-not-json', make: (base) => resigned(base, { payload: Buffer.from('sub=admin&exp=9999999999') }) },
    {
      name: 'payload-not-utf8',
      make: (base) => {
        const text = JSON.stringify(base.claims);
        return resigned(base, { payload: Buffer.concat([Buffer.from(`${text.slice(0, -1)},"name":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]) });
      },
    },
    {
      name: 'payload-with-duplicate-sub',
      make: (base) => {
        const text = JSON.stringify(base.claims);
        return resigned(base, { payload: Buffer.from(`{"sub":"admin",${text.slice(1)}`) });
      },
    },
    {
      name: 'payload-with-proto-key',
      make: (base) => {
        const text = JSON.stringify(base.claims);
        return resigned(base, { payload: Buffer.from(`{"__proto__":{"admin":true},${text.slice(1)}`) });
      },
    },
    // Registered claims, one at a time.
    { name: 'expired', make: (base, rand) => withClaims({ exp: NOW_S - 61 - int(rand, 3600) })(base) },
    { name: 'expired-within-skew', make: (base, rand) => withClaims({ exp: NOW_S - int(rand, 60) })(base) },
    { name: 'exp-at-skew-boundary', make: withClaims({ exp: NOW_S - 60 }) },
    { name: 'exp-just-inside-skew', make: withClaims({ exp: NOW_S - 59 }) },
    { name: 'nbf-in-future', make: (base, rand) => withClaims({ nbf: NOW_S + 61 + int(rand, 3600) })(base) },
    { name: 'nbf-within-skew', make: (base, rand) => withClaims({ nbf: NOW_S + 1 + int(rand, 60) })(base) },
    { name: 'nbf-at-skew-boundary', make: withClaims({ nbf: NOW_S + 60 }) },
    { name: 'iat-in-future', make: (base, rand) => withClaims({ iat: NOW_S + 61 + int(rand, 3600) })(base) },
    { name: 'iat-in-future-within-skew', make: (base, rand) => withClaims({ iat: NOW_S + 1 + int(rand, 59) })(base) },
    { name: 'iat-at-skew-boundary', make: withClaims({ iat: NOW_S + 60 }) },
    // NOW_MS lies 0.64 s into NOW_S: fractional NumericDates probe how each side rounds "now".
    { name: 'iat-fractional-after-now', make: withClaims({ iat: NOW_S + 0.9 }) },
    { name: 'exp-fractional-just-past', make: withClaims({ exp: NOW_S + 0.5 }) },
    { name: 'nbf-fractional-just-past', make: withClaims({ nbf: NOW_S + 0.5 }) },
    { name: 'wrong-issuer', make: withClaims({ iss: 'https://evil.example.com' }) },
    { name: 'issuer-with-trailing-slash', make: withClaims({ iss: `${issuer}/` }) },
    { name: 'additional-issuer', make: withClaims({ iss: ADDITIONAL_ISSUER }) },
    { name: 'issuer-missing', make: withClaims({ iss: undefined }) },
    { name: 'audience-as-string', make: withClaims({ aud: AUDIENCE }) },
    { name: 'audience-in-list', make: withClaims({ aud: ['other', AUDIENCE] }) },
    { name: 'audience-in-list-with-non-string', make: withClaims({ aud: [1, null, AUDIENCE] }) },
    { name: 'audience-wrong', make: withClaims({ aud: 'someone-else' }) },
    { name: 'audience-other-case', make: withClaims({ aud: 'Platform' }) },
    { name: 'audience-list-without-ours', make: withClaims({ aud: ['a', 'b'] }) },
    { name: 'audience-missing', make: withClaims({ aud: undefined }) },
    { name: 'sub-missing', make: withClaims({ sub: undefined }) },
    { name: 'exp-missing', make: withClaims({ exp: undefined }) },
    { name: 'iat-missing', make: withClaims({ iat: undefined }) },
    { name: 'exp-a-string', make: withClaims({ exp: String(NOW_S + 600) }) },
    { name: 'iat-a-string', make: withClaims({ iat: String(NOW_S) }) },
    { name: 'nbf-a-string', make: withClaims({ nbf: String(NOW_S - 10) }) },
    { name: 'iat-null', make: withClaims({ iat: null }) },
    { name: 'exp-far-future', make: withClaims({ exp: 1e300 }) },
    // Identity values (§4.2) that the JWT itself does not constrain.
    { name: 'sub-a-number', make: withClaims({ sub: 12345 }) },
    { name: 'sub-with-control-character', make: withClaims({ sub: 'user\n1' }) },
    { name: 'sub-empty', make: withClaims({ sub: '' }) },
    { name: 'sub-null', make: withClaims({ sub: null }) },
    { name: 'groups-over-limit', make: withClaims({ groups: Array.from({ length: 101 }, (_, i) => `g${i}`) }) },
  ];
}

async function createBase(index: number, rand: Rand, keys: Keys, issuer: string): Promise<Base> {
  // Round-robin first, so every key signs a share of the bases whatever the seed.
  const key = keys.good[index % keys.good.length] ?? keys.good[0];
  if (key === undefined) throw new Error('no good keys');
  const claims: Record<string, unknown> = {
    iss: rand() < 0.8 ? issuer : ADDITIONAL_ISSUER,
    sub: `user-${index}-${int(rand, 1_000_000)}`,
    aud: pick<unknown>(rand, [AUDIENCE, [AUDIENCE], ['other', AUDIENCE]]),
    iat: NOW_S - int(rand, 600),
    // Valid even without skew: exp must lie after now.
    exp: NOW_S + 1 + int(rand, 7200),
  };
  if (rand() < 0.3) claims['nbf'] = NOW_S - int(rand, 600);
  if (rand() < 0.6) claims['email'] = `user${index}@example.com`;
  if (rand() < 0.5) claims['groups'] = rand() < 0.5 ? ['eng', 'ops'] : 'eng, ops';
  if (rand() < 0.5) claims['scope'] = 'openid platform:read';
  // Non-ASCII and nested values: both sides must decode the payload to the same JSON.
  if (rand() < 0.3) claims['name'] = 'Zoë Ünal ✓';
  if (rand() < 0.2) claims['ext'] = { nested: [1, 2.5, null, true, { deep: 'x' }] };
  const header: Header = rand() < 0.7 ? { alg: key.alg, kid: key.kid, typ: 'JWT' } : { alg: key.alg, kid: key.kid };
  return { index, key, header, claims, token: await signToken(header, utf8(claims), key) };
}

async function buildCorpus(keys: Keys, issuer: string): Promise<readonly Case[]> {
  const rand = seededRandom(SEED);
  const bases: Base[] = [];
  for (let i = 0; i < BASE_COUNT; i += 1) bases.push(await createBase(i, rand, keys, issuer));
  const corpus: Case[] = bases.map((b) => ({ recipe: 'base', base: b.index, token: b.token, alg: b.header.alg, signedBy: b.key.kid, kid: b.header.kid, claims: b.claims }));
  for (const recipe of recipes(keys, issuer)) {
    const eligible = bases.filter((b) => recipe.appliesTo?.(b) ?? true);
    for (let i = 0; i < TOKENS_PER_RECIPE && eligible.length > 0; i += 1) {
      // One base per signing key where the recipe allows, so every recipe meets every algorithm.
      const sameKey = eligible.filter((b) => b.key === keys.good[i % keys.good.length]);
      const base = pick(rand, sameKey.length > 0 ? sameKey : eligible);
      corpus.push({ recipe: recipe.name, base: base.index, ...(await recipe.make(base, rand)) });
    }
  }
  return corpus;
}

// ---------------------------------------------------------------------------------------------
// Verifier setups, and where the two verifiers part by design.

interface Setup {
  readonly name: string;
  readonly algorithms: readonly JwsAlgorithm[];
  readonly skew: number;
  readonly keySet: 'full' | 'sole';
  /** Null: the whole corpus. */
  readonly recipes: ReadonlySet<string> | null;
}

const FIVE_ALGORITHMS: readonly JwsAlgorithm[] = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const SETUPS: readonly Setup[] = [
  { name: 'five algorithms and 60 s of clock skew', algorithms: FIVE_ALGORITHMS, skew: 60, keySet: 'full', recipes: null },
  { name: 'five algorithms and no clock skew', algorithms: FIVE_ALGORITHMS, skew: 0, keySet: 'full', recipes: null },
  { name: 'the default algorithms (RS256, ES256) and 60 s of clock skew', algorithms: ['RS256', 'ES256'], skew: 60, keySet: 'full', recipes: null },
  {
    name: 'a JWKS of one RSA key without a kid',
    algorithms: FIVE_ALGORITHMS,
    skew: 60,
    keySet: 'sole',
    recipes: new Set(['base', 'kid-omitted', 'kid-unknown', 'kid-swapped']),
  },
];

const inScope = (setup: Setup, c: Case): boolean => setup.recipes === null || setup.recipes.has(c.recipe);
const isAllowed = (setup: Setup, c: Case): boolean => setup.algorithms.some((a) => a === c.alg);

type Verdict = 'accept' | 'reject';

interface KnownDifference {
  readonly name: string;
  readonly reason: string;
  readonly ours: Verdict;
  readonly jose: Verdict;
  readonly appliesTo: (c: Case, setup: Setup) => boolean;
}

const recipeIn = (...names: string[]) => (c: Case): boolean => names.includes(c.recipe);

const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    name: 'iat-in-the-future',
    reason: '§4.2 refuses an iat beyond the clock skew; jose only looks at iat when maxTokenAge is set',
    ours: 'reject',
    jose: 'accept',
    appliesTo: (c, setup) => recipeIn('iat-in-future', 'iat-in-future-within-skew', 'iat-at-skew-boundary', 'iat-fractional-after-now')(c) && isAllowed(setup, c)
      && typeof c.claims['iat'] === 'number' && c.claims['iat'] > NOW_MS / 1000 + setup.skew,
  },
  {
    name: 'kidless-token-with-several-candidate-keys',
    reason: 'RFC 7515 §6 lets us try every key fit for the alg; jose refuses an ambiguous JWKS match (JWKSMultipleMatchingKeys)',
    ours: 'accept',
    jose: 'reject',
    // rs-1, rs-2, ps-1 and (for jose) rsa1024-1 fit RS256; PS256, ES*, EdDSA have one candidate each for jose.
    appliesTo: (c, setup) => recipeIn('kid-omitted')(c) && setup.keySet === 'full' && c.alg === 'RS256' && isAllowed(setup, c),
  },
  {
    name: 'ed448-under-eddsa',
    reason: 'RFC 8037 EdDSA covers Ed448, which we verify; jose 6 verifies EdDSA with Ed25519 keys only',
    ours: 'accept',
    jose: 'reject',
    appliesTo: (c, setup) => recipeIn('signed-by-ed448')(c) && setup.keySet === 'full' && isAllowed(setup, c),
  },
  {
    name: 'identity-values-must-be-header-safe',
    reason: '§4.2 wants the subject a header-safe string and bounds groups; jose only checks that sub is present',
    ours: 'reject',
    jose: 'accept',
    appliesTo: (c, setup) => recipeIn('sub-a-number', 'sub-with-control-character', 'sub-empty', 'sub-null', 'groups-over-limit')(c) && isAllowed(setup, c),
  },
  {
    name: 'crit-b64',
    reason: 'we implement no JWS extension, so RFC 7515 §4.1.11 makes us refuse every crit; jose understands b64 (RFC 7797)',
    ours: 'reject',
    jose: 'accept',
    appliesTo: (c, setup) => recipeIn('crit-b64')(c) && isAllowed(setup, c),
  },
  {
    name: 'lenient-base64url-signature',
    reason: 'a compact JWS is unpadded base64url (RFC 7515 §2, §4.2 "compact JWS only"); jose decodes with atob on Node 20, which skips whitespace and accepts padding',
    ours: 'reject',
    jose: 'accept',
    appliesTo: (c, setup) => recipeIn('signature-padded', 'signature-with-whitespace')(c) && isAllowed(setup, c),
  },
  {
    name: 'sole-kidless-key-answers-any-kid',
    reason: '§4.2: a JWKS with one key may omit its kid; jose matches a token kid only against an equal JWK kid',
    ours: 'accept',
    jose: 'reject',
    appliesTo: (c, setup) => setup.keySet === 'sole' && c.signedBy === 'rs-1' && typeof c.kid === 'string' && c.alg === 'RS256',
  },
];

// ---------------------------------------------------------------------------------------------

type Outcome =
  | { readonly accepted: true; readonly payload: Readonly<Record<string, unknown>>; readonly subject: string }
  | { readonly accepted: false; readonly code: string };

function joseErrorCode(err: unknown): string {
  if (!(err instanceof Error)) return 'non_error_thrown';
  return 'code' in err && typeof err.code === 'string' ? err.code : err.name;
}

describe('identity: the token verifier agrees with jose (differential)', function () {
  // Key generation and a few hundred signatures; the comparisons themselves take well under that.
  this.timeout(30_000);
  const idp = new JwksServer();
  const stages: IdentityStage[] = [];
  let keys: Keys;
  let corpus: readonly Case[];
  let jwksUri = '';
  let soleJwksUri = '';

  before(async () => {
    await idp.start();
    keys = createKeys();
    jwksUri = idp.publish('full', keys.jwks);
    soleJwksUri = idp.publish('sole', keys.soleJwks);
    corpus = await buildCorpus(keys, idp.issuer);
  });
  after(async () => { await idp.stop(); });
  afterEach(() => {
    for (const s of stages.splice(0)) s.keyStore?.stop();
  });

  async function ourVerifier(setup: Setup): Promise<IdentityStage> {
    const result = buildConfig({
      auth: {
        enabled: true,
        oidc: {
          enabled: true,
          issuer: idp.issuer,
          client_id: AUDIENCE,
          additional_issuers: [ADDITIONAL_ISSUER],
          algorithms: [...setup.algorithms],
          clock_skew_seconds: setup.skew,
          jwks_uri: setup.keySet === 'full' ? jwksUri : soleJwksUri,
        },
      },
    }, { baseDir: '/' });
    if (!result.ok) assert.fail(JSON.stringify(result.problems));
    const stage = createIdentityStage(result.config.auth, { clock: () => NOW_MS, initialRetryMs: 60_000 });
    stages.push(stage);
    assert.equal(await stage.keyStore?.refresh(), true);
    return stage;
  }

  async function verifyOurs(stage: IdentityStage, token: string): Promise<Outcome> {
    const result = await stage.verifier.verify(token);
    return result.ok
      ? { accepted: true, payload: result.identity.claims, subject: result.identity.principalId }
      : { accepted: false, code: result.error.code };
  }

  async function verifyWithJose(setup: Setup, jwks: JWTVerifyGetKey, token: string): Promise<Outcome> {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        algorithms: [...setup.algorithms],
        issuer: [idp.issuer, ADDITIONAL_ISSUER],
        audience: AUDIENCE,
        clockTolerance: setup.skew,
        requiredClaims: ['exp', 'iat', 'sub'],
        currentDate: new Date(NOW_MS),
      });
      return { accepted: true, payload, subject: typeof payload.sub === 'string' ? payload.sub : '' };
    } catch (err: unknown) {
      return { accepted: false, code: joseErrorCode(err) };
    }
  }

  it('builds several hundred tokens, with every recipe and every named difference represented', () => {
    assert.ok(corpus.length >= 400, `corpus of ${corpus.length}`);
    const names = new Set(corpus.map((c) => c.recipe));
    for (const recipe of recipes(keys, idp.issuer)) assert.ok(names.has(recipe.name), recipe.name);
    for (const difference of KNOWN_DIFFERENCES) {
      const hits = SETUPS.flatMap((setup) => corpus.filter((c) => inScope(setup, c) && difference.appliesTo(c, setup)));
      assert.ok(hits.length > 0, `no corpus token exercises ${difference.name}`);
    }
  });

  for (const setup of SETUPS) {
    it(`agrees with jose's jwtVerify on every corpus token under ${setup.name}, apart from the named differences`, async () => {
      const stage = await ourVerifier(setup);
      const jwks = createLocalJWKSet({ keys: [...(setup.keySet === 'full' ? keys.jwks : keys.soleJwks)] });
      const problems: string[] = [];
      const tally = { bothAccepted: 0, bothRejected: 0, differences: 0 };
      for (const [index, c] of corpus.entries()) {
        if (!inScope(setup, c)) continue;
        const ours = await verifyOurs(stage, c.token);
        const jose = await verifyWithJose(setup, jwks, c.token);
        const where = `#${index} ${c.recipe} (base ${c.base}, seed ${SEED}): ours ${ours.accepted ? 'accept' : ours.code}, jose ${jose.accepted ? 'accept' : jose.code}`;
        const difference = KNOWN_DIFFERENCES.find((d) => d.appliesTo(c, setup));
        if (difference === undefined) {
          if (ours.accepted !== jose.accepted) problems.push(`${where}: unexpected disagreement`);
        } else {
          tally.differences += 1;
          if (ours.accepted !== (difference.ours === 'accept') || jose.accepted !== (difference.jose === 'accept')) {
            problems.push(`${where}: expected ${difference.name} (ours ${difference.ours}, jose ${difference.jose})`);
          }
        }
        if (ours.accepted && jose.accepted) {
          tally.bothAccepted += 1;
          if (!isDeepStrictEqual(ours.payload, jose.payload)) problems.push(`${where}: payloads differ`);
          if (ours.subject !== jose.subject) problems.push(`${where}: principal ${ours.subject} is not sub ${jose.subject}`);
        } else if (!ours.accepted && !jose.accepted) {
          tally.bothRejected += 1;
        }
      }
      assert.deepEqual(problems, []);
      // A corpus that one side accepted or rejected wholesale would prove nothing.
      assert.ok(tally.bothAccepted > 0 && tally.bothRejected > 0, JSON.stringify(tally));
    });
  }
});
