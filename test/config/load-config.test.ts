import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, loadConfig, parseConfigText, type ConfigResult } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config.js';

function valid(): Record<string, unknown> {
  return {
    server: { grpc: { host: '0.0.0.0', port: 9191 }, http: { port: 8181 }, shutdown_grace_seconds: 5 },
    auth: {
      enabled: true,
      admin_email: 'admin@example.com',
      oidc: { enabled: true, issuer: 'https://idp.example.com', client_id: 'platform' },
    },
    policy: { source: 'policies', data: ['data/roles.yaml'] },
    members: { file: 'members.yaml' },
  };
}

function okConfig(result: ConfigResult): Config {
  if (!result.ok) assert.fail(`expected a valid config, got ${JSON.stringify(result.problems)}`);
  return result.config;
}

function problemPaths(result: ConfigResult): string[] {
  if (result.ok) assert.fail('expected problems');
  return result.problems.map((p) => p.path);
}

function mutate(path: string, value: unknown): Record<string, unknown> {
  const doc = structuredClone(valid());
  const keys = path.split('.');
  let target: Record<string, unknown> = doc;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== 'object' || next === null) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[keys[keys.length - 1] ?? ''] = value;
  return doc;
}

describe('config: buildConfig', () => {
  it('accepts the base document and applies the documented defaults', () => {
    const c = okConfig(buildConfig(valid(), { baseDir: '/etc/nmp' }));
    assert.equal(c.auth.oidc.audience, 'platform');
    assert.deepEqual(c.auth.oidc.algorithms, ['RS256', 'ES256']);
    assert.equal(c.auth.oidc.clockSkewSeconds, 60);
    assert.equal(c.auth.oidc.discoveryCacheTtlSeconds, 300);
    assert.equal(c.auth.defaultWorkspace, 'default');
    assert.deepEqual(c.auth.publicPaths, ['/healthz', '/readyz', '/apis/auth/discovery']);
    assert.equal(c.policy.source, '/etc/nmp/policies');
    assert.deepEqual(c.policy.data, ['/etc/nmp/data/roles.yaml']);
    assert.equal(c.policy.entrypoint, 'authz/allow');
    assert.equal(c.members.file, '/etc/nmp/members.yaml');
    assert.equal(c.server.grpc.port, 9191);
    assert.equal(c.server.http.host, '127.0.0.1');
  });

  it('treats an empty document as all defaults with auth disabled', () => {
    const c = okConfig(buildConfig(null, { baseDir: '/' }));
    assert.equal(c.auth.enabled, false);
    assert.equal(c.auth.oidc.enabled, false);
    assert.equal(c.auth.allowUnsignedJwt, false);
  });

  const invalid: ReadonlyArray<readonly [string, unknown, string]> = [
    ['server.grpc.port', 70000, 'server.grpc.port'],
    ['server.grpc.port', 'x', 'server.grpc.port'],
    ['server.grpc.colour', 'red', 'server.grpc.colour'],
    ['auth.enabled', 'yes', 'auth.enabled'],
    ['auth.oidc.issuer', 'not a url', 'auth.oidc.issuer'],
    ['auth.oidc.issuer', 'http://idp.example.com', 'auth.oidc.issuer'],
    ['auth.oidc.issuer', null, 'auth.oidc.issuer'],
    ['auth.oidc.algorithms', ['RS256', 'HS256'], 'auth.oidc.algorithms'],
    ['auth.oidc.algorithms', ['none'], 'auth.oidc.algorithms'],
    ['auth.oidc.algorithms', [], 'auth.oidc.algorithms'],
    ['auth.oidc.provider', 'ldap', 'auth.oidc.provider'],
    ['auth.oidc.clock_skew_seconds', -1, 'auth.oidc.clock_skew_seconds'],
    ['auth.oidc.additional_issuers', 'https://x', 'auth.oidc.additional_issuers'],
    ['auth.public_paths', ['healthz'], 'auth.public_paths'],
    ['auth.oidc.isuer', 'https://typo.example.com', 'auth.oidc.isuer'],
    ['auth', 'on', 'auth'],
    ['members.bundle_url', 'https://bundles.example.com/members.tar.gz', 'members.bundle_url'],
    ['policy.entrypoint', 'authz/', 'policy.entrypoint'],
    ['logging.level', 'loud', 'logging.level'],
    ['extra', 1, 'extra'],
  ];
  for (const [path, value, expected] of invalid) {
    it(`reports ${expected} when ${path} is ${JSON.stringify(value)}`, () => {
      assert.deepEqual(problemPaths(buildConfig(mutate(path, value), { baseDir: '/' })), [expected]);
    });
  }

  it('reports every problem at once', () => {
    const doc = mutate('server.grpc.port', -5);
    (doc['auth'] as Record<string, unknown>)['enabled'] = 3;
    doc['surprise'] = true;
    assert.deepEqual(problemPaths(buildConfig(doc, { baseDir: '/' })).sort(), ['auth.enabled', 'server.grpc.port', 'surprise']);
  });

  it('allows plain http issuers on loopback hosts', () => {
    const c = okConfig(buildConfig(mutate('auth.oidc.issuer', 'http://127.0.0.1:4000/idp'), { baseDir: '/' }));
    assert.equal(c.auth.oidc.issuer, 'http://127.0.0.1:4000/idp');
  });

  it('uses an explicit audience over client_id', () => {
    const c = okConfig(buildConfig(mutate('auth.oidc.audience', 'api://platform'), { baseDir: '/' }));
    assert.equal(c.auth.oidc.audience, 'api://platform');
  });

  it('detects Azure AD from the issuer host and maps upn/oid, with explicit keys winning', () => {
    const azure = mutate('auth.oidc.issuer', 'https://login.microsoftonline.com/tenant/v2.0');
    const c = okConfig(buildConfig(azure, { baseDir: '/' }));
    assert.equal(c.auth.oidc.provider, 'azure-ad');
    assert.equal(c.auth.oidc.emailClaim, 'upn');
    assert.equal(c.auth.oidc.subjectClaim, 'oid');
    ((azure['auth'] as Record<string, unknown>)['oidc'] as Record<string, unknown>)['email_claim'] = 'email';
    assert.equal(okConfig(buildConfig(azure, { baseDir: '/' })).auth.oidc.emailClaim, 'email');
  });

  it('detects Keycloak realms and keeps the generic claim names', () => {
    const c = okConfig(buildConfig(mutate('auth.oidc.issuer', 'https://kc.example.com/realms/nmp'), { baseDir: '/' }));
    assert.equal(c.auth.oidc.provider, 'keycloak');
    assert.equal(c.auth.oidc.subjectClaim, 'sub');
  });
});

describe('config: NMP_AUTH_* environment overrides', () => {
  it('overrides nested auth keys with typed values', () => {
    const env = {
      NMP_AUTH_OIDC__ISSUER: 'https://other.example.com',
      NMP_AUTH_ALLOW_UNSIGNED_JWT: 'true',
      NMP_AUTH_OIDC__CLOCK_SKEW_SECONDS: '30',
      NMP_AUTH_OIDC__ADDITIONAL_ISSUERS: 'https://a.example.com, https://b.example.com',
      UNRELATED: 'x',
    };
    const c = okConfig(buildConfig(valid(), { baseDir: '/', env }));
    assert.equal(c.auth.oidc.issuer, 'https://other.example.com');
    assert.equal(c.auth.allowUnsignedJwt, true);
    assert.equal(c.auth.oidc.clockSkewSeconds, 30);
    assert.deepEqual(c.auth.oidc.additionalIssuers, ['https://a.example.com', 'https://b.example.com']);
  });

  it('names the variable when an override is invalid or unknown', () => {
    const result = buildConfig(valid(), { baseDir: '/', env: { NMP_AUTH_ENABLED: 'maybe', NMP_AUTH_NOPE: '1' } });
    assert.deepEqual(problemPaths(result).sort(), ['auth.enabled (from NMP_AUTH_ENABLED)', 'auth.nope (from NMP_AUTH_NOPE)']);
  });
});

describe('config: loadConfig', () => {
  let dir = '';
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'nmp-config-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('falls back to the quickstart with unsigned tokens and the example admin', async () => {
    const c = okConfig(await loadConfig({ cwd: dir, env: {} }));
    assert.equal(c.origin, 'quickstart');
    assert.equal(c.auth.enabled, true);
    assert.equal(c.auth.allowUnsignedJwt, true);
    assert.equal(c.auth.adminEmail, 'admin@example.com');
  });

  it('reads ./nmp-authz.yaml when present and resolves paths against it', async () => {
    await writeFile(join(dir, 'nmp-authz.yaml'), 'auth:\n  enabled: false\nmembers:\n  file: m.yaml\n');
    const c = okConfig(await loadConfig({ cwd: dir, env: {} }));
    assert.equal(c.origin, 'file');
    assert.equal(c.members.file, join(dir, 'm.yaml'));
  });

  it('reports a YAML syntax error with file:line', () => {
    const result = parseConfigText('auth:\n  enabled: [\n', { baseDir: dir, fileName: 'x.yaml' });
    assert.match(problemPaths(result)[0] ?? '', /^x\.yaml:\d+:\d+$/);
  });

  it('reports a missing --config file', async () => {
    const result = await loadConfig({ cwd: dir, env: {}, file: 'absent.yaml' });
    assert.equal(result.ok, false);
  });
});
