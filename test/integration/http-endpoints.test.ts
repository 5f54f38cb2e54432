import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import { startServer, type RunningServer } from '../../src/cli/serve.js';
import { buildConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config.js';
import { createUnsignedToken } from '../../src/identity/create-unsigned-token.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { KeyServer, createTestKey } from './support/key-server.js';

// Shipped policies: everyone is Editor in `default`, nobody holds a role in `research`.
const ALLOWED = '/apis/models/v2/workspaces/default/models';
const NO_ROLE = '/apis/models/v2/workspaces/research/models';

function config(auth: Record<string, unknown>): Config {
  const result = buildConfig({
    server: { grpc: { port: 0 }, http: { port: 0 }, shutdown_grace_seconds: 1 },
    auth,
    logging: { level: 'silent' },
  }, { baseDir: '/' });
  if (!result.ok) assert.fail(JSON.stringify(result.problems));
  return result.config;
}

/** Sends raw request bytes (for header values Node's fetch would refuse to send) and returns the status. */
async function rawStatus(port: number, head: Buffer): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.write(head);
  await new Promise<void>((resolve) => { socket.on('end', resolve); socket.on('close', () => { resolve(); }); });
  const match = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'));
  return Number(match?.[1] ?? 0);
}

describe('integration: HTTP endpoints with OIDC', () => {
  const idp = new KeyServer();
  let server: RunningServer;
  let base = '';
  let token = '';

  before(async () => {
    idp.keys = [await createTestKey('k1', 'ES256')];
    await idp.start();
    server = await startServer(
      config({ enabled: true, oidc: { enabled: true, issuer: idp.issuer, client_id: 'platform', scope_prefix: 'api://platform/' } }),
      { logger: createLogger('silent') },
    );
    await server.service.identity.keyStore?.whenReady();
    base = `http://127.0.0.1:${server.httpPort}`;
    token = await idp.sign({ sub: 'u-1', email: 'u1@example.com', groups: ['g'], scp: 'api://platform/platform:read', aud: 'platform' });
  });
  after(async () => {
    await server.stop();
    await idp.stop();
  });

  it('answers liveness and readiness', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  });

  it('serves discovery in the NMP shape, with endpoints from the IdP', async () => {
    const res = await fetch(`${base}/apis/auth/discovery`);
    const body = await res.json() as Record<string, unknown>;
    assert.equal(body['auth_enabled'], true);
    const oidc = body['oidc'] as Record<string, unknown>;
    assert.equal(oidc['issuer'], idp.issuer);
    assert.equal(oidc['client_id'], 'platform');
    assert.equal(oidc['token_endpoint'], `${idp.issuer}/token`);
    assert.equal(oidc['device_authorization_endpoint'], `${idp.issuer}/device`);
    assert.equal(oidc['default_scopes'], 'openid profile email offline_access');
    assert.equal(oidc['scope_prefix'], 'api://platform/');
  });

  it('answers who-am-I with prefix-stripped scopes, and 401 without a token', async () => {
    const res = await fetch(`${base}/apis/auth/authenticate`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { principal_id: 'u-1', email: 'u1@example.com', groups: ['g'], scopes: ['platform:read'], token_kind: 'oidc' });
    const anon = await fetch(`${base}/apis/auth/authenticate`);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), 'Bearer realm="nmp-authz"');
  });

  it('allows through the Envoy http_service prefix with identity headers and removals', async () => {
    const res = await fetch(`${base}/apis/auth/ext-authz${ALLOWED}?limit=1`, { headers: { authorization: `Bearer ${token}`, 'x-nmp-debug': '1' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-nmp-principal-id'), 'u-1');
    assert.equal(res.headers.get('x-nmp-scopes'), 'platform:read');
    assert.equal(res.headers.get('x-nmp-authorized'), 'true');
    assert.ok(res.headers.get('x-nmp-decision-id'));
    assert.equal(res.headers.get('x-envoy-auth-headers-to-remove'), 'x-nmp-debug');
  });

  it('denies through the Envoy http_service prefix with 401/403 JSON bodies', async () => {
    const anon = await fetch(`${base}/apis/auth/ext-authz${ALLOWED}`);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('content-type'), 'application/json');
    assert.equal(typeof ((await anon.json()) as Record<string, unknown>)['detail'], 'string');
    const forbidden = await fetch(`${base}/apis/auth/ext-authz${NO_ROLE}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(forbidden.status, 403);
  });

  it('answers 400 for dot-segment and encoded-slash paths through the prefix', async () => {
    assert.equal(await rawStatus(server.httpPort, Buffer.from('GET /apis/auth/ext-authz/apis/../admin HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')), 400);
    assert.equal(await rawStatus(server.httpPort, Buffer.from('GET /apis/auth/ext-authz/apis%2Fadmin HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')), 400);
  });

  it('reads nginx X-Original-* and Traefik X-Forwarded-* on the authorize endpoint', async () => {
    const nginx = await fetch(`${base}/apis/auth/authorize`, { headers: { authorization: `Bearer ${token}`, 'x-original-method': 'GET', 'x-original-uri': `${ALLOWED}?y=1` } });
    assert.equal(nginx.status, 200);
    assert.equal(nginx.headers.get('x-nmp-principal-email'), 'u1@example.com');
    const traefik = await fetch(`${base}/apis/auth/authorize`, { headers: { 'x-forwarded-method': 'GET', 'x-forwarded-uri': ALLOWED, 'x-forwarded-host': 'api.example.com' } });
    assert.equal(traefik.status, 401);
    const missing = await fetch(`${base}/apis/auth/authorize`);
    assert.equal(missing.status, 400);
  });

  it('answers 401 for a 64 KB token and for a non-UTF-8 authorization value, and keeps serving', async () => {
    const big = await fetch(`${base}/apis/auth/ext-authz/apis/x`, { headers: { authorization: `Bearer ${'a'.repeat(64 * 1024)}.b.c` } });
    assert.equal(big.status, 401);
    const head = Buffer.concat([
      Buffer.from('GET /apis/auth/ext-authz/apis/x HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer '),
      Buffer.from([0xff, 0xfe, 0x2e, 0x61, 0x2e, 0x62]),
      Buffer.from('\r\n\r\n'),
    ]);
    assert.equal(await rawStatus(server.httpPort, head), 401);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });

  it('exposes checks by outcome and reason, and JWKS fetches, as Prometheus text', async () => {
    await fetch(`${base}/apis/auth/ext-authz${ALLOWED}`);
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /nmp_authz_checks_total\{outcome="deny",status="401",reason="unauthenticated"\} [1-9]/);
    assert.match(text, /nmp_authz_jwks_fetches_total\{result="ok"\} [1-9]/);
    assert.match(text, /nmp_authz_check_duration_seconds_count [1-9]/);
  });

  it('ignores trusted principal headers while OIDC is on', async () => {
    const res = await fetch(`${base}/apis/auth/authenticate`, { headers: { 'x-nmp-principal-id': 'mallory' } });
    assert.equal(res.status, 401);
  });
});

describe('integration: HTTP endpoints without OIDC', () => {
  let server: RunningServer;
  let base = '';

  before(async () => {
    server = await startServer(config({ enabled: true, trust_principal_headers: true, allow_unsigned_jwt: true }), { logger: createLogger('silent') });
    base = `http://127.0.0.1:${server.httpPort}`;
  });
  after(async () => { await server.stop(); });

  it('serves discovery with oidc null', async () => {
    assert.deepEqual(await (await fetch(`${base}/apis/auth/discovery`)).json(), { auth_enabled: true, oidc: null });
  });

  it('takes the identity from trusted principal headers', async () => {
    const res = await fetch(`${base}/apis/auth/authenticate`, { headers: { 'x-nmp-principal-id': 'svc-1', 'x-nmp-principal-groups': 'a,b' } });
    assert.equal(res.status, 200);
    const body = await res.json() as Record<string, unknown>;
    assert.equal(body['token_kind'], 'header');
    assert.deepEqual(body['groups'], ['a', 'b']);
  });

  it('answers 400 for a trusted principal header that is not header-safe', async () => {
    const head = Buffer.concat([
      Buffer.from('GET /apis/auth/ext-authz/apis/x HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-nmp-principal-id: svc'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\r\n\r\n'),
    ]);
    assert.equal(await rawStatus(server.httpPort, head), 400);
  });

  it('accepts an unsigned development token with allow_unsigned_jwt', async () => {
    const token = createUnsignedToken({ email: 'dev@example.com', ttlSeconds: 60, nowMs: Date.now() });
    const res = await fetch(`${base}/apis/auth/ext-authz${ALLOWED}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-nmp-principal-id'), 'dev@example.com');
  });
});
