// In-process decision latency with the shipped policies compiled by the built-in compiler:
// a repeated (cached) token and fresh RS256 and ES256 tokens (alternating), against a loopback JWKS,
// with the decision cache on (the default) and off.
// Run: node --import tsx bench/server/decision-latency.ts [iterations]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createAuthzService } from '../../src/cli/serve.js';
import type { Config } from '../../src/config/config.js';
import { buildConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/shared/create-logger.js';

const iterations = Number(process.argv[2] ?? 20000);

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.99)] ?? NaN;
}

const rsa = await generateKeyPair('RS256');
const ec = await generateKeyPair('ES256');
const jwks = [
  { ...(await exportJWK(rsa.publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' },
  { ...(await exportJWK(ec.publicKey)), kid: 'bench-ec', alg: 'ES256', use: 'sig' },
];
let issuer = '';
const idp = createServer((req, res) => {
  const body = req.url === '/jwks' ? { keys: jwks } : { issuer, jwks_uri: `${issuer}/jwks` };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});
await new Promise<void>((resolve) => { idp.listen(0, '127.0.0.1', resolve); });
issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;

function config(decisionCacheSize: number): Config {
  const result = buildConfig({
    auth: { enabled: true, admin_email: 'root@example.com', oidc: { enabled: true, issuer, client_id: 'platform' } },
    policy: { decision_cache_size: decisionCacheSize },
    logging: { level: 'silent' },
  }, { baseDir: process.cwd() });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

async function run(label: string, level: 'silent' | 'info', decisionCacheSize: number): Promise<void> {
  const sink = new Writable({ write(_c, _e, done) { done(); } });
  const service = await createAuthzService(config(decisionCacheSize), { logger: createLogger(level, sink) });
  await service.identity.keyStore?.refresh();
  const now = Math.floor(Date.now() / 1000);
  const sign = (i: number, alg: 'RS256' | 'ES256' = 'RS256'): Promise<string> => new SignJWT({ sub: `user-${i}`, email: `user${i}@example.com`, groups: ['data-scientists'], aud: 'platform', iss: issuer, iat: now, exp: now + 3600, scope: 'platform:read' })
    .setProtectedHeader(alg === 'RS256' ? { alg, kid: 'bench' } : { alg, kid: 'bench-ec' })
    .sign(alg === 'RS256' ? rsa.privateKey : ec.privateKey);
  const request = (token: string) => ({ method: 'GET', target: '/apis/models/v2/workspaces/default/models?limit=10', host: 'api.example.com', headers: { authorization: `Bearer ${token}`, 'user-agent': 'bench', accept: 'application/json' } });

  const cachedToken = await sign(0);
  for (let i = 0; i < 2000; i += 1) await service.pipeline.decide(request(cachedToken));
  const cached: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const t = process.hrtime.bigint();
    const d = await service.pipeline.decide(request(cachedToken));
    cached.push(Number(process.hrtime.bigint() - t) / 1000);
    if (d.verdict.kind !== 'allow') throw new Error(`unexpected ${d.verdict.reason}`);
  }
  const freshCount = Math.min(iterations, 5000);
  const rsTokens = await Promise.all(Array.from({ length: freshCount }, (_, i) => sign(i + 1)));
  const esTokens = await Promise.all(Array.from({ length: freshCount }, (_, i) => sign(freshCount + i + 1, 'ES256')));
  const fresh: number[] = [];
  const freshEs: number[] = [];
  // Alternating keeps both series under the same machine load.
  for (let i = 0; i < freshCount; i += 1) {
    for (const [token, samples] of [[rsTokens[i] ?? '', fresh], [esTokens[i] ?? '', freshEs]] as const) {
      const t = process.hrtime.bigint();
      const d = await service.pipeline.decide(request(token));
      samples.push(Number(process.hrtime.bigint() - t) / 1000);
      if (d.verdict.kind !== 'allow') throw new Error(`unexpected ${d.verdict.reason}`);
    }
  }
  await service.stop();
  const fmt = (n: number): string => n.toFixed(1);
  process.stdout.write(`${label}: cached token median ${fmt(median(cached))} µs p99 ${fmt(p99(cached))} µs (${iterations}); fresh RS256 median ${fmt(median(fresh))} µs p99 ${fmt(p99(fresh))} µs, fresh ES256 median ${fmt(median(freshEs))} µs p99 ${fmt(p99(freshEs))} µs (${freshCount} each)\n`);
}

// The repeated request is answered by the decision cache after its first check; with the cache off
// every check runs the policy, as a request the cache has not seen does. Fresh tokens always miss.
await run('decision log off, decision cache on ', 'silent', 10_000);
await run('decision log off, decision cache off', 'silent', 0);
await run('decision log on,  decision cache on ', 'info', 10_000);
idp.close();
