// Request headers → the credential to verify (§4.1): bearer JWT, trusted principal headers, or none.
import type { Identity, IdentityError } from './identity.js';
import { identityHeaders, parseGroups } from './map-claims.js';
import { isValidEmail, isValidPrincipalId } from './validate-identity-values.js';

/** Lower-case header names; values as received. */
export type RequestHeaders = Readonly<Record<string, string>>;

export type Credential =
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'principal_headers'; readonly identity: Identity }
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid'; readonly error: IdentityError; readonly tokenPresented: boolean };

/** Real access tokens are a few KB; anything far larger is refused before any parsing work. */
export const MAX_TOKEN_BYTES = 16 * 1024;
const BEARER = /^bearer[ \t]+/i;

export interface CredentialOptions {
  /** trust_principal_headers AND oidc disabled: decided once at start. */
  readonly trustPrincipalHeaders: boolean;
}

function header(headers: RequestHeaders, name: string): string | undefined {
  return Object.hasOwn(headers, name) ? headers[name] : undefined;
}

export function extractCredential(headers: RequestHeaders, opts: CredentialOptions): Credential {
  const authorization = header(headers, 'authorization');
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization);
    if (match !== null) {
      const token = authorization.slice(match[0].length).trim();
      if (token.length > MAX_TOKEN_BYTES) return { kind: 'invalid', error: { code: 'token_too_large' }, tokenPresented: true };
      if (token === '') return { kind: 'invalid', error: { code: 'invalid_token' }, tokenPresented: true };
      // The syntax check (decodeCompactJws) runs in the verifier after a cache miss: a cached token
      // was already checked, and a regex over a 1 KB token is a large share of a cached decision.
      return { kind: 'bearer', token };
    }
    // Other schemes (Basic, ...) belong to someone else: the caller is anonymous to us.
  }
  if (opts.trustPrincipalHeaders) {
    const id = header(headers, 'x-nmp-principal-id');
    if (id !== undefined) return principalFromHeaders(id, header(headers, 'x-nmp-principal-email'), header(headers, 'x-nmp-principal-groups'));
  }
  return { kind: 'none' };
}

function principalFromHeaders(id: string, email: string | undefined, groupsText: string | undefined): Credential {
  const bad: Credential = { kind: 'invalid', error: { code: 'invalid_principal_header' }, tokenPresented: false };
  if (!isValidPrincipalId(id)) return bad;
  if (email !== undefined && !isValidEmail(email)) return bad;
  const groups = parseGroups(groupsText);
  if (!groups.ok) return bad;
  const mail = email ?? null;
  return {
    kind: 'principal_headers',
    identity: {
      principalId: id,
      email: mail,
      groups: groups.value,
      scopes: [],
      tokenKind: 'header',
      claims: {},
      issuer: null,
      keyId: null,
      headers: identityHeaders(id, mail, groups.value, []),
    },
  };
}
