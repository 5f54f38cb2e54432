// Token verification alone (no policy): fresh RS256, PS256 and ES256 tokens through TokenVerifier
// against a loopback JWKS, interleaved token by token with two references measured in the same
// run: jose's jwtVerify with the same rules, and a bare node:crypto signature check (the floor).
// Run: node --import tsx bench/server/verify-latency.ts [count]
import { verify as cryptoVerify, constants, createPublicKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import { buildConfig } from '../../src/config/load-config.js';
import { createIdentityStage } from '../../src/identity/create-identity.js';

const count = Number(process.argv[2] ?? 3000);
const rsa = await generateKeyPair('RS256', { extractable: true });
const pss = await generateKeyPair('PS256', { extractable: true });
const ec = await generateKeyPair('ES256', { extractable: true });
const keys: JWK[] = [
  { ...(await exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256', use: 'sig' },
  { ...(await exportJWK(pss.publicKey)), kid: 'pss', alg: 'PS256', use: 'sig' },
  { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256', use: 'sig' },
];
let issuer = '';
const idp = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.url === '/jwks' ? { keys } : { issuer, jwks_uri: `${issuer}/jwks` }));
});
await new Promise<void>((resolve) => { idp.listen(0, '127.0.0.1', resolve); });
issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
const algorithms = ['RS256', 'PS256', 'ES256'] as const;
const result = buildConfig({ auth: { enabled: true, oidc: { enabled: true, issuer, client_id: 'platform', algorithms: [...algorithms] } } }, { baseDir: '/' });
if (!result.ok) throw new Error('config');
// A cache far smaller than the token stream: most samples then pay for eviction, as a long-running
// server with a full cache does.
const stage = createIdentityStage(result.config.auth, { clock: Date.now, cacheSize: Math.max(2, count >> 3) });
await stage.keyStore?.refresh();
const joseKeys = createLocalJWKSet({ keys });
const now = Math.floor(Date.now() / 1000);

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? NaN;
}
function elapsedUs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1000;
}

const signing = { RS256: [rsa.privateKey, 'rsa'], PS256: [pss.privateKey, 'pss'], ES256: [ec.privateKey, 'ec'] } as const;
for (const alg of algorithms) {
  const [privateKey, kid] = signing[alg];
  const jwk = keys.find((k) => k.kid === kid);
  if (jwk === undefined) throw new Error('key');
  const publicKey = createPublicKey({ key: { ...jwk }, format: 'jwk' });
  const floorKey = alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const }
    : alg === 'PS256' ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : publicKey;
  const sign = (i: number): Promise<string> => new SignJWT({ sub: `u${i}`, aud: 'platform', iss: issuer, iat: now, exp: now + 600 })
    .setProtectedHeader({ alg, kid }).sign(privateKey);
  // Separate tokens for each path: the verifier caches what it verified.
  const ours = await Promise.all(Array.from({ length: count }, (_, i) => sign(i)));
  const theirs = await Promise.all(Array.from({ length: count }, (_, i) => sign(count + i)));
  const samples = { verifier: [] as number[], jose: [] as number[], floor: [] as number[] };
  for (let i = 0; i < count; i += 1) {
    const token = ours[i] ?? '';
    let t = process.hrtime.bigint();
    const r = await stage.verifier.verify(token);
    samples.verifier.push(elapsedUs(t));
    if (!r.ok) throw new Error(r.error.code);

    t = process.hrtime.bigint();
    await jwtVerify(theirs[i] ?? '', joseKeys, { algorithms: [...algorithms], issuer, audience: 'platform', clockTolerance: 60, requiredClaims: ['exp', 'iat', 'sub'] });
    samples.jose.push(elapsedUs(t));

    const dot = token.lastIndexOf('.');
    t = process.hrtime.bigint();
    const ok = cryptoVerify('sha256', Buffer.from(token.slice(0, dot), 'latin1'), floorKey, Buffer.from(token.slice(dot + 1), 'base64url'));
    samples.floor.push(elapsedUs(t));
    if (!ok) throw new Error('floor');
  }
  const [v, j, f] = [median(samples.verifier), median(samples.jose), median(samples.floor)];
  process.stdout.write(`${alg}: TokenVerifier median ${v.toFixed(1)} µs | jose jwtVerify ${j.toFixed(1)} µs (${(j / v).toFixed(2)}× ours) | crypto.verify alone ${f.toFixed(1)} µs (${(v / f).toFixed(2)}× of it) — ${count} fresh tokens each\n`);
}
stage.keyStore?.stop();
idp.close();
