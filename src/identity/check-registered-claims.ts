// Verified JWT claims → the first §4.2 rule they break (iss, aud, exp, nbf, iat), or null. Pure:
// the time comes from the injected clock.
import type { IdentityError } from './identity.js';

export interface ClaimRules {
  /** Null for unsigned development tokens (§4.4), whose iss is not checked. */
  readonly issuers: readonly string[] | null;
  /** Null when no audience is configured, or for unsigned tokens. */
  readonly audience: string | null;
  /** iat must be present on signed tokens; unsigned development tokens may omit it. */
  readonly requireIssuedAt: boolean;
  readonly subjectClaim: string;
  readonly clockSkewSeconds: number;
}

/** A claim present with a non-number value is malformed; absent is undefined. */
function numericDate(claims: Readonly<Record<string, unknown>>, name: string): number | undefined | 'invalid' {
  if (!Object.hasOwn(claims, name)) return undefined;
  const v = claims[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : 'invalid';
}

function hasAudience(aud: unknown, audience: string): boolean {
  if (typeof aud === 'string') return aud === audience;
  return Array.isArray(aud) && aud.includes(audience);
}

export function checkRegisteredClaims(claims: Readonly<Record<string, unknown>>, rules: ClaimRules, nowMs: number): IdentityError | null {
  if (rules.issuers !== null) {
    const iss = Object.hasOwn(claims, 'iss') ? claims['iss'] : undefined;
    if (typeof iss !== 'string' || !rules.issuers.includes(iss)) return { code: 'invalid_issuer' };
  }
  if (rules.audience !== null && !hasAudience(Object.hasOwn(claims, 'aud') ? claims['aud'] : undefined, rules.audience)) {
    return { code: 'invalid_audience' };
  }
  if (!Object.hasOwn(claims, rules.subjectClaim)) return { code: 'missing_claim', claim: rules.subjectClaim };
  const exp = numericDate(claims, 'exp');
  const iat = numericDate(claims, 'iat');
  const nbf = numericDate(claims, 'nbf');
  if (rules.requireIssuedAt && iat === undefined) return { code: 'missing_claim', claim: 'iat' };
  if (exp === undefined) return { code: 'missing_claim', claim: 'exp' };
  if (nbf === 'invalid') return { code: 'invalid_claim', claim: 'nbf' };
  if (exp === 'invalid') return { code: 'invalid_claim', claim: 'exp' };
  if (iat === 'invalid') return { code: 'invalid_claim', claim: 'iat' };
  // Whole seconds, as NumericDate is compared by every other JWT library: a token is not judged
  // expired a fraction of a second earlier here than at the IdP.
  const nowS = Math.floor(nowMs / 1000);
  const skew = rules.clockSkewSeconds;
  if (nbf !== undefined && nbf > nowS + skew) return { code: 'token_not_yet_valid' };
  if (exp <= nowS - skew) return { code: 'token_expired' };
  if (iat !== undefined && iat > nowMs / 1000 + skew) return { code: 'token_issued_in_future' };
  return null;
}
