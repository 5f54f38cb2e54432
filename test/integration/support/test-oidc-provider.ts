// The npm `oidc-provider` as a real IdP on loopback: discovery, JWKS and signed JWT access tokens
// (RS256 or ES256, chosen by resource indicator) carrying the claims the test sets.
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { closeServer } from './close-server.js';

export const CLIENT_ID = 'platform';
const CLIENT_SECRET = 'test-secret';

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
  return port;
}

async function signingJwks(): Promise<JWK[]> {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  return [
    { ...(await exportJWK(rsa.privateKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.privateKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  ];
}

export class TestOidcProvider {
  claims: Record<string, unknown> = { email: 'alice@example.com', groups: ['data-scientists', 'ml-team'] };
  private server: Server | null = null;
  private jwks: JWK[] = [];
  readonly issuer: string;

  constructor(readonly port: number) {
    this.issuer = `http://127.0.0.1:${port}`;
  }

  static async create(): Promise<TestOidcProvider> {
    return new TestOidcProvider(await freePort());
  }

  async start(): Promise<void> {
    if (this.jwks.length === 0) this.jwks = await signingJwks();
    const provider = new Provider(this.issuer, {
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
      jwks: { keys: this.jwks },
      features: {
        clientCredentials: { enabled: true },
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => 'urn:nmp:rs256',
          getResourceServerInfo: (_ctx, resource) => ({
            scope: 'platform:read platform:write',
            audience: CLIENT_ID,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: resource.endsWith('es256') ? 'ES256' : 'RS256' } },
          }),
          useGrantedResource: () => true,
        },
      },
      ttl: { ClientCredentials: 600 },
      extraTokenClaims: () => this.claims,
    });
    const server = provider.listen(this.port, '127.0.0.1');
    await new Promise<void>((resolve) => { server.once('listening', resolve); });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    await closeServer(server);
  }

  async accessToken(alg: 'RS256' | 'ES256' = 'RS256', scope = 'platform:read'): Promise<string> {
    const res = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: alg === 'ES256' ? 'urn:nmp:es256' : 'urn:nmp:rs256', scope }),
    });
    const body: unknown = await res.json();
    const token = typeof body === 'object' && body !== null ? (body as { access_token?: unknown }).access_token : undefined;
    if (typeof token !== 'string') throw new Error(`token request failed: ${res.status}`);
    return token;
  }
}
