// A loopback IdP serving a discovery document and any number of named JWK sets
// (`/jwks/<name>`), so one issuer can back several verifier configurations that differ only in
// their key set, chosen through `oidc.jwks_uri`. Unlike KeyServer it publishes arbitrary JWKs:
// keys of any type, and members a verifier must skip.
import { createServer, type Server } from 'node:http';
import { closeServer } from '../../integration/support/close-server.js';

export class JwksServer {
  private server: Server | null = null;
  private readonly sets = new Map<string, readonly Record<string, unknown>[]>();
  issuer = '';

  /** Publishes `keys` at `/jwks/<name>` and returns that URL. */
  publish(name: string, keys: readonly Record<string, unknown>[]): string {
    this.sets.set(name, keys);
    return `${this.issuer}/jwks/${encodeURIComponent(name)}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const url = req.url ?? '';
      if (url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: this.issuer, jwks_uri: `${this.issuer}/jwks/default` }));
        return;
      }
      const keys = url.startsWith('/jwks/') ? this.sets.get(decodeURIComponent(url.slice('/jwks/'.length))) : undefined;
      if (keys === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    this.server = server;
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('loopback server has no TCP address');
    this.issuer = `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server !== null) await closeServer(server);
  }
}
