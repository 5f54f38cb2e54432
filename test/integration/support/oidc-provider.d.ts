// The slice of `oidc-provider` (which ships no types) that the test IdP uses.
declare module 'oidc-provider' {
  import type { Server } from 'node:http';

  interface ResourceServerInfo {
    scope: string;
    audience: string;
    accessTokenFormat: 'jwt' | 'opaque';
    jwt?: { sign?: { alg: string } };
  }

  interface ProviderConfiguration {
    clients: ReadonlyArray<Record<string, unknown>>;
    jwks: { keys: ReadonlyArray<Record<string, unknown>> };
    features: {
      clientCredentials?: { enabled: boolean };
      devInteractions?: { enabled: boolean };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource: (ctx: unknown) => string;
        getResourceServerInfo: (ctx: unknown, resource: string, client: unknown) => ResourceServerInfo;
        useGrantedResource: (ctx: unknown, model: unknown) => boolean;
      };
    };
    ttl?: Record<string, number>;
    extraTokenClaims?: (ctx: unknown, token: unknown) => Record<string, unknown> | Promise<Record<string, unknown>>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: ProviderConfiguration);
    listen(port: number, host: string): Server;
  }
}
