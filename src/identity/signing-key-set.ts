// A JWKS → public `KeyObject`s imported once, and the rules that say which key may check which
// algorithm. Selection is memoised per (kid, alg) so the hot path is one Map lookup.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JwsAlgorithm } from '../config/config.js';
import { isRecord } from '../shared/is-record.js';

/** How one JWS algorithm is checked with node:crypto. */
export interface AlgorithmSpec {
  readonly kty: 'RSA' | 'EC' | 'OKP';
  /** null for EdDSA, whose digest is fixed by the curve. */
  readonly digest: 'sha256' | 'sha384' | 'sha512' | null;
  readonly padding: 'pkcs1' | 'pss' | null;
  /** JWK `crv` and Node's name for it; null when any signing curve of the kty is fine. */
  readonly curve: { readonly jwk: string; readonly node: string } | null;
  /** ECDSA signatures in JWS are fixed-length r‖s (IEEE P1363); anything else is refused. */
  readonly signatureLength: number | null;
}

const rsa = (digest: 'sha256' | 'sha384' | 'sha512', padding: 'pkcs1' | 'pss'): AlgorithmSpec =>
  ({ kty: 'RSA', digest, padding, curve: null, signatureLength: null });
const ec = (digest: 'sha256' | 'sha384' | 'sha512', jwk: string, node: string, signatureLength: number): AlgorithmSpec =>
  ({ kty: 'EC', digest, padding: null, curve: { jwk, node }, signatureLength });

export const ALGORITHM_SPECS: Readonly<Record<JwsAlgorithm, AlgorithmSpec>> = {
  RS256: rsa('sha256', 'pkcs1'),
  RS384: rsa('sha384', 'pkcs1'),
  RS512: rsa('sha512', 'pkcs1'),
  PS256: rsa('sha256', 'pss'),
  PS384: rsa('sha384', 'pss'),
  PS512: rsa('sha512', 'pss'),
  ES256: ec('sha256', 'P-256', 'prime256v1', 64),
  ES384: ec('sha384', 'P-384', 'secp384r1', 96),
  ES512: ec('sha512', 'P-521', 'secp521r1', 132),
  EdDSA: { kty: 'OKP', digest: null, padding: null, curve: null, signatureLength: null },
};

/** Shorter RSA moduli are forgeable in practice; RFC 7518 §3.3 requires at least 2048 bits. */
const MIN_RSA_BITS = 2048;
const EDDSA_CURVES: ReadonlySet<string> = new Set(['Ed25519', 'Ed448']);
/** Bounds the memo: kid values come from tokens, and only the key set's own kids are stored. */
const MAX_MEMO_ENTRIES = 256;

export interface SigningKey {
  readonly kid: string | null;
  /** The JWK's own `alg`, when it pins one. */
  readonly alg: string | null;
  readonly kty: string;
  readonly crv: string | null;
  readonly key: KeyObject;
}

function optString(jwk: Record<string, unknown>, name: string): string | null {
  const v = jwk[name];
  return typeof v === 'string' ? v : null;
}

/** A JWK → its public key, or null when it cannot be a JWS verification key at all. */
function importJwk(jwk: Record<string, unknown>): SigningKey | null {
  const use = jwk['use'];
  // An encryption key sharing a kid with the signing key must not shadow it (or stand in for it).
  if (use !== undefined && use !== 'sig') return null;
  const ops = jwk['key_ops'];
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify'))) return null;
  // A JWKS is public by definition; a member with private parts is a publishing mistake, not a key to trust.
  if ('d' in jwk || 'p' in jwk || 'k' in jwk) return null;
  const kty = optString(jwk, 'kty');
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return null;
  let key: KeyObject;
  try {
    // Node validates the components (an EC point must lie on its curve) while importing.
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return null;
  }
  if (key.type !== 'public') return null;
  return { kid: optString(jwk, 'kid'), alg: optString(jwk, 'alg'), kty, crv: optString(jwk, 'crv'), key };
}

/** Whether `key` may check a signature made with `alg`: the key type follows from the algorithm, never the reverse. */
export function isKeyUsableFor(key: SigningKey, alg: JwsAlgorithm): boolean {
  const spec = ALGORITHM_SPECS[alg];
  if (key.alg !== null && key.alg !== alg) return false;
  if (key.kty !== spec.kty) return false;
  switch (spec.kty) {
    case 'RSA':
      return key.key.asymmetricKeyType === 'rsa' && (key.key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS;
    case 'EC':
      return spec.curve !== null && key.crv === spec.curve.jwk && key.key.asymmetricKeyType === 'ec'
        && key.key.asymmetricKeyDetails?.namedCurve === spec.curve.node;
    case 'OKP':
      return key.crv !== null && EDDSA_CURVES.has(key.crv)
        && (key.key.asymmetricKeyType === 'ed25519' || key.key.asymmetricKeyType === 'ed448');
    default: {
      const never: never = spec.kty;
      return never;
    }
  }
}

export class SigningKeySet {
  private readonly memo = new Map<string, readonly SigningKey[]>();
  /** §4.2: a JWKS with a single key may omit its kid; it then answers tokens naming any kid. */
  private readonly soleKeyWithoutKid: boolean;

  private constructor(readonly keys: readonly SigningKey[]) {
    this.soleKeyWithoutKid = keys.length === 1 && keys[0]?.kid === null;
  }

  /** Members that are not usable signature keys are left out rather than failing the whole set. */
  static fromJwks(members: readonly unknown[]): SigningKeySet {
    const keys: SigningKey[] = [];
    for (const m of members) {
      if (!isRecord(m)) continue;
      const key = importJwk(m);
      if (key !== null) keys.push(key);
    }
    return new SigningKeySet(keys);
  }

  get size(): number {
    return this.keys.length;
  }

  /**
   * The keys that may check a token with this header. A named kid matches only that key; without
   * a kid every key fit for the algorithm is a candidate (tried in turn, as RFC 7515 §6 allows).
   */
  candidates(tokenKid: string | null, alg: JwsAlgorithm): readonly SigningKey[] {
    // With a sole kid-less key every kid names it: one memo entry, not one per kid a caller invents.
    const kid = this.soleKeyWithoutKid ? null : tokenKid;
    const id = kid === null ? alg : `${alg}\u0000${kid}`;
    const known = this.memo.get(id);
    if (known !== undefined) return known;
    const found = this.keys.filter((k) => (kid === null || k.kid === kid) && isKeyUsableFor(k, alg));
    // Only remember answers about kids we hold, so forged kids cannot grow the memo.
    if (this.memo.size < MAX_MEMO_ENTRIES && (kid === null || found.length > 0)) this.memo.set(id, found);
    return found;
  }
}
