// The principal a credential proves, and the stable codes for every way proving it can fail.

export type TokenKind = 'oidc' | 'unsigned' | 'header';

export interface Identity {
  readonly principalId: string;
  readonly email: string | null;
  readonly groups: readonly string[];
  /** After `scope_prefix` stripping. */
  readonly scopes: readonly string[];
  readonly tokenKind: TokenKind;
  readonly claims: Readonly<Record<string, unknown>>;
  /** For logs: never the token itself. */
  readonly issuer: string | null;
  readonly keyId: string | null;
  /** §4.3 headers, computed once per identity so a cached token costs no string work per request. */
  readonly headers: readonly IdentityHeader[];
}

export interface IdentityHeader {
  readonly name: string;
  readonly value: string;
}

export const HEADER_PRINCIPAL_ID = 'x-nmp-principal-id';
export const HEADER_PRINCIPAL_EMAIL = 'x-nmp-principal-email';
export const HEADER_PRINCIPAL_GROUPS = 'x-nmp-principal-groups';
export const HEADER_SCOPES = 'x-nmp-scopes';
export const HEADER_AUTHORIZED = 'x-nmp-authorized';

/** Every header this service owns on the upstream request (§4.3). */
export const OWNED_IDENTITY_HEADERS: readonly string[] = [
  HEADER_PRINCIPAL_ID,
  HEADER_PRINCIPAL_EMAIL,
  HEADER_PRINCIPAL_GROUPS,
  HEADER_SCOPES,
  HEADER_AUTHORIZED,
];

/** Failures that deny with 401 (token claims) or 400 (trusted headers); 503 when keys never loaded. */
export type IdentityErrorCode =
  | 'invalid_token'
  | 'token_too_large'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_issued_in_future'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'algorithm_not_allowed'
  | 'unknown_signing_key'
  | 'invalid_signature'
  | 'missing_claim'
  | 'invalid_claim'
  | 'unsigned_jwt_not_allowed'
  | 'oidc_not_configured'
  | 'invalid_principal_header'
  | 'keys_unavailable';

export interface IdentityError {
  readonly code: IdentityErrorCode;
  /** Claim name for claim errors; safe to log and return. */
  readonly claim?: string;
}

export type IdentityResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly error: IdentityError };

const DETAILS: Readonly<Record<IdentityErrorCode, string>> = {
  invalid_token: 'Invalid token.',
  token_too_large: 'Invalid token: too large.',
  token_expired: 'Token has expired.',
  token_not_yet_valid: 'Token is not yet valid.',
  token_issued_in_future: 'Token was issued in the future.',
  invalid_issuer: 'Invalid token issuer.',
  invalid_audience: 'Invalid token audience.',
  algorithm_not_allowed: 'Token signing algorithm is not allowed.',
  unknown_signing_key: 'Token signing key is unknown.',
  invalid_signature: 'Invalid token signature.',
  missing_claim: 'Token is missing a required claim.',
  invalid_claim: 'Token carries an invalid claim value.',
  unsigned_jwt_not_allowed: 'Unsigned JWTs are not accepted. Set auth.allow_unsigned_jwt=true for local development.',
  oidc_not_configured: 'Signed tokens cannot be verified: OIDC is not enabled.',
  invalid_principal_header: 'Invalid principal header.',
  keys_unavailable: 'Identity provider keys are not available yet.',
};

export function identityErrorDetail(error: IdentityError): string {
  return DETAILS[error.code];
}
