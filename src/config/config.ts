// The validated configuration (§3): built once at start by loadConfig and never mutated afterwards.

export type ProviderPreset = 'azure-ad' | 'okta' | 'keycloak' | 'auth0' | 'google' | 'generic';
export const PROVIDER_PRESETS: readonly ProviderPreset[] = ['azure-ad', 'okta', 'keycloak', 'auth0', 'google', 'generic'];

/** Asymmetric JWS algorithms only: `none` and HMAC are refused at load time (§3.2). */
export type JwsAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';
export const JWS_ALGORITHMS: readonly JwsAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface OidcConfig {
  readonly enabled: boolean;
  readonly issuer: string | null;
  readonly additionalIssuers: readonly string[];
  readonly clientId: string | null;
  /** Already defaulted to clientId when not set; null means "no audience configured". */
  readonly audience: string | null;
  readonly provider: ProviderPreset;
  readonly emailClaim: string;
  readonly subjectClaim: string;
  readonly groupsClaim: string;
  readonly defaultScopes: string;
  readonly scopePrefix: string | null;
  readonly tokenEndpoint: string | null;
  readonly deviceAuthorizationEndpoint: string | null;
  readonly authorizationEndpoint: string | null;
  readonly userinfoEndpoint: string | null;
  readonly jwksUri: string | null;
  readonly discoveryCacheTtlSeconds: number;
  readonly algorithms: readonly JwsAlgorithm[];
  readonly clockSkewSeconds: number;
}

export interface AuthConfig {
  readonly enabled: boolean;
  readonly adminEmail: string | null;
  readonly allowUnsignedJwt: boolean;
  readonly trustPrincipalHeaders: boolean;
  readonly defaultWorkspace: string;
  readonly publicPaths: readonly string[];
  readonly oidc: OidcConfig;
}

export interface ServerConfig {
  readonly grpc: { readonly host: string; readonly port: number; readonly maxReceiveBytes: number };
  readonly http: { readonly host: string; readonly port: number };
  readonly shutdownGraceSeconds: number;
}

export interface PolicyConfig {
  /** Absolute path: a directory of .rego, a .tar.gz bundle or a .wasm module. */
  readonly source: string;
  readonly entrypoint: string;
  /** Absolute paths of static data files merged under data.authz. */
  readonly data: readonly string[];
  /** Watch the source and the data files and reload (compiled off the main thread) when they change. */
  readonly watch: boolean;
  /** Entries of the decision cache (src/authz/decision-cache.ts); 0 turns it off. */
  readonly decisionCacheSize: number;
}

export interface MembersConfig {
  readonly file: string | null;
  readonly bundleUrl: string | null;
  readonly pollIntervalSeconds: number;
}

/**
 * Where the decision log (one JSON line per check) goes: with the service log on stdout (and, like
 * it, filtered by logging.level), its own stream on stderr or an append-only file, or nowhere.
 */
export type DecisionLogTarget =
  | { readonly kind: 'stdout' }
  | { readonly kind: 'stderr' }
  | { readonly kind: 'off' }
  | { readonly kind: 'file'; readonly path: string };

export interface LoggingConfig {
  readonly level: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly decisionLog: DecisionLogTarget;
}

export interface Config {
  readonly server: ServerConfig;
  readonly auth: AuthConfig;
  readonly policy: PolicyConfig;
  readonly members: MembersConfig;
  readonly logging: LoggingConfig;
  /** Where the configuration came from, for the start-up log line. */
  readonly origin: 'file' | 'quickstart' | 'object';
}
