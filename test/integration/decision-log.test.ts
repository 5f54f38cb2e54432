// logging.decision_log: one JSON line per check, to the service log, a file, or nowhere; never a
// token or cookie.
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openDecisionLog } from '../../src/authz/open-decision-log.js';
import { startServer, type RunningServer } from '../../src/cli/serve.js';
import type { Config } from '../../src/config/config.js';
import { buildConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { ExtAuthzClient, at, checkRequest } from './support/ext-authz-client.js';
import { KeyServer, createTestKey } from './support/key-server.js';

const DEF = '/apis/models/v2/workspaces/default/models';
const RES = '/apis/models/v2/workspaces/research/models';
const FIELDS = [
  'allowed', 'data_revision', 'decision_id', 'endpoint', 'iss', 'kid', 'latency_ms', 'level', 'method', 'msg', 'path',
  'policy_revision', 'principal_id', 'reason', 'request_id', 'service', 'status', 'time', 'token_kind', 'workspace',
];

function config(logging: Record<string, unknown>, auth: Record<string, unknown> = {}, baseDir = '/'): Config {
  const result = buildConfig({
    server: { grpc: { port: 0 }, http: { port: 0 }, shutdown_grace_seconds: 1 },
    auth: { enabled: true, ...auth },
    logging,
  }, { baseDir });
  if (!result.ok) assert.fail(JSON.stringify(result.problems));
  return result.config;
}

function lines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

describe('config: logging.decision_log', () => {
  it('defaults to stdout and accepts stderr and off', () => {
    assert.deepEqual(config({}).logging.decisionLog, { kind: 'stdout' });
    assert.deepEqual(config({ decision_log: 'stderr' }).logging.decisionLog, { kind: 'stderr' });
    assert.deepEqual(config({ decision_log: 'off' }).logging.decisionLog, { kind: 'off' });
  });

  it('resolves a file path against the configuration directory', () => {
    assert.deepEqual(config({ decision_log: 'decisions.log' }, {}, tmpdir()).logging.decisionLog, { kind: 'file', path: join(tmpdir(), 'decisions.log') });
  });

  for (const [value, why] of [
    ['/no/such/directory/decisions.log', 'a file in a missing directory'],
    [tmpdir(), 'a directory'],
    [42, 'a number'],
  ] as const) {
    it(`rejects ${why}, naming the key`, () => {
      const result = buildConfig({ logging: { decision_log: value } }, { baseDir: '/' });
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.deepEqual(result.problems.map((p) => p.path), ['logging.decision_log']);
    });
  }
});

describe('integration: the decision log', function () {
  const idp = new KeyServer();
  let dir = '';
  let token = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nmp-decisions-'));
    idp.keys = [await createTestKey('k1', 'ES256')];
    await idp.start();
    token = await idp.sign({ sub: 'u-1', email: 'u1@example.com', aud: 'platform' });
  });
  after(async () => {
    await idp.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(cfg: Config, logger = createLogger('silent')): Promise<RunningServer> {
    const server = await startServer(cfg, { logger, initialKeyRetryMs: 25 });
    await server.service.identity.keyStore?.whenReady();
    return server;
  }

  it('writes one line per check to a file, whatever logging.level, and never a token or cookie', async () => {
    const file = join(dir, 'decisions.log');
    const server = await start(config({ level: 'silent', decision_log: file }, { oidc: { enabled: true, issuer: idp.issuer, client_id: 'platform' } }));
    const base = `http://127.0.0.1:${server.httpPort}/apis/auth/ext-authz`;
    const client = new ExtAuthzClient(server.grpcPort);
    const garbage = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.c2lnbmF0dXJl';
    const ids: string[] = [];
    try {
      for (const [path, headers] of [
        [DEF, { authorization: `Bearer ${token}`, cookie: 'session=s3cret-cookie', 'x-request-id': 'req-allow' }],
        [RES, { authorization: `Bearer ${token}`, 'x-request-id': 'req-forbidden' }],
        [DEF, { authorization: `Bearer ${garbage}` }],
      ] as const) {
        const res = await fetch(`${base}${path}`, { headers });
        ids.push(res.headers.get('x-nmp-decision-id') ?? '');
      }
      await client.check({ path: DEF, headers: { authorization: `Bearer ${token}` } });
      const withoutId = checkRequest({ path: DEF, headers: { authorization: `Bearer ${token}`, 'x-request-id': 'from-header' } });
      delete (at(withoutId, 'attributes', 'request', 'http') as Record<string, unknown>)['id'];
      await client.check(withoutId, true);
    } finally {
      client.close();
      // Stopping flushes and closes the file.
      await server.stop();
    }
    const text = await readFile(file, 'utf8');
    const entries = lines(text);
    assert.equal(entries.length, 5);
    for (const entry of entries) assert.deepEqual(Object.keys(entry).sort(), FIELDS);
    const [allowed, forbidden, invalid, overGrpc, grpcWithoutId] = entries;
    assert.deepEqual(entries.slice(0, 3).map((e) => e['decision_id']), ids);
    assert.deepEqual(
      { ...allowed, time: 0, latency_ms: 0 },
      {
        level: 30, time: 0, service: 'nmp-authz', msg: 'decision', decision_id: ids[0], allowed: true, status: 200, reason: 'role',
        request_id: 'req-allow', method: 'GET', path: DEF, principal_id: 'u-1', token_kind: 'oidc', iss: idp.issuer, kid: 'k1',
        endpoint: '/apis/models/v2/workspaces/{workspace}/models', workspace: 'default', latency_ms: 0, policy_revision: 1, data_revision: 1,
      },
    );
    assert.equal(typeof allowed?.['latency_ms'], 'number');
    assert.ok(Number(allowed?.['latency_ms']) > 0);
    assert.deepEqual([forbidden?.['status'], forbidden?.['reason'], forbidden?.['workspace'], forbidden?.['request_id']], [403, 'no_role', 'research', 'req-forbidden']);
    assert.deepEqual([invalid?.['status'], invalid?.['reason'], invalid?.['principal_id'], invalid?.['request_id']], [401, 'invalid_signature', null, null]);
    // Over gRPC the request id is Envoy's attributes.request.http.id.
    assert.deepEqual([overGrpc?.['allowed'], overGrpc?.['request_id']], [true, 'req-1']);
    assert.equal(grpcWithoutId?.['request_id'], 'from-header');
    for (const secret of [token, token.split('.')[2] ?? token, garbage, 's3cret-cookie']) assert.ok(!text.includes(secret));
  });

  it('writes decision lines into the service log by default, and none with decision_log off', async () => {
    const sink = new Sink();
    const withLog = await start(config({}), createLogger('info', sink));
    try {
      await fetch(`http://127.0.0.1:${withLog.httpPort}/apis/auth/ext-authz${DEF}`);
    } finally {
      await withLog.stop();
    }
    assert.deepEqual(lines(sink.text).filter((e) => e['msg'] === 'decision').map((e) => e['reason']), ['unauthenticated']);

    const quiet = new Sink();
    const withoutLog = await start(config({ decision_log: 'off' }), createLogger('info', quiet));
    try {
      assert.equal((await fetch(`http://127.0.0.1:${withoutLog.httpPort}/apis/auth/ext-authz${DEF}`)).status, 401);
    } finally {
      await withoutLog.stop();
    }
    const entries = lines(quiet.text);
    assert.ok(entries.some((e) => e['msg'] === 'nmp-authz serving'), 'the service log itself still works');
    assert.equal(entries.filter((e) => e['msg'] === 'decision').length, 0);
  });

  it('reports a failing decision log write on the service log instead of crashing, and still closes', async () => {
    // /dev/full accepts the open and fails every write with ENOSPC, like a full disk.
    let reported: (line: string) => void = () => {};
    const report = new Promise<string>((resolve) => { reported = resolve; });
    const serviceLog = new Writable({ write(chunk: Buffer, _encoding, done) { reported(chunk.toString('utf8')); done(); } });
    const handle = await openDecisionLog({ kind: 'file', path: '/dev/full' }, createLogger('info', serviceLog));
    handle.logger?.info({ msg: 'decision', decision_id: 'd-1' });
    const entry = JSON.parse(await report) as Record<string, unknown>;
    assert.deepEqual([entry['msg'], entry['destination'], entry['level']], ['decision log write failed', '/dev/full', 50]);
    await handle.close();
  });

  it('keeps lines in decision order through shutdown, with writes still in flight', async () => {
    const file = join(dir, 'ordered.log');
    const handle = await openDecisionLog({ kind: 'file', path: file }, createLogger('silent'));
    for (let i = 0; i < 2000; i += 1) handle.logger?.info({ msg: 'decision', seq: i });
    await handle.close();
    const seqs = lines(await readFile(file, 'utf8')).map((e) => e['seq']);
    assert.deepEqual(seqs, Array.from({ length: 2000 }, (_, i) => i));
  });

  it('reopens the file by its path, so a rotated file gets no new lines', async () => {
    const file = join(dir, 'rotated.log');
    const handle = await openDecisionLog({ kind: 'file', path: file }, createLogger('silent'));
    handle.logger?.info({ msg: 'decision', seq: 1 });
    await rename(file, `${file}.1`);
    const reopened = handle.reopen();
    handle.logger?.info({ msg: 'decision', seq: 2 });
    await reopened;
    handle.logger?.info({ msg: 'decision', seq: 3 });
    await handle.close();
    assert.deepEqual(lines(await readFile(`${file}.1`, 'utf8')).map((e) => e['seq']), [1]);
    assert.deepEqual(lines(await readFile(file, 'utf8')).map((e) => e['seq']), [2, 3]);
  });

  it('appends to an existing file across restarts', async () => {
    const file = join(dir, 'appended.log');
    for (let run = 0; run < 2; run += 1) {
      const server = await start(config({ level: 'silent', decision_log: file }));
      try {
        await fetch(`http://127.0.0.1:${server.httpPort}/apis/auth/ext-authz${DEF}`);
      } finally {
        await server.stop();
      }
    }
    assert.equal(lines(await readFile(file, 'utf8')).length, 2);
  });
});
