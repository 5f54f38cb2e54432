// The NMP discovery shape of §6: configured values win over what the IdP's discovery returned.
import type { AuthConfig } from '../config/config.js';
import type { DiscoveryDocument } from '../identity/oidc-key-store.js';

export function buildDiscoveryDocument(auth: AuthConfig, discovered: DiscoveryDocument | null): Record<string, unknown> {
  const oidc = auth.oidc;
  if (!oidc.enabled || oidc.issuer === null) return { auth_enabled: auth.enabled, oidc: null };
  return {
    auth_enabled: auth.enabled,
    oidc: {
      issuer: oidc.issuer,
      client_id: oidc.clientId,
      audience: oidc.audience,
      provider: oidc.provider,
      token_endpoint: oidc.tokenEndpoint ?? discovered?.tokenEndpoint ?? null,
      device_authorization_endpoint: oidc.deviceAuthorizationEndpoint ?? discovered?.deviceAuthorizationEndpoint ?? null,
      authorization_endpoint: oidc.authorizationEndpoint ?? discovered?.authorizationEndpoint ?? null,
      userinfo_endpoint: oidc.userinfoEndpoint ?? discovered?.userinfoEndpoint ?? null,
      jwks_uri: oidc.jwksUri ?? discovered?.jwksUri ?? null,
      default_scopes: oidc.defaultScopes,
      scope_prefix: oidc.scopePrefix,
    },
  };
}
