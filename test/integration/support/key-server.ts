// A loopback IdP whose discovery document and JWKS the test controls: tokens it signs go through
// real signature verification, and keys can be rotated or removed at will.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload, type CryptoKey } from 'jose';
import { closeServer } from './close-server.js';

export interface TestKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function createTestKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

export class KeyServer {
  keys: TestKey[] = [];
  jwksRequests = 0;
  /** When false the server answers 503, like an IdP that is down. */
  up = true;
  /** When set, JWKS answers wait for it: lets a test hold a check in flight without sleeping. */
  gate: Promise<void> | null = null;
  /** Resolved by the next JWKS request (after the request arrived, before it is answered). */
  private arrivals: Array<() => void> = [];

  nextJwksRequest(): Promise<void> {
    return new Promise((resolve) => { this.arrivals.push(resolve); });
  }
  private server: Server | null = null;
  issuer = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (!this.up) {
        res.writeHead(503).end();
        return;
      }
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          issuer: this.issuer,
          jwks_uri: `${this.issuer}/jwks`,
          token_endpoint: `${this.issuer}/token`,
          device_authorization_endpoint: `${this.issuer}/device`,
        }));
        return;
      }
      if (req.url === '/jwks') {
        this.jwksRequests += 1;
        for (const arrived of this.arrivals.splice(0)) arrived();
        const gate = this.gate;
        if (gate !== null) {
          void gate.then(() => {
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys.map((k) => k.publicJwk) }));
          });
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys.map((k) => k.publicJwk) }));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => { this.server?.listen(0, '127.0.0.1', resolve); });
    const { port } = this.server.address() as AddressInfo;
    this.issuer = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    await closeServer(server);
  }

  /** Signs with `key` (default: the first served key) and the given header overrides. */
  async sign(claims: JWTPayload, opts: { key?: TestKey; header?: Record<string, unknown>; nowMs?: number } = {}): Promise<string> {
    const key = opts.key ?? this.keys[0];
    if (key === undefined) throw new Error('no key to sign with');
    const now = Math.floor((opts.nowMs ?? Date.now()) / 1000);
    return new SignJWT({ iat: now, exp: now + 600, iss: this.issuer, ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...opts.header })
      .sign(key.privateKey);
  }
}
