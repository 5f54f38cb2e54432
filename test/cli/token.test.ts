import { strict as assert } from 'node:assert';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { CliIo } from '../../src/cli/cli-io.js';
import { parseDuration, runToken } from '../../src/cli/token.js';
import { TokenVerifier } from '../../src/identity/verify-token.js';

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { env: {}, cwd: '/', stdout: (t) => { out.push(t); }, stderr: (t) => { err.push(t); }, out, err };
}

describe('cli: nmp-authz token', () => {
  const now = 1_800_000_000_000;

  it('prints an alg none JWT with the requested claims that the unsigned mode accepts', async () => {
    const cli = io();
    const code = await runToken(['--email', 'a@example.com', '--groups', 'x, y', '--scope', 'platform:read platform:write', '--ttl', '2h'], cli, () => now);
    assert.equal(code, 0);
    const token = cli.out.join('').trim();
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'none', typ: 'JWT' });
    const claims = decodeJwt(token);
    assert.equal(claims.sub, 'a@example.com');
    assert.deepEqual(claims['groups'], ['x', 'y']);
    assert.equal(claims.exp, now / 1000 + 7200);
    const verifier = new TokenVerifier({
      mapping: { subjectClaim: 'sub', emailClaim: 'email', groupsClaim: 'groups', scopePrefix: null },
      allowUnsignedJwt: true,
      oidc: null,
      clockSkewSeconds: 60,
      clock: () => now,
    });
    const result = await verifier.verify(token);
    if (!result.ok) assert.fail(result.error.code);
    assert.deepEqual(result.identity.scopes, ['platform:read', 'platform:write']);
  });

  it('uses --sub as the subject when given', async () => {
    const cli = io();
    await runToken(['--email=a@example.com', '--sub=user-7'], cli, () => now);
    assert.equal(decodeJwt(cli.out.join('').trim()).sub, 'user-7');
  });

  for (const args of [[], ['--email'], ['--email', 'a@example.com', '--ttl', 'soon'], ['--email', 'a b'], ['--bogus', '1']]) {
    it(`exits 2 for ${JSON.stringify(args)}`, async () => {
      assert.equal(await runToken(args, io(), () => now), 2);
    });
  }

  it('parses durations in s, m, h and d', () => {
    assert.deepEqual(['90', '90s', '30m', '24h', '7d', '0', 'x'].map(parseDuration), [90, 90, 1800, 86400, 604800, null, null]);
  });
});
