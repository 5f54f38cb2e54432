// Verified JWT claims (or trusted header values) → Identity, enforcing the §4.2 value rules.
import {
  HEADER_AUTHORIZED,
  HEADER_PRINCIPAL_EMAIL,
  HEADER_PRINCIPAL_GROUPS,
  HEADER_PRINCIPAL_ID,
  HEADER_SCOPES,
  type Identity,
  type IdentityHeader,
  type IdentityResult,
  type TokenKind,
} from './identity.js';
import { MAX_GROUPS, isValidEmail, isValidGroup, isValidPrincipalId, isValidScope } from './validate-identity-values.js';

export interface ClaimMapping {
  readonly subjectClaim: string;
  readonly emailClaim: string;
  readonly groupsClaim: string;
  readonly scopePrefix: string | null;
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };
const INVALID = { ok: false } as const;

function claim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(claims, name) ? claims[name] : undefined;
}

/** Groups arrive as a JSON list or as one comma-separated string, depending on the IdP mapper. */
export function parseGroups(value: unknown): Parsed<readonly string[]> {
  if (value === undefined || value === null) return { ok: true, value: [] };
  let list: unknown[];
  if (typeof value === 'string') list = value.split(',').map((g) => g.trim()).filter((g) => g !== '');
  else if (Array.isArray(value)) list = value;
  else return INVALID;
  if (list.length > MAX_GROUPS) return INVALID;
  const groups: string[] = [];
  for (const g of list) {
    if (typeof g !== 'string' || !isValidGroup(g)) return INVALID;
    groups.push(g);
  }
  return { ok: true, value: groups };
}

/** `scp` (Azure, Okta) or `scope` (RFC 9068), a list or a space-separated string. */
export function parseScopes(claims: Readonly<Record<string, unknown>>, prefix: string | null): Parsed<readonly string[]> {
  const raw = claim(claims, 'scp') ?? claim(claims, 'scope');
  if (raw === undefined || raw === null) return { ok: true, value: [] };
  let list: unknown[];
  if (typeof raw === 'string') list = raw.split(' ').filter((s) => s !== '');
  else if (Array.isArray(raw)) list = raw;
  else return INVALID;
  const scopes: string[] = [];
  for (const s of list) {
    if (typeof s !== 'string' || !isValidScope(s)) return INVALID;
    const stripped = prefix !== null && s.startsWith(prefix) ? s.slice(prefix.length) : s;
    if (stripped !== '') scopes.push(stripped);
  }
  return { ok: true, value: scopes };
}

export function identityHeaders(principalId: string, email: string | null, groups: readonly string[], scopes: readonly string[]): readonly IdentityHeader[] {
  const headers: IdentityHeader[] = [{ name: HEADER_PRINCIPAL_ID, value: principalId }];
  if (email !== null) headers.push({ name: HEADER_PRINCIPAL_EMAIL, value: email });
  if (groups.length > 0) headers.push({ name: HEADER_PRINCIPAL_GROUPS, value: groups.join(',') });
  if (scopes.length > 0) headers.push({ name: HEADER_SCOPES, value: scopes.join(' ') });
  headers.push({ name: HEADER_AUTHORIZED, value: 'true' });
  return headers;
}

export function mapClaims(
  claims: Readonly<Record<string, unknown>>,
  mapping: ClaimMapping,
  meta: { readonly tokenKind: TokenKind; readonly issuer: string | null; readonly keyId: string | null },
): IdentityResult {
  const subject = claim(claims, mapping.subjectClaim);
  if (subject === undefined || subject === null) return { ok: false, error: { code: 'missing_claim', claim: mapping.subjectClaim } };
  if (typeof subject !== 'string' || !isValidPrincipalId(subject)) {
    return { ok: false, error: { code: 'invalid_claim', claim: mapping.subjectClaim } };
  }
  const rawEmail = claim(claims, mapping.emailClaim);
  let email: string | null = null;
  if (typeof rawEmail === 'string') {
    if (!isValidEmail(rawEmail)) return { ok: false, error: { code: 'invalid_claim', claim: mapping.emailClaim } };
    email = rawEmail;
  }
  const groups = parseGroups(claim(claims, mapping.groupsClaim));
  if (!groups.ok) return { ok: false, error: { code: 'invalid_claim', claim: mapping.groupsClaim } };
  const scopes = parseScopes(claims, mapping.scopePrefix);
  if (!scopes.ok) return { ok: false, error: { code: 'invalid_claim', claim: 'scope' } };
  const identity: Identity = {
    principalId: subject,
    email,
    groups: groups.value,
    scopes: scopes.value,
    tokenKind: meta.tokenKind,
    claims,
    issuer: meta.issuer,
    keyId: meta.keyId,
    headers: identityHeaders(subject, email, groups.value, scopes.value),
  };
  return { ok: true, identity };
}
