// A bearer JWT → Identity: unsigned development tokens (§4.4) or OIDC-signed tokens (§4.2).
// The whole check is synchronous node:crypto and plain code; only an unknown kid waits (for a refetch).
import type { JwsAlgorithm } from '../config/config.js';
import type { Clock } from '../shared/clock.js';
import { checkRegisteredClaims, type ClaimRules } from './check-registered-claims.js';
import { decodeCompactJws, decodeJwsPayload, type CompactJws } from './decode-compact-jws.js';
import type { IdentityError, IdentityResult } from './identity.js';
import { mapClaims, type ClaimMapping } from './map-claims.js';
import type { OidcKeyStore } from './oidc-key-store.js';
import type { SigningKeySet } from './signing-key-set.js';
import { TokenCache } from './token-cache.js';
import { verifySignature } from './verify-signature.js';

export interface VerifierOptions {
  readonly mapping: ClaimMapping;
  readonly allowUnsignedJwt: boolean;
  /** Null when OIDC is disabled: signed tokens then cannot be verified and are refused. */
  readonly oidc: {
    readonly keyStore: OidcKeyStore;
    readonly issuers: readonly string[];
    readonly audience: string | null;
    readonly algorithms: readonly JwsAlgorithm[];
  } | null;
  readonly clockSkewSeconds: number;
  readonly clock: Clock;
  readonly cacheSize?: number;
}

type Checked =
  | { readonly ok: true; readonly claims: Record<string, unknown> }
  | { readonly ok: false; readonly error: IdentityError };

const fail = (code: IdentityError['code']): { readonly ok: false; readonly error: IdentityError } => ({ ok: false, error: { code } });

export class TokenVerifier {
  private readonly cache: TokenCache;
  /** The header's alg is untrusted text until found in this set. */
  private readonly allowed: ReadonlySet<unknown>;
  private readonly signedRules: ClaimRules;
  private readonly unsignedRules: ClaimRules;

  constructor(private readonly opts: VerifierOptions) {
    this.cache = new TokenCache(opts.cacheSize ?? 10_000);
    // HS* and none can never be verified with a JWKS key, whatever the configuration says.
    this.allowed = new Set((opts.oidc?.algorithms ?? []).filter((a) => !a.startsWith('HS')));
    const common = { subjectClaim: opts.mapping.subjectClaim, clockSkewSeconds: opts.clockSkewSeconds };
    this.signedRules = { ...common, issuers: opts.oidc?.issuers ?? [], audience: opts.oidc?.audience ?? null, requireIssuedAt: true };
    this.unsignedRules = { ...common, issuers: null, audience: null, requireIssuedAt: false };
  }

  private isAllowed(alg: unknown): alg is JwsAlgorithm {
    return this.allowed.has(alg);
  }

  get cachedTokens(): number {
    return this.cache.size;
  }

  async verify(token: string): Promise<IdentityResult> {
    const now = this.opts.clock();
    const oidc = this.opts.oidc;
    const hit = this.cache.get(token, now, oidc?.keyStore.generation ?? 0);
    if (hit !== undefined) return { ok: true, identity: hit };

    const jws = decodeCompactJws(token);
    if (jws === null) return fail('invalid_token');
    const { alg, kid } = jws.header;
    // We implement no JWS extensions, so RFC 7515 §4.1.11 obliges us to refuse any `crit`.
    if (Object.hasOwn(jws.header, 'crit')) return fail('invalid_token');
    if (kid !== undefined && typeof kid !== 'string') return fail('invalid_token');
    if (alg === 'none') return this.verifyUnsigned(token, jws, now);
    if (oidc === null) return fail('oidc_not_configured');
    // The algorithm is judged before any key is looked at: the key never chooses how it is used.
    if (!this.isAllowed(alg)) return fail('algorithm_not_allowed');
    const keys = oidc.keyStore.current();
    // Fail closed (503, not 401): the caller's token may be fine, we just cannot check it yet.
    if (keys === null) return fail('keys_unavailable');
    // The generation of the keys actually used: a refresh finishing mid-verification must not
    // label this result as checked against the newer key set.
    let keyGeneration = oidc.keyStore.generation;
    const keyId = kid ?? null;

    let checked = this.checkSigned(jws, keys, keyId, alg, now);
    if (!checked.ok && checked.error.code === 'unknown_signing_key') {
      if (!(await oidc.keyStore.refetchForUnknownKey(keyGeneration))) return checked;
      const refreshed = oidc.keyStore.current();
      if (refreshed === null) return checked;
      keyGeneration = oidc.keyStore.generation;
      // The refetch awaited the network: judge time-based claims at the moment we answer.
      checked = this.checkSigned(jws, refreshed, keyId, alg, this.opts.clock());
    }
    if (!checked.ok) return checked;
    const result = mapClaims(checked.claims, this.opts.mapping, {
      tokenKind: 'oidc',
      issuer: typeof checked.claims['iss'] === 'string' ? checked.claims['iss'] : null,
      keyId,
    });
    const exp = checked.claims['exp'];
    if (result.ok && typeof exp === 'number') this.cache.set(token, result.identity, exp * 1000, keyGeneration);
    return result;
  }

  private checkSigned(jws: CompactJws, keys: SigningKeySet, kid: string | null, alg: JwsAlgorithm, now: number): Checked {
    const candidates = keys.candidates(kid, alg);
    if (candidates.length === 0) return fail('unknown_signing_key');
    let valid = false;
    for (const candidate of candidates) {
      if (verifySignature(alg, candidate.key, jws.signingInput, jws.signature)) {
        valid = true;
        break;
      }
    }
    if (!valid) return fail('invalid_signature');
    const claims = decodeJwsPayload(jws);
    if (claims === null) return fail('invalid_token');
    const error = checkRegisteredClaims(claims, this.signedRules, now);
    return error === null ? { ok: true, claims } : { ok: false, error };
  }

  private verifyUnsigned(token: string, jws: CompactJws, now: number): IdentityResult {
    if (!this.opts.allowUnsignedJwt) return fail('unsigned_jwt_not_allowed');
    // "alg none" plus a signature is neither unsigned nor signed: refuse it outright.
    if (jws.signature.length !== 0 || !token.endsWith('.')) return fail('invalid_token');
    const claims = decodeJwsPayload(jws);
    if (claims === null) return fail('invalid_token');
    const error = checkRegisteredClaims(claims, this.unsignedRules, now);
    if (error !== null) return { ok: false, error };
    const result = mapClaims(claims, this.opts.mapping, { tokenKind: 'unsigned', issuer: null, keyId: null });
    const exp = claims['exp'];
    if (result.ok && typeof exp === 'number') this.cache.set(token, result.identity, exp * 1000, -1);
    return result;
  }
}
