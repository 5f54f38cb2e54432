// End-to-end benchmark of Check over gRPC with h2load (Debian's nghttp2-client, installed here if
// missing): the running server with the shipped policies and a loopback JWKS, driven with three fixed
// request bodies — allowed (RS256 token, cached after its first check), denied (403, no role), and a
// bad token (401) — and, in the same run, a trivial grpc-js Check handler on the same protos as the
// ceiling of this machine. Two load shapes: throughput at -c4 -m25, latency at -c1 -m1, each timed
// after the same warm-up of both servers. The allowed body also runs against a second server with
// the decision cache off, so the policy's own cost stays visible.
// Targets (docs/operations.md): allow throughput ≥ 60% of the ceiling's; allow mean latency at -c1 -m1
// ≤ 2× the ceiling's.
// Run: npm run bench:grpc   (or: node --import tsx bench/server/h2load-check.ts [requests] [log: on|off])
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Server, ServerCredentials, type sendUnaryData } from '@grpc/grpc-js';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { startServer } from '../../src/cli/serve.js';
import { buildConfig } from '../../src/config/load-config.js';
import { loadExtAuthzProtos } from '../../src/extauthz/load-protos.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { ExtAuthzClient, checkRequest } from '../../test/integration/support/ext-authz-client.js';

const [requests = '40000', log = 'off'] = process.argv.slice(2);
const SHAPES = [
  { name: 'throughput', connections: 4, streams: 25, requests: Number(requests) },
  { name: 'latency', connections: 1, streams: 1, requests: Math.max(1000, Math.floor(Number(requests) / 8)) },
] as const;

function ensureH2load(): void {
  try {
    execFileSync('h2load', ['--version'], { stdio: 'ignore' });
  } catch {
    process.stderr.write('h2load not found: installing Debian nghttp2-client\n');
    execFileSync('apt-get', ['install', '-y', '-qq', 'nghttp2-client'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
}

interface Run { readonly rps: number; readonly meanMs: number; readonly succeeded: number }

function runH2load(port: number, bodyFile: string, shape: (typeof SHAPES)[number]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('h2load', [
      '-n', String(shape.requests), '-c', String(shape.connections), '-m', String(shape.streams), '-d', bodyFile,
      '-H', 'content-type: application/grpc', '-H', 'te: trailers',
      `http://127.0.0.1:${port}/envoy.service.auth.v3.Authorization/Check`,
    ]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.on('error', reject);
    child.on('exit', () => {
      const rps = Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(out)?.[1]);
      const mean = /time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)\b/.exec(out);
      const unit = mean?.[2] === 'us' ? 1e-3 : mean?.[2] === 's' ? 1e3 : 1;
      const succeeded = Number(/(\d+) succeeded/.exec(out)?.[1]);
      if (!Number.isFinite(rps) || mean === null) reject(new Error(`unreadable h2load output:\n${out}`));
      else resolve({ rps, meanMs: Number(mean[1]) * unit, succeeded });
    });
  });
}

ensureH2load();
const protos = loadExtAuthzProtos();

// A loopback IdP: discovery + JWKS for the RS256 key that signs the benchmark tokens.
const { privateKey, publicKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
let issuer = '';
const idp = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify(req.url === '/jwks' ? { keys: [jwk] } : { issuer, jwks_uri: `${issuer}/jwks` }));
});
await new Promise<void>((resolve) => { idp.listen(0, '127.0.0.1', resolve); });
issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;

const sink = new Writable({ write(_chunk, _encoding, done) { done(); } });
async function start(decisionCacheSize: number): Promise<Awaited<ReturnType<typeof startServer>>> {
  const config = buildConfig({
    server: { grpc: { port: 0 }, http: { port: 0 } },
    auth: { enabled: true, oidc: { enabled: true, issuer, client_id: 'platform' } },
    policy: { decision_cache_size: decisionCacheSize },
  }, { baseDir: process.cwd() });
  if (!config.ok) throw new Error(JSON.stringify(config.problems));
  const started = await startServer(config.config, { logger: createLogger(log === 'on' ? 'info' : 'silent', sink) });
  await started.service.identity.keyStore?.whenReady();
  return started;
}
// The default server, and one with the decision cache off: every allow then runs the policy.
const server = await start(10_000);
const uncached = await start(0);

// The ceiling: the same protos and grpc-js, a handler that answers OK without looking.
const ceiling = new Server();
const okResponse = { status: { code: 0 }, ok_response: {} };
ceiling.addService(protos.authorization, {
  Check: (_call: unknown, callback: sendUnaryData<unknown>) => { callback(null, okResponse); },
});
const ceilingPort = await new Promise<number>((resolve, reject) => {
  ceiling.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => { if (err) reject(err); else resolve(port); });
});

const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ sub: 'user-1', email: 'user1@example.com', groups: ['data-scientists'], aud: 'platform', iss: issuer, iat: now, exp: now + 3600 })
  .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
  .sign(privateKey);
const BODIES = [
  { name: 'allow', code: 0, path: '/apis/models/v2/workspaces/default/models?limit=10', authorization: `Bearer ${token}` },
  { name: 'deny (403)', code: 7, path: '/apis/models/v2/workspaces/restricted/models', authorization: `Bearer ${token}` },
  { name: 'bad token (401)', code: 16, path: '/apis/models/v2/workspaces/default/models', authorization: `Bearer ${token.slice(0, -4)}AAAA` },
] as const;

const serialize = protos.authorization['Check']?.requestSerialize;
if (serialize === undefined) throw new Error('the Authorization service has no Check method');
const dir = await mkdtemp(join(tmpdir(), 'nmp-h2load-'));
const clients = [new ExtAuthzClient(server.grpcPort), new ExtAuthzClient(uncached.grpcPort)];
const files = new Map<string, string>();
for (const body of BODIES) {
  const request = checkRequest({ path: body.path, headers: { authorization: body.authorization, 'user-agent': 'h2load' } });
  // A benchmark of the wrong decision measures nothing: check each body's answer first, on both servers.
  for (const client of clients) {
    const answer = await client.check(request, true) as { status?: { code?: number } };
    if ((answer.status?.code ?? 0) !== body.code) throw new Error(`${body.name}: expected status ${body.code}, got ${JSON.stringify(answer.status)}`);
  }
  const message = serialize(request);
  // gRPC length-prefixed message: flag byte (uncompressed) + big-endian length.
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  const file = join(dir, `${body.code}.bin`);
  await writeFile(file, frame);
  files.set(body.name, file);
}
for (const client of clients) client.close();

process.stdout.write(`gRPC Check with h2load, decision log ${log}\n`);
process.stdout.write('shape                 body               req/s    mean ms   vs ceiling (req/s, latency)\n');
// Steady state, not start-up: both servers get the same warm-up (JIT, heap growth) before timing.
const warmUp = { ...SHAPES[0], requests: Math.max(5000, Math.floor(Number(requests) / 2)) };
await runH2load(ceilingPort, files.get('allow') ?? '', warmUp);
for (const body of BODIES) await runH2load(server.grpcPort, files.get(body.name) ?? '', warmUp);
await runH2load(uncached.grpcPort, files.get('allow') ?? '', warmUp);

const RUNS = [
  ...BODIES.map((body) => ({ name: body.name, port: server.grpcPort, file: body.name })),
  { name: 'allow, no cache', port: uncached.grpcPort, file: 'allow' },
];
for (const shape of SHAPES) {
  const label = `${shape.name} -c${shape.connections} -m${shape.streams}`;
  const top = await runH2load(ceilingPort, files.get('allow') ?? '', shape);
  process.stdout.write(`${label.padEnd(22)}${'ceiling'.padEnd(17)}${top.rps.toFixed(0).padStart(8)}${top.meanMs.toFixed(3).padStart(11)}\n`);
  for (const body of RUNS) {
    const run = await runH2load(body.port, files.get(body.file) ?? '', shape);
    const failed = run.succeeded !== shape.requests ? `  (${shape.requests - run.succeeded} failed)` : '';
    process.stdout.write(`${label.padEnd(22)}${body.name.padEnd(17)}${run.rps.toFixed(0).padStart(8)}${run.meanMs.toFixed(3).padStart(11)}` +
      `   ${(run.rps / top.rps).toFixed(2)}×, ${(run.meanMs / top.meanMs).toFixed(2)}×${failed}\n`);
  }
}
process.stdout.write('targets: allow throughput ≥ 0.60× the ceiling at -c4 -m25; allow mean latency ≤ 2.00× the ceiling at -c1 -m1\n');
process.stdout.write('"allow" repeats one request, so after its first check the decision cache answers it; "allow, no cache"\n' +
  'runs the policy on every check (policy.decision_cache_size: 0), as a request the cache has not seen does.\n');

await server.stop();
await uncached.stop();
await new Promise<void>((resolve) => { ceiling.tryShutdown(() => { resolve(); }); });
idp.close();
await rm(dir, { recursive: true, force: true });
