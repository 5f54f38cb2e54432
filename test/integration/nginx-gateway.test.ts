// Real nginx (auth_request) with the shipped deploy/nginx/nmp-authz.conf in front of an echo
// upstream, asking the running server's /apis/auth/authorize.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/cli/serve.js';
import { buildConfig } from '../../src/config/load-config.js';
import { createUnsignedToken } from '../../src/identity/create-unsigned-token.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { packageRoot } from '../../src/shared/package-root.js';
import { freePort } from './support/test-oidc-provider.js';

const NGINX = '/usr/sbin/nginx';

describe('integration: nginx auth_request in front of the server (shipped config)', function () {
  let dir = '';
  let server: RunningServer;
  let upstream: Server;
  let nginx: ChildProcess;
  let base = '';
  const seen: IncomingHttpHeaders[] = [];

  before(async function () {
    // The gateway contract is only proven against the real nginx: never skip silently.
    if (!existsSync(NGINX)) assert.fail(`${NGINX} is missing: install Debian's nginx (.ci/run does)`);
    dir = await mkdtemp(join(tmpdir(), 'nmp-nginx-'));
    const result = buildConfig({
      server: { grpc: { port: 0 }, http: { port: 0 } },
      auth: { enabled: true, allow_unsigned_jwt: true },
      logging: { level: 'silent' },
    }, { baseDir: dir });
    if (!result.ok) assert.fail(JSON.stringify(result.problems));
    server = await startServer(result.config, { logger: createLogger('silent') });
    upstream = createServer((req, res) => { seen.push(req.headers); res.writeHead(200, { 'content-type': 'text/plain' }).end('upstream'); });
    await new Promise<void>((resolve) => { upstream.listen(0, '127.0.0.1', resolve); });
    const nginxPort = await freePort();
    const site = (await readFile(join(packageRoot(), 'deploy', 'nginx', 'nmp-authz.conf'), 'utf8'))
      .replaceAll('127.0.0.1:8181', `127.0.0.1:${server.httpPort}`)
      .replaceAll('127.0.0.1:8000', `127.0.0.1:${(upstream.address() as AddressInfo).port}`)
      .replaceAll('127.0.0.1:8080', `127.0.0.1:${nginxPort}`);
    await mkdir(join(dir, 'logs'));
    await writeFile(join(dir, 'site.conf'), site);
    await writeFile(join(dir, 'nginx.conf'), `worker_processes 1;
error_log ${dir}/logs/error.log;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`);
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    base = `http://127.0.0.1:${nginxPort}`;
    // nginx has no readiness signal other than its port answering: probe it, for at most 10 s.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && nginx.exitCode === null) {
      try {
        await fetch(`${base}/apis/auth/discovery`);
        return;
      } catch {
        await new Promise<void>((resolve) => { setImmediate(resolve); });
      }
    }
    assert.fail('nginx did not start');
  });

  after(async () => {
    if (nginx !== undefined && nginx.exitCode === null) {
      const exited = once(nginx, 'exit');
      nginx.kill('SIGTERM');
      await exited;
    }
    await server?.stop();
    upstream?.close();
    if (dir !== '' && process.env['KEEP_NGINX'] === undefined) await rm(dir, { recursive: true, force: true });
  });

  it('passes an allowed request upstream with the identity headers and overwrites forged ones', async () => {
    seen.length = 0;
    const token = createUnsignedToken({ email: 'dev@example.com', groups: ['g1'], ttlSeconds: 600, nowMs: Date.now() });
    const res = await fetch(`${base}/apis/models/v2/workspaces/default/models`, {
      headers: { authorization: `Bearer ${token}`, 'x-nmp-principal-id': 'forged', 'x-nmp-scopes': 'admin:all' },
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'upstream');
    const headers = seen[0];
    assert.ok(headers);
    assert.equal(headers['x-nmp-principal-id'], 'dev@example.com');
    assert.equal(headers['x-nmp-principal-groups'], 'g1');
    assert.equal(headers['x-nmp-authorized'], 'true');
    assert.equal(headers['x-nmp-scopes'], undefined);
  });

  it("hands the client the authorizer's 401 with its challenge and JSON body", async () => {
    seen.length = 0;
    const res = await fetch(`${base}/apis/models/v2/workspaces/default/models`, { headers: { 'x-nmp-principal-id': 'forged' } });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="nmp-authz"');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(typeof ((await res.json()) as Record<string, unknown>)['detail'], 'string');
    assert.equal(seen.length, 0);
  });

  it('answers 401 with invalid_token for a presented but invalid token', async () => {
    seen.length = 0;
    const res = await fetch(`${base}/apis/models/v2/workspaces/default/models`, { headers: { authorization: 'Bearer not.a.jwt' } });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="nmp-authz", error="invalid_token"');
    assert.equal(typeof ((await res.json()) as Record<string, unknown>)['detail'], 'string');
    assert.equal(seen.length, 0);
  });

  it('answers 403 for an authenticated caller without a role in the workspace', async () => {
    const token = createUnsignedToken({ email: 'dev@example.com', ttlSeconds: 600, nowMs: Date.now() });
    seen.length = 0;
    const res = await fetch(`${base}/apis/models/v2/workspaces/secret/models`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('www-authenticate'), null);
    assert.equal(typeof ((await res.json()) as Record<string, unknown>)['detail'], 'string');
    assert.equal(seen.length, 0);
  });
});
