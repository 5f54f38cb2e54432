// Config → the identity stage (key store + verifier + authenticator), built once at start.
import type { AuthConfig } from '../config/config.js';
import type { Clock } from '../shared/clock.js';
import { Authenticator } from './authenticate.js';
import { OidcKeyStore, type KeyStoreEvent } from './oidc-key-store.js';
import { TokenVerifier } from './verify-token.js';

export interface IdentityStage {
  readonly authenticator: Authenticator;
  readonly verifier: TokenVerifier;
  /** Null when OIDC is disabled. */
  readonly keyStore: OidcKeyStore | null;
}

export function createIdentityStage(
  auth: AuthConfig,
  opts: {
    readonly clock: Clock;
    readonly onKeyEvent?: (event: KeyStoreEvent) => void;
    readonly unknownKidRefetchIntervalMs?: number;
    readonly initialRetryMs?: number;
    readonly cacheSize?: number;
  },
): IdentityStage {
  const oidc = auth.oidc;
  const keyStore = oidc.enabled && oidc.issuer !== null
    ? new OidcKeyStore({
      issuer: oidc.issuer,
      jwksUri: oidc.jwksUri,
      refreshIntervalMs: oidc.discoveryCacheTtlSeconds * 1000,
      clock: opts.clock,
      ...(opts.onKeyEvent === undefined ? {} : { onEvent: opts.onKeyEvent }),
      ...(opts.unknownKidRefetchIntervalMs === undefined ? {} : { unknownKidRefetchIntervalMs: opts.unknownKidRefetchIntervalMs }),
      ...(opts.initialRetryMs === undefined ? {} : { initialRetryMs: opts.initialRetryMs }),
    })
    : null;
  const verifier = new TokenVerifier({
    mapping: {
      subjectClaim: oidc.subjectClaim,
      emailClaim: oidc.emailClaim,
      groupsClaim: oidc.groupsClaim,
      scopePrefix: oidc.scopePrefix,
    },
    allowUnsignedJwt: auth.allowUnsignedJwt,
    oidc: keyStore === null || oidc.issuer === null
      ? null
      : {
        keyStore,
        issuers: [oidc.issuer, ...oidc.additionalIssuers],
        audience: oidc.audience,
        algorithms: oidc.algorithms,
      },
    clockSkewSeconds: oidc.clockSkewSeconds,
    clock: opts.clock,
    ...(opts.cacheSize === undefined ? {} : { cacheSize: opts.cacheSize }),
  });
  // The header shortcut is only safe when no IdP is configured: with OIDC on, a forged header
  // must never stand in for a token.
  const trustPrincipalHeaders = auth.trustPrincipalHeaders && !oidc.enabled;
  return { authenticator: new Authenticator(verifier, { trustPrincipalHeaders }), verifier, keyStore };
}
