// End-to-end throughput of Check over gRPC with h2load (nghttp2-client): the shipped policies, an
// RS256 token (cached after the first check) and a loopback JWKS, decision log on or off.
// Run: node --import tsx bench/server/h2load-check.ts [requests] [connections] [streams] [log: on|off]
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { startServer } from '../../src/cli/serve.js';
import { buildConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { checkRequest } from '../../test/integration/support/ext-authz-client.js';
import { loadExtAuthzProtos } from '../../src/extauthz/load-protos.js';

const [requests = '50000', connections = '4', streams = '32', log = 'off'] = process.argv.slice(2);

const { privateKey, publicKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
let issuer = '';
const idp = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.url === '/jwks' ? { keys: [jwk] } : { issuer, jwks_uri: `${issuer}/jwks` }));
});
await new Promise<void>((resolve) => { idp.listen(0, '127.0.0.1', resolve); });
issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;

const result = buildConfig({
  server: { grpc: { port: 0 }, http: { port: 0 } },
  auth: { enabled: true, oidc: { enabled: true, issuer, client_id: 'platform' } },
}, { baseDir: process.cwd() });
if (!result.ok) throw new Error(JSON.stringify(result.problems));
const sink = new Writable({ write(_c, _e, done) { done(); } });
const server = await startServer(result.config, { logger: createLogger(log === 'on' ? 'info' : 'silent', sink) });
await server.service.identity.keyStore?.whenReady();

const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ sub: 'user-1', email: 'user1@example.com', groups: ['data-scientists'], aud: 'platform', iss: issuer, iat: now, exp: now + 3600 })
  .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
  .sign(privateKey);
const serialize = loadExtAuthzProtos().authorization['Check']?.requestSerialize;
if (serialize === undefined) throw new Error('no Check');
const message = serialize(checkRequest({ path: '/apis/models/v2/workspaces/default/models?limit=10', headers: { authorization: `Bearer ${token}`, 'user-agent': 'h2load' } }));
// gRPC length-prefixed message: flag byte (uncompressed) + big-endian length.
const frame = Buffer.alloc(5 + message.length);
frame.writeUInt32BE(message.length, 1);
message.copy(frame, 5);
const dir = await mkdtemp(join(tmpdir(), 'nmp-h2load-'));
const body = join(dir, 'check.bin');
await writeFile(body, frame);

const output = await new Promise<string>((resolve, reject) => {
  const child = spawn('h2load', [
    '-n', requests, '-c', connections, '-m', streams, '-d', body,
    '-H', 'content-type: application/grpc', '-H', 'te: trailers',
    `http://127.0.0.1:${server.grpcPort}/envoy.service.auth.v3.Authorization/Check`,
  ]);
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.on('error', reject);
  child.on('exit', () => { resolve(out); });
});
const metrics = (await server.service.metrics.render()).body;
const allowed = /nmp_authz_checks_total\{outcome="allow"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? '0';
const pick = (re: RegExp): string => re.exec(output)?.[1] ?? '?';
process.stdout.write(`decision log ${log}: ${pick(/finished in [^,]+, ([\d.]+ req\/s)/)}; request time mean ${pick(/time for request:\s+\S+\s+\S+\s+(\S+)/)}; ` +
  `succeeded ${pick(/(\d+) succeeded/)} of ${requests}, allowed ${allowed} (${connections} connections × ${streams} streams)\n`);
await server.stop();
idp.close();
await rm(dir, { recursive: true, force: true });
