// Token verification alone (no policy): fresh RS256 and ES256 tokens through TokenVerifier, against
// a loopback JWKS. Run: node --import tsx bench/server/verify-latency.ts [count]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { buildConfig } from '../../src/config/load-config.js';
import { createIdentityStage } from '../../src/identity/create-identity.js';

const count = Number(process.argv[2] ?? 3000);
const rsa = await generateKeyPair('RS256');
const ec = await generateKeyPair('ES256');
const keys = [
  { ...(await exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256', use: 'sig' },
  { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256', use: 'sig' },
];
let issuer = '';
const idp = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.url === '/jwks' ? { keys } : { issuer, jwks_uri: `${issuer}/jwks` }));
});
await new Promise<void>((resolve) => { idp.listen(0, '127.0.0.1', resolve); });
issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
const result = buildConfig({ auth: { enabled: true, oidc: { enabled: true, issuer, client_id: 'platform' } } }, { baseDir: '/' });
if (!result.ok) throw new Error('config');
const stage = createIdentityStage(result.config.auth, { clock: Date.now });
await stage.keyStore?.refresh();
const now = Math.floor(Date.now() / 1000);

for (const [alg, key, kid] of [['RS256', rsa.privateKey, 'rsa'], ['ES256', ec.privateKey, 'ec']] as const) {
  const tokens = await Promise.all(Array.from({ length: count }, (_, i) => new SignJWT({ sub: `u${i}`, aud: 'platform', iss: issuer, iat: now, exp: now + 600 })
    .setProtectedHeader({ alg, kid }).sign(key)));
  const samples: number[] = [];
  for (const token of tokens) {
    const t = process.hrtime.bigint();
    const r = await stage.verifier.verify(token);
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
    if (!r.ok) throw new Error(r.error.code);
  }
  samples.sort((a, b) => a - b);
  process.stdout.write(`${alg}: verify median ${samples[samples.length >> 1]?.toFixed(1)} µs (${count} fresh tokens)\n`);
}
stage.keyStore?.stop();
idp.close();
