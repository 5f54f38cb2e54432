// Claim-name defaults per identity provider (§4.2); explicit config keys override them.
import type { ProviderPreset } from './config.js';

export interface ClaimNames {
  readonly email: string;
  readonly subject: string;
  readonly groups: string;
}

const GENERIC: ClaimNames = { email: 'email', subject: 'sub', groups: 'groups' };
// Azure AD access tokens often lack `email`; `upn` is the sign-in name and `oid` the stable object
// id (its `sub` is pairwise per application, so it would differ between clients).
const AZURE: ClaimNames = { email: 'upn', subject: 'oid', groups: 'groups' };

export function presetClaims(provider: ProviderPreset): ClaimNames {
  return provider === 'azure-ad' ? AZURE : GENERIC;
}

export function detectProvider(issuer: string): ProviderPreset {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'generic';
  }
  const host = url.hostname.toLowerCase();
  if (host === 'login.microsoftonline.com' || host === 'sts.windows.net') return 'azure-ad';
  if (host.endsWith('.okta.com') || host.endsWith('.oktapreview.com')) return 'okta';
  if (host.endsWith('.auth0.com')) return 'auth0';
  if (host === 'accounts.google.com') return 'google';
  if (url.pathname.includes('/realms/')) return 'keycloak';
  return 'generic';
}
