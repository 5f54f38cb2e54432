// A bearer JWT → Identity: unsigned development tokens (§4.4) or OIDC-signed tokens (§4.2).
import { UnsecuredJWT, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { JwsAlgorithm } from '../config/config.js';
import type { Clock } from '../shared/clock.js';
import { isRecord } from '../shared/is-record.js';
import { isCompactJws } from './extract-credential.js';
import type { IdentityError, IdentityResult } from './identity.js';
import { mapClaims, type ClaimMapping } from './map-claims.js';
import type { OidcKeyStore } from './oidc-key-store.js';
import { TokenCache } from './token-cache.js';

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

/** Translates jose's errors by their stable `code` (never by message text) into our codes. */
export function translateJoseError(err: unknown): IdentityError {
  if (!isRecord(err) && !(err instanceof Error)) return { code: 'invalid_token' };
  const code = (err as { code?: unknown }).code;
  const claim = (err as { claim?: unknown }).claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return { code: 'token_expired' };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const reason = (err as { reason?: unknown }).reason;
      if (claim === 'nbf') return { code: 'token_not_yet_valid' };
      if (claim === 'iss') return { code: 'invalid_issuer' };
      if (claim === 'aud') return { code: 'invalid_audience' };
      const name = typeof claim === 'string' ? claim : 'unknown';
      return { code: reason === 'missing' ? 'missing_claim' : 'invalid_claim', claim: name };
    }
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return { code: 'algorithm_not_allowed' };
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return { code: 'unknown_signing_key' };
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return { code: 'invalid_signature' };
    default:
      return { code: 'invalid_token' };
  }
}

export class TokenVerifier {
  private readonly cache: TokenCache;
  private readonly requiredClaims: string[];

  constructor(private readonly opts: VerifierOptions) {
    this.cache = new TokenCache(opts.cacheSize ?? 10_000);
    this.requiredClaims = ['exp', 'iat', opts.mapping.subjectClaim];
  }

  get cachedTokens(): number {
    return this.cache.size;
  }

  async verify(token: string): Promise<IdentityResult> {
    const now = this.opts.clock();
    const generation = this.opts.oidc?.keyStore.generation ?? 0;
    const hit = this.cache.get(token, now, generation);
    if (hit !== undefined) return { ok: true, identity: hit };
    if (!isCompactJws(token)) return { ok: false, error: { code: 'invalid_token' } };

    let alg: unknown;
    let kid: unknown;
    try {
      ({ alg, kid } = decodeProtectedHeader(token));
    } catch {
      return { ok: false, error: { code: 'invalid_token' } };
    }
    if (alg === 'none') return this.verifyUnsigned(token, now);
    const oidc = this.opts.oidc;
    if (oidc === null) return { ok: false, error: { code: 'oidc_not_configured' } };
    const keys = oidc.keyStore.current();
    // Fail closed (503, not 401): the caller's token may be fine, we just cannot check it yet.
    if (keys === null) return { ok: false, error: { code: 'keys_unavailable' } };
    // The generation of the keys actually used: a refresh finishing mid-verification must not
    // label this result as checked against the newer key set.
    let keyGeneration = oidc.keyStore.generation;

    let payload: JWTPayload;
    try {
      payload = await this.verifySigned(token, keys, now);
    } catch (err: unknown) {
      const error = translateJoseError(err);
      if (error.code !== 'unknown_signing_key') return { ok: false, error };
      if (!(await oidc.keyStore.refetchForUnknownKey())) return { ok: false, error };
      const refreshed = oidc.keyStore.current();
      if (refreshed === null) return { ok: false, error };
      keyGeneration = oidc.keyStore.generation;
      try {
        payload = await this.verifySigned(token, refreshed, now);
      } catch (retryErr: unknown) {
        return { ok: false, error: translateJoseError(retryErr) };
      }
    }
    const issuedInFuture = this.checkIssuedAt(payload, now);
    if (issuedInFuture !== null) return { ok: false, error: issuedInFuture };
    const result = mapClaims(payload, this.opts.mapping, {
      tokenKind: 'oidc',
      issuer: typeof payload.iss === 'string' ? payload.iss : null,
      keyId: typeof kid === 'string' ? kid : null,
    });
    if (result.ok && typeof payload.exp === 'number') {
      this.cache.set(token, result.identity, payload.exp * 1000, keyGeneration);
    }
    return result;
  }

  private verifySigned(token: string, keys: JWTVerifyGetKey, now: number): Promise<JWTPayload> {
    const oidc = this.opts.oidc;
    if (oidc === null) throw new Error('unreachable: verifySigned without oidc');
    return jwtVerify(token, keys, {
      algorithms: [...oidc.algorithms],
      issuer: [...oidc.issuers],
      ...(oidc.audience === null ? {} : { audience: oidc.audience }),
      clockTolerance: this.opts.clockSkewSeconds,
      requiredClaims: this.requiredClaims,
      currentDate: new Date(now),
    }).then((r) => r.payload);
  }

  private checkIssuedAt(payload: JWTPayload, now: number): IdentityError | null {
    if (typeof payload.iat === 'number' && payload.iat > now / 1000 + this.opts.clockSkewSeconds) {
      return { code: 'token_issued_in_future' };
    }
    return null;
  }

  private verifyUnsigned(token: string, now: number): IdentityResult {
    if (!this.opts.allowUnsignedJwt) return { ok: false, error: { code: 'unsigned_jwt_not_allowed' } };
    let payload: JWTPayload;
    try {
      // UnsecuredJWT.decode insists on an empty signature part, so "alg none + a signature" is refused.
      ({ payload } = UnsecuredJWT.decode(token, {
        currentDate: new Date(now),
        clockTolerance: this.opts.clockSkewSeconds,
        requiredClaims: ['exp', this.opts.mapping.subjectClaim],
      }));
    } catch (err: unknown) {
      return { ok: false, error: translateJoseError(err) };
    }
    const issuedInFuture = this.checkIssuedAt(payload, now);
    if (issuedInFuture !== null) return { ok: false, error: issuedInFuture };
    const result = mapClaims(payload, this.opts.mapping, { tokenKind: 'unsigned', issuer: null, keyId: null });
    if (result.ok && typeof payload.exp === 'number') this.cache.set(token, result.identity, payload.exp * 1000, -1);
    return result;
  }
}
