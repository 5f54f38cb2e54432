// /metrics after a known sequence of checks, member updates, policy reloads and IdP fetches: every
// counter and gauge reads exactly what happened, on a fresh server with its own registry.
import { strict as assert } from 'node:assert';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthzMetrics } from '../../src/authz/authz-metrics.js';
import { startServer, type RunningServer } from '../../src/cli/serve.js';
import { buildConfig } from '../../src/config/load-config.js';
import { FileMembersSource } from '../../src/members/file-members-source.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { packageRoot } from '../../src/shared/package-root.js';
import { ExtAuthzClient, at } from './support/ext-authz-client.js';
import { KeyServer, createTestKey } from './support/key-server.js';

const DEF = '/apis/models/v2/workspaces/default/models';
const RES = '/apis/models/v2/workspaces/research/models';

/** Prometheus text → value per series, keyed `name{a="1",b="2"}` with labels in exposition order. */
function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    series.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return series;
}

function named(series: Map<string, number>, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of series) {
    if (key === name || key.startsWith(`${name}{`)) out[key] = value;
  }
  return out;
}

describe('integration: /metrics counts exactly what happened', function () {
  const idp = new KeyServer();
  let dir = '';
  let membersFile = '';
  let regoFile = '';
  let server: RunningServer | null = null;
  let client: ExtAuthzClient | null = null;
  let base = '';
  let token = '';

  const running = (): RunningServer => {
    if (server === null) throw new Error('server not started');
    return server;
  };
  const status = async (path: string, headers: Record<string, string> = {}): Promise<number> =>
    (await fetch(`${base}/apis/auth/ext-authz${path}`, { headers })).status;
  const members = (): FileMembersSource => {
    const source = running().service.members;
    if (!(source instanceof FileMembersSource)) throw new Error('expected a members file');
    return source;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nmp-metrics-'));
    await mkdir(join(dir, 'policies'));
    regoFile = join(dir, 'policies', 'authz.rego');
    await copyFile(join(packageRoot(), 'policies', 'authz.rego'), regoFile);
    membersFile = join(dir, 'members.yaml');
    await writeFile(membersFile, 'workspaces: {}\n');
    idp.keys = [await createTestKey('k1', 'ES256')];
    await idp.start();
    const result = buildConfig({
      server: { grpc: { port: 0 }, http: { port: 0 }, shutdown_grace_seconds: 1 },
      auth: { enabled: true, oidc: { enabled: true, issuer: idp.issuer, client_id: 'platform' } },
      // Reloads here are the SIGHUP path, called directly; a file watch would judge the edits too.
      policy: { source: join(dir, 'policies'), watch: false },
      members: { file: membersFile },
      logging: { level: 'silent' },
    }, { baseDir: dir });
    if (!result.ok) assert.fail(JSON.stringify(result.problems));
    server = await startServer(result.config, { logger: createLogger('silent'), initialKeyRetryMs: 25 });
    await server.service.identity.keyStore?.whenReady();
    client = new ExtAuthzClient(server.grpcPort);
    base = `http://127.0.0.1:${server.httpPort}`;
    token = await idp.sign({ sub: 'u-1', email: 'u1@example.com', aud: 'platform' });
  });
  after(async () => {
    client?.close();
    await server?.stop();
    await idp.stop();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('reads the exact counts after checks, member updates, policy reloads and IdP fetches', async () => {
    const auth = { authorization: `Bearer ${token}` };
    // Checks over both transports: 4 role allows, 1 public allow, 2 anonymous, 1 no_role, 1 bad path.
    for (let i = 0; i < 3; i += 1) assert.equal(await status(DEF, auth), 200);
    const grpc = await client?.check({ path: DEF, headers: auth });
    assert.equal(at(grpc, 'http_response'), 'ok_response');
    assert.equal(await status('/healthz'), 200);
    assert.equal(await status(DEF), 401);
    assert.equal(await status(DEF), 401);
    assert.equal(await status(RES, auth), 403);
    assert.equal(at(await client?.check({ path: '/apis/../x', headers: auth }), 'denied_response', 'status', 'code'), 400);

    // A good member update makes research reachable; a broken one is refused and research stays so.
    await writeFile(membersFile, 'workspaces:\n  research:\n    members:\n      - {principal: u1@example.com, roles: [Viewer]}\n');
    await members().reload();
    assert.equal(await status(RES, auth), 200);
    await writeFile(membersFile, 'workspaces:\n  research:\n    members:\n      - {principal: u1@example.com, roles: [NoSuchRole]}\n');
    await members().reload();
    assert.equal(await status(RES, auth), 200);

    // A good policy reload, then a broken one that is refused while the last good policy serves.
    assert.equal(await running().service.reloadPolicy(), true);
    await writeFile(regoFile, 'package authz\n\nallow := {\n');
    assert.equal(await running().service.reloadPolicy(), false);
    assert.equal(await status(DEF, auth), 200);

    // One IdP fetch that works and one while the IdP is down.
    const keyStore = running().service.identity.keyStore;
    if (keyStore === null || keyStore === undefined) assert.fail('OIDC is on: a key store exists');
    await keyStore.refresh();
    idp.up = false;
    await keyStore.refresh();

    const ready = await (await fetch(`${base}/readyz`)).json() as Record<string, unknown>;
    assert.deepEqual([ready['policy_revision'], ready['data_revision']], [2, 2]);
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const series = parseExposition(await res.text());
    assert.deepEqual(named(series, 'nmp_authz_checks_total'), {
      'nmp_authz_checks_total{outcome="allow",status="200",reason="role"}': 7,
      'nmp_authz_checks_total{outcome="allow",status="200",reason="public"}': 1,
      'nmp_authz_checks_total{outcome="deny",status="401",reason="unauthenticated"}': 2,
      'nmp_authz_checks_total{outcome="deny",status="403",reason="no_role"}': 1,
      'nmp_authz_checks_total{outcome="deny",status="400",reason="invalid_path"}': 1,
    });
    // Misses: the first DEF allow, /healthz and DEF anonymous, RES before and after the member
    // update, DEF after the policy reload (every swap starts afresh). Hits: two more DEF allows
    // over HTTP and one over gRPC (the same token's identity), the second anonymous DEF, and RES
    // after the refused update (which changed no revision). The bad path never reaches the policy.
    assert.deepEqual(named(series, 'nmp_authz_decision_cache_total'), {
      'nmp_authz_decision_cache_total{result="hit"}': 5,
      'nmp_authz_decision_cache_total{result="miss"}': 6,
    });
    assert.equal(series.get('nmp_authz_check_duration_seconds_count'), 12);
    assert.equal(series.get('nmp_authz_check_duration_seconds_bucket{le="+Inf"}'), 12);
    // Start + one accepted update; the refused one is counted and changes no revision.
    assert.deepEqual(named(series, 'nmp_authz_data_reloads_total'), {
      'nmp_authz_data_reloads_total{result="ok"}': 2,
      'nmp_authz_data_reloads_total{result="error"}': 1,
    });
    assert.deepEqual(named(series, 'nmp_authz_policy_reloads_total'), {
      'nmp_authz_policy_reloads_total{result="ok"}': 2,
      'nmp_authz_policy_reloads_total{result="error"}': 1,
    });
    assert.equal(series.get('nmp_authz_policy_revision'), 2);
    assert.equal(series.get('nmp_authz_data_revision'), 2);
    // ok counts refreshes that loaded a JWKS (start + the explicit one); error counts each failed
    // document fetch: with the IdP down both discovery and the remembered jwks_uri fail.
    assert.equal(idp.jwksRequests, 2);
    assert.deepEqual(named(series, 'nmp_authz_jwks_fetches_total'), {
      'nmp_authz_jwks_fetches_total{result="ok"}': 2,
      'nmp_authz_jwks_fetches_total{result="error"}': 2,
    });
  });

  it('exposes process metrics on the same registry', async () => {
    const series = parseExposition(await (await fetch(`${base}/metrics`)).text());
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      assert.ok((series.get(name) ?? -1) >= 0, `${name} is exposed`);
    }
  });

  it('documents every nmp_authz metric it exposes in docs/operations.md, and no other', async () => {
    const exposed = new Set<string>();
    for (const line of (await new AuthzMetrics().render()).body.split('\n')) {
      const name = /^# TYPE (nmp_authz_\w+) /.exec(line)?.[1];
      if (name !== undefined) exposed.add(name);
    }
    const text = await readFile(join(packageRoot(), 'docs', 'operations.md'), 'utf8');
    const start = text.indexOf('\n## Metrics');
    assert.ok(start !== -1, 'operations.md has a Metrics section');
    const end = text.indexOf('\n## ', start + 1);
    const doc = text.slice(start, end === -1 ? undefined : end);
    const documented = new Set([...doc.matchAll(/`(nmp_authz_[a-z_]+)`/g)].map((m) => m[1]).filter((n): n is string => n !== undefined));
    assert.deepEqual([...documented].sort(), [...exposed].sort());
  });

  it('keeps a separate registry per service, so a second one in the process starts from zero', async () => {
    const fresh = parseExposition((await new AuthzMetrics().render()).body);
    assert.deepEqual(named(fresh, 'nmp_authz_checks_total'), {});
    assert.equal(fresh.get('nmp_authz_policy_revision'), 0);
    assert.ok(fresh.has('process_resident_memory_bytes'));
    const served = parseExposition(await (await fetch(`${base}/metrics`)).text());
    assert.equal(served.get('nmp_authz_checks_total{outcome="deny",status="403",reason="no_role"}'), 1);
  });
});
