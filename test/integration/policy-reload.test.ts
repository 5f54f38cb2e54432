// Live reloads under load (§3.3): a policy edit and a members edit land while thousands of checks
// are in flight over gRPC; every check is answered by either the old or the new version, never an
// error or a 503, and a broken edit is refused while the last good version keeps serving.
import { strict as assert } from 'node:assert';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/cli/serve.js';
import { buildConfig } from '../../src/config/load-config.js';
import { createUnsignedToken } from '../../src/identity/create-unsigned-token.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { packageRoot } from '../../src/shared/package-root.js';
import { ExtAuthzClient, at, headerMap } from './support/ext-authz-client.js';

const TOTAL_CHECKS = 10_000;
const IN_FLIGHT = 200;

/** Runs `check` at least `total` times with `inFlight` outstanding, then until `until()` holds too. */
async function hammer(
  total: number,
  inFlight: number,
  check: () => Promise<string>,
  hooks: { onDone?: (done: number) => void; until?: () => boolean; deadlineMs: number },
): Promise<Map<string, number>> {
  const answers = new Map<string, number>();
  const deadline = Date.now() + hooks.deadlineMs;
  let started = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (started < total || !(hooks.until?.() ?? true)) {
      if (Date.now() > deadline) throw new Error(`gave up after ${done} checks: the reload never showed`);
      started += 1;
      let answer: string;
      try {
        answer = await check();
      } catch (err: unknown) {
        answer = `rpc-error:${err instanceof Error ? err.message : String(err)}`;
      }
      answers.set(answer, (answers.get(answer) ?? 0) + 1);
      done += 1;
      hooks.onDone?.(done);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return answers;
}

function token(email: string): string {
  return createUnsignedToken({ email, nowMs: Date.now(), ttlSeconds: 3600 });
}

/** Polls until `predicate` holds; a bounded wait instead of a fixed sleep. */
async function eventually(predicate: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) assert.fail(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('integration: policy and members reload under load', function () {
  this.timeout(120_000);
  let dir = '';

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'nmp-live-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  async function serve(settings: Record<string, unknown>): Promise<{ server: RunningServer; client: ExtAuthzClient }> {
    const result = buildConfig({
      server: { grpc: { port: 0 }, http: { port: 0 }, shutdown_grace_seconds: 1 },
      auth: { enabled: true, allow_unsigned_jwt: true },
      logging: { level: 'silent' },
      ...settings,
    }, { baseDir: dir });
    if (!result.ok) assert.fail(JSON.stringify(result.problems));
    const server = await startServer(result.config, { logger: createLogger('silent') });
    return { server, client: new ExtAuthzClient(server.grpcPort) };
  }

  async function metric(server: RunningServer, line: string): Promise<number> {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`);
    const text = await res.text();
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found === undefined ? 0 : Number(found.slice(line.length + 1));
  }

  describe('a policy directory edited while serving', () => {
    const policy = (version: string): string => `package authz

import rego.v1

allow := {"allowed": true, "reason": "ok", "headers": {"x-policy-version": "${version}"}, "endpoint": null, "workspace": null, "roles": []}
`;
    let server: RunningServer;
    let client: ExtAuthzClient;
    const bearer = `Bearer ${token('ann@example.com')}`;

    beforeEach(async () => {
      await cp(join(packageRoot(), 'policies', 'data'), join(dir, 'data'), { recursive: true });
      await writeFile(join(dir, 'authz.rego'), policy('v1'));
      ({ server, client } = await serve({ policy: { source: '.', data: ['data/roles.yaml', 'data/endpoints.yaml'] } }));
    });
    afterEach(async () => {
      client.close();
      await server.stop();
    });

    const version = async (): Promise<string> => {
      const res = await client.check({ path: '/apis/anything', headers: { authorization: bearer } });
      if (at(res, 'http_response') !== 'ok_response') return `denied:${String(at(res, 'status', 'code'))}`;
      return headerMap(at(res, 'ok_response', 'headers'))['x-policy-version'] ?? 'no-version';
    };

    it('answers 10 000 concurrent checks across the recompilation with the old or the new policy, never an error', async () => {
      assert.equal(await version(), 'v1');
      let edited = false;
      let sawNew = false;
      const answers = await hammer(TOTAL_CHECKS, IN_FLIGHT, async () => {
        const v = await version();
        if (v === 'v2') sawNew = true;
        return v;
      }, {
        onDone: (done) => {
          if (done === 1000 && !edited) {
            edited = true;
            void writeFile(join(dir, 'authz.rego'), policy('v2'));
          }
        },
        until: () => sawNew,
        deadlineMs: 60_000,
      });
      assert.deepEqual([...answers.keys()].sort(), ['v1', 'v2'], JSON.stringify([...answers]));
      assert.ok([...answers.values()].reduce((a, b) => a + b, 0) >= TOTAL_CHECKS);
      assert.equal(await version(), 'v2');
      assert.equal(await metric(server, 'nmp_authz_policy_reloads_total{result="ok"}'), 2, 'the start and the edit');
    });

    it('keeps the last good policy when an edit does not compile, and counts the refusal', async () => {
      await writeFile(join(dir, 'authz.rego'), policy('v2'));
      await eventually(async () => (await version()) === 'v2', 10_000);
      await writeFile(join(dir, 'authz.rego'), `${policy('v3')}\nbroken := {\n`);
      await eventually(() => server.service.policy.policyReloads.failed === 1, 10_000);
      assert.equal(await version(), 'v2');
      assert.equal(await metric(server, 'nmp_authz_policy_reloads_total{result="error"}'), 1);
      // Touching the broken file again is not a new version: it is not judged (or counted) twice.
      await writeFile(join(dir, 'authz.rego'), `${policy('v3')}\nbroken := {\n`);
      await writeFile(join(dir, 'authz.rego'), policy('v3'));
      await eventually(async () => (await version()) === 'v3', 10_000);
      assert.deepEqual(server.service.policy.policyReloads, { ok: 2, failed: 1 });
    });

    it('reloads when a static data file changes, with the new data and the same policy', async () => {
      const roles = join(dir, 'data', 'roles.yaml');
      await writeFile(roles, `${await readFile(roles, 'utf8')}\n  Auditor: {permissions: [models.read]}\n`);
      await eventually(() => server.service.policy.knownRoles.has('Auditor'), 10_000);
      assert.equal(await version(), 'v1');
    });
  });

  describe('a members file edited while serving (shipped policies)', () => {
    let server: RunningServer;
    let client: ExtAuthzClient;
    const bearer = `Bearer ${token('alice@example.com')}`;
    const PATH = '/apis/models/v2/workspaces/research/models';

    beforeEach(async () => {
      await writeFile(join(dir, 'members.yaml'), 'workspaces:\n  research:\n    members:\n      - {principal: bob@example.com, roles: [Viewer]}\n');
      ({ server, client } = await serve({ members: { file: 'members.yaml' } }));
    });
    afterEach(async () => {
      client.close();
      await server.stop();
    });

    const status = async (): Promise<string> => {
      const res = await client.check({ path: PATH, headers: { authorization: bearer } });
      return at(res, 'http_response') === 'ok_response' ? '200' : String(at(res, 'denied_response', 'status', 'code'));
    };

    it('answers 10 000 concurrent checks across a member update with 403 or 200, never a 503, within 2 s of the write', async () => {
      assert.equal(await status(), '403');
      let writtenAt = 0;
      let firstNewAt = 0;
      const answers = await hammer(TOTAL_CHECKS, IN_FLIGHT, async () => {
        const s = await status();
        if (s === '200' && firstNewAt === 0) firstNewAt = Date.now();
        return s;
      }, {
        onDone: (done) => {
          if (done === 1000 && writtenAt === 0) {
            writtenAt = Date.now();
            void writeFile(join(dir, 'members.yaml'), 'workspaces:\n  research:\n    members:\n      - {principal: alice@example.com, roles: [Viewer]}\n');
          }
        },
        until: () => firstNewAt !== 0,
        deadlineMs: 60_000,
      });
      assert.deepEqual([...answers.keys()].sort(), ['200', '403'], JSON.stringify([...answers]));
      assert.ok(firstNewAt - writtenAt < 2000, `took ${firstNewAt - writtenAt} ms`);
      assert.equal(await status(), '200');
    });

    it('answers 10 000 concurrent checks with 403 or 200 across an update large enough to be assembled in a worker', async () => {
      // 30 000 bindings: above the size at which assembly and serialisation leave the main thread.
      const large = (extra: string): string => JSON.stringify({
        workspaces: {
          research: { members: [...Array.from({ length: 30_000 }, (_, i) => ({ principal: `user${i}@example.com`, roles: ['Viewer'] })), ...(extra === '' ? [] : [{ principal: extra, roles: ['Viewer'] }])] },
        },
      });
      await writeFile(join(dir, 'large.json'), large(''));
      const second = await serve({ members: { file: 'large.json' } });
      try {
        const check = async (): Promise<string> => {
          const res = await second.client.check({ path: PATH, headers: { authorization: bearer } });
          return at(res, 'http_response') === 'ok_response' ? '200' : String(at(res, 'denied_response', 'status', 'code'));
        };
        assert.equal(await check(), '403');
        let written = false;
        let sawNew = false;
        const answers = await hammer(TOTAL_CHECKS, IN_FLIGHT, async () => {
          const s = await check();
          if (s === '200') sawNew = true;
          return s;
        }, {
          onDone: (done) => {
            if (done === 1000 && !written) {
              written = true;
              void writeFile(join(dir, 'large.json'), large('alice@example.com'));
            }
          },
          until: () => sawNew,
          deadlineMs: 60_000,
        });
        assert.deepEqual([...answers.keys()].sort(), ['200', '403'], JSON.stringify([...answers]));
        assert.equal(await check(), '200');
      } finally {
        second.client.close();
        await second.server.stop();
      }
    });

    it('keeps the last good members when the file turns invalid', async () => {
      await writeFile(join(dir, 'members.yaml'), 'workspaces:\n  research:\n    members:\n      - {principal: alice@example.com, roles: [NoSuchRole]}\n');
      await eventually(() => server.service.members?.status().lastOutcome === 'rejected', 10_000);
      assert.equal(await status(), '403');
      assert.equal(await metric(server, 'nmp_authz_data_reloads_total{result="error"}'), 1);
    });
  });
});
