// One decision table, four transports: Envoy gRPC Check, Envoy http_service
// (/apis/auth/ext-authz/<path>), nginx auth_request and Traefik ForwardAuth (/apis/auth/authorize).
// Every transport must give the same status, reason, identity headers, removals, challenge and body.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runBuild } from '../../src/cli/build.js';
import { startServer, type RunningServer } from '../../src/cli/serve.js';
import { buildConfig } from '../../src/config/load-config.js';
import { createUnsignedToken } from '../../src/identity/create-unsigned-token.js';
import { EXT_AUTHZ_PREFIX } from '../../src/http/http-server.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { packageRoot } from '../../src/shared/package-root.js';
import { ExtAuthzClient, at, headerMap } from './support/ext-authz-client.js';
import { KeyServer, createTestKey, type TestKey } from './support/key-server.js';
import { freePort } from './support/test-oidc-provider.js';

const HOST = 'api.example.com';
const DEF = '/apis/models/v2/workspaces/default/models';
const ML = '/apis/models/v2/workspaces/ml-team/models';
const RES = '/apis/models/v2/workspaces/research/models';
const ML_MEMBERS = '/apis/workspaces/v2/workspaces/ml-team/members';
const WEIGHTS = '/apis/models/v2/workspaces/default/models/m1/weights';

type Transport = 'grpc' | 'ext-authz' | 'nginx' | 'traefik';
const TRANSPORTS: readonly Transport[] = ['grpc', 'ext-authz', 'nginx', 'traefik'];

/** What a gateway does with an answer: everything that must agree between transports. */
interface Outcome {
  readonly status: number;
  readonly reason: string;
  /** x-nmp-* headers set on the upstream request (the decision id aside: it differs per check). */
  readonly set: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
  readonly challenge: string | null;
  readonly detail: string | null;
}

interface Case {
  readonly name: string;
  readonly server: 'oidc' | 'headers' | 'unavailable';
  readonly method?: string;
  readonly target: string;
  /** Built once the IdP is up (tokens need its keys). */
  readonly headers?: (t: Tokens) => Record<string, string>;
  readonly status: number;
  readonly reason: string;
  readonly set?: Readonly<Record<string, string>>;
  /** Transports that cannot express the request at all (an HTTP request line is always absolute). */
  readonly skip?: readonly Transport[];
}

interface Tokens {
  full: string;
  bare: string;
  groupsString: string;
  alice: string;
  admin: string;
  operator: string;
  wrongScope: string;
  expired: string;
  badSignature: string;
  wrongAudience: string;
  wrongIssuer: string;
  unsigned: string;
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const FULL_SET = {
  'x-nmp-principal-id': 'u-1',
  'x-nmp-principal-email': 'u1@example.com',
  'x-nmp-principal-groups': 'g1,g2',
  'x-nmp-scopes': 'platform:read',
  'x-nmp-authorized': 'true',
};

const CASES: readonly Case[] = [
  // Allowed, with each identity shape.
  { name: 'an OIDC token with every claim', server: 'oidc', target: DEF, headers: (t) => bearer(t.full), status: 200, reason: 'role', set: FULL_SET },
  { name: 'an OIDC token without email, groups or scopes', server: 'oidc', target: DEF, headers: (t) => bearer(t.bare), status: 200, reason: 'role', set: { 'x-nmp-principal-id': 'u-2', 'x-nmp-authorized': 'true' } },
  { name: 'groups sent as a comma-separated string, Editor through a group', server: 'oidc', method: 'POST', target: ML, headers: (t) => bearer(t.groupsString), status: 200, reason: 'role' },
  { name: 'an email bound as Admin listing members', server: 'oidc', target: ML_MEMBERS, headers: (t) => bearer(t.alice), status: 200, reason: 'role' },
  { name: 'the configured admin email in another workspace', server: 'oidc', target: RES, headers: (t) => bearer(t.admin), status: 200, reason: 'platform_admin' },
  { name: 'a PlatformAdmin group', server: 'oidc', method: 'DELETE', target: `${RES}/m1`, headers: (t) => bearer(t.operator), status: 200, reason: 'platform_admin' },
  { name: 'an unsigned development token', server: 'oidc', target: DEF, headers: (t) => bearer(t.unsigned), status: 200, reason: 'role', set: { 'x-nmp-principal-id': 'dev@example.com', 'x-nmp-principal-email': 'dev@example.com', 'x-nmp-authorized': 'true' } },
  { name: 'a lower-case bearer scheme and a query string', server: 'oidc', target: `${DEF}?limit=5&q=a%20b`, headers: (t) => ({ authorization: `bearer ${t.full}` }), status: 200, reason: 'role', set: FULL_SET },
  { name: 'trusted principal headers', server: 'headers', target: DEF, headers: () => ({ 'x-nmp-principal-id': 'svc-1', 'x-nmp-principal-groups': 'a,b' }), status: 200, reason: 'role', set: { 'x-nmp-principal-id': 'svc-1', 'x-nmp-principal-groups': 'a,b', 'x-nmp-authorized': 'true' } },
  // Spoofed identity headers never survive.
  { name: 'spoofed X-NMP-* headers next to a valid token', server: 'oidc', target: DEF, headers: (t) => ({ ...bearer(t.bare), 'x-nmp-principal-id': 'mallory', 'x-nmp-principal-email': 'm@evil.example', 'x-nmp-authorized': 'true', 'x-nmp-debug': '1' }), status: 200, reason: 'role', set: { 'x-nmp-principal-id': 'u-2', 'x-nmp-authorized': 'true' } },
  { name: 'spoofed X-NMP-* headers without a token while OIDC is on', server: 'oidc', target: DEF, headers: () => ({ 'x-nmp-principal-id': 'mallory', 'x-nmp-authorized': 'true' }), status: 401, reason: 'unauthenticated' },
  // 401: missing or invalid credentials.
  { name: 'no credential', server: 'oidc', target: DEF, status: 401, reason: 'unauthenticated' },
  { name: 'a garbage token', server: 'oidc', target: DEF, headers: () => bearer('a.b.c'), status: 401, reason: 'invalid_token' },
  { name: 'an expired token', server: 'oidc', target: DEF, headers: (t) => bearer(t.expired), status: 401, reason: 'token_expired' },
  { name: 'a token signed by the wrong key', server: 'oidc', target: DEF, headers: (t) => bearer(t.badSignature), status: 401, reason: 'invalid_signature' },
  { name: 'a token for another audience', server: 'oidc', target: DEF, headers: (t) => bearer(t.wrongAudience), status: 401, reason: 'invalid_audience' },
  { name: 'a token from another issuer', server: 'oidc', target: DEF, headers: (t) => bearer(t.wrongIssuer), status: 401, reason: 'invalid_issuer' },
  { name: 'an invalid token on a public path', server: 'oidc', target: '/healthz', headers: () => bearer('a.b.c'), status: 401, reason: 'invalid_token' },
  { name: 'an unsigned token where unsigned tokens are off', server: 'headers', target: DEF, headers: (t) => bearer(t.unsigned), status: 401, reason: 'unsigned_jwt_not_allowed' },
  { name: 'no credential where principal headers are trusted', server: 'headers', target: DEF, status: 401, reason: 'unauthenticated' },
  // 403: authenticated without the right.
  { name: 'no role in the workspace', server: 'oidc', target: RES, headers: (t) => bearer(t.full), status: 403, reason: 'no_role' },
  { name: 'a role without the permission', server: 'oidc', method: 'POST', target: ML, headers: (t) => bearer(t.bare), status: 403, reason: 'permission_missing' },
  { name: 'a token without a scope the endpoint accepts', server: 'oidc', target: DEF, headers: (t) => bearer(t.wrongScope), status: 403, reason: 'scope_missing' },
  { name: 'an endpoint marked deny, even for an admin', server: 'oidc', target: WEIGHTS, headers: (t) => bearer(t.admin), status: 403, reason: 'endpoint_denied' },
  { name: 'a path no endpoint matches', server: 'oidc', target: '/apis/unknown/v1/things', headers: (t) => bearer(t.full), status: 403, reason: 'no_endpoint' },
  { name: 'a method the endpoint does not list', server: 'oidc', method: 'TRACE', target: DEF, headers: (t) => bearer(t.full), status: 403, reason: 'no_endpoint' },
  { name: 'trusted principal headers without a role', server: 'headers', target: RES, headers: () => ({ 'x-nmp-principal-id': 'svc-1' }), status: 403, reason: 'no_role' },
  // Public paths.
  // Anonymous: nothing is asserted upstream, not even X-NMP-Authorized, and all five are removed.
  { name: 'a public path without a credential', server: 'oidc', target: '/healthz', headers: () => ({ 'x-nmp-authorized': 'true' }), status: 200, reason: 'public', set: {} },
  { name: 'the discovery path without a credential', server: 'oidc', target: '/apis/auth/discovery', status: 200, reason: 'public' },
  { name: 'a public path with a valid token keeps the identity headers', server: 'oidc', target: '/readyz', headers: (t) => bearer(t.full), status: 200, reason: 'public', set: FULL_SET },
  // 400: paths that are refused rather than guessed at.
  { name: 'a dot-segment path', server: 'oidc', target: '/apis/../admin', headers: (t) => bearer(t.full), status: 400, reason: 'invalid_path' },
  { name: 'an encoded dot-segment path', server: 'oidc', target: '/apis/%2e%2e/admin', headers: (t) => bearer(t.full), status: 400, reason: 'invalid_path' },
  { name: 'an encoded slash', server: 'oidc', target: '/apis%2Fadmin', headers: (t) => bearer(t.full), status: 400, reason: 'invalid_path' },
  { name: 'a backslash', server: 'oidc', target: '/apis\\admin', headers: (t) => bearer(t.full), status: 400, reason: 'invalid_path' },
  { name: 'a relative path', server: 'oidc', target: 'apis/relative', headers: (t) => bearer(t.full), status: 400, reason: 'invalid_path', skip: ['ext-authz'] },
  { name: 'a malformed trusted principal header', server: 'headers', target: DEF, headers: () => ({ 'x-nmp-principal-id': 'a b' }), status: 400, reason: 'invalid_principal_header' },
  // 503: member data never loaded, so there is nothing to decide with (fail closed).
  { name: 'a known caller while no member data is loaded', server: 'unavailable', target: DEF, headers: () => ({ 'x-nmp-principal-id': 'svc-1' }), status: 503, reason: 'policy_unavailable' },
  { name: 'an anonymous caller on a public path while no member data is loaded', server: 'unavailable', target: '/healthz', status: 503, reason: 'policy_unavailable' },
];

interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** node:http sends the request target verbatim (fetch would resolve dot-segments and backslashes). */
function send(port: number, method: string, path: string, headers: Record<string, string>): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }); });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function single(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

function detailOf(body: string): string | null {
  if (body === '') return null;
  const parsed: unknown = JSON.parse(body);
  const detail = at(parsed, 'detail');
  assert.equal(typeof detail, 'string', `deny body ${body}`);
  return detail as string;
}

function identitySet(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-nmp-') && name !== 'x-nmp-decision-id') out[name] = value;
  }
  return out;
}

/** Captures the decision log lines the server writes, by decision id. */
class DecisionSink extends Writable {
  readonly byId = new Map<string, Record<string, unknown>>();
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry['msg'] === 'decision' && typeof entry['decision_id'] === 'string') this.byId.set(entry['decision_id'], entry);
    }
    done();
  }

  reasonOf(decisionId: string | null): string {
    assert.ok(decisionId !== null && decisionId !== '', 'every answer carries x-nmp-decision-id');
    const reason = this.byId.get(decisionId)?.['reason'];
    assert.equal(typeof reason, 'string', `a decision log line for ${decisionId}`);
    return reason as string;
  }
}

const GRPC_CODE: Readonly<Record<number, number>> = { 200: 0, 400: 3, 401: 16, 403: 7, 503: 14 };

class Harness {
  readonly sink = new DecisionSink();
  private running: RunningServer | null = null;
  private grpcClient: ExtAuthzClient | null = null;

  private get server(): RunningServer {
    if (this.running === null) throw new Error('server not started');
    return this.running;
  }

  private get client(): ExtAuthzClient {
    if (this.grpcClient === null) throw new Error('server not started');
    return this.grpcClient;
  }

  async start(
    auth: Record<string, unknown>,
    policy: Record<string, unknown> = {},
    members: Record<string, unknown> = { file: join(packageRoot(), 'policies', 'members.example.yaml') },
  ): Promise<void> {
    const result = buildConfig({
      server: { grpc: { port: 0 }, http: { port: 0 }, shutdown_grace_seconds: 1 },
      auth: { enabled: true, admin_email: 'admin@example.com', ...auth },
      policy,
      members,
    }, { baseDir: '/' });
    if (!result.ok) assert.fail(JSON.stringify(result.problems));
    this.running = await startServer(result.config, { logger: createLogger('info', this.sink), initialKeyRetryMs: 25 });
    await this.running.service.identity.keyStore?.whenReady();
    this.grpcClient = new ExtAuthzClient(this.running.grpcPort);
  }

  get httpPort(): number {
    return this.server.httpPort;
  }

  async stop(): Promise<void> {
    this.grpcClient?.close();
    await this.running?.stop();
  }

  async ask(transport: Transport, method: string, target: string, headers: Record<string, string>): Promise<Outcome> {
    switch (transport) {
      case 'grpc':
        return this.askGrpc(method, target, headers);
      case 'ext-authz':
        return this.answer(await send(this.server.httpPort, method, `${EXT_AUTHZ_PREFIX}${target}`, { ...headers, host: HOST }));
      case 'nginx':
        // auth_request makes a GET subrequest carrying the client's headers plus the original line.
        return this.answer(await send(this.server.httpPort, 'GET', '/apis/auth/authorize', {
          ...headers, host: HOST, 'x-original-method': method, 'x-original-uri': target,
        }));
      case 'traefik':
        return this.answer(await send(this.server.httpPort, 'GET', '/apis/auth/authorize', {
          ...headers,
          host: '127.0.0.1',
          'x-forwarded-method': method,
          'x-forwarded-proto': 'https',
          'x-forwarded-host': HOST,
          'x-forwarded-uri': target,
          'x-forwarded-for': '10.0.0.7',
        }));
      default: {
        const never: never = transport;
        throw new Error(`unknown transport ${String(never)}`);
      }
    }
  }

  private async askGrpc(method: string, target: string, headers: Record<string, string>): Promise<Outcome> {
    const res = await this.client.check({ method, path: target, host: HOST, headers });
    const reason = at(res, 'dynamic_metadata', 'fields', 'reason', 'stringValue');
    if (at(res, 'http_response') === 'ok_response') {
      const set = headerMap(at(res, 'ok_response', 'headers'));
      assert.equal(this.sink.reasonOf(set['x-nmp-decision-id'] ?? null), reason);
      assert.equal(at(res, 'status', 'code') ?? 0, 0);
      const remove = at(res, 'ok_response', 'headers_to_remove');
      return {
        status: 200,
        reason: String(reason),
        set: identitySet(set),
        remove: Array.isArray(remove) ? remove.map(String).sort() : [],
        challenge: null,
        detail: null,
      };
    }
    const status = Number(at(res, 'denied_response', 'status', 'code'));
    const headersOut = headerMap(at(res, 'denied_response', 'headers'));
    assert.equal(at(res, 'status', 'code'), GRPC_CODE[status]);
    assert.equal(at(res, 'status', 'message'), reason);
    assert.equal(headersOut['content-type'], 'application/json');
    assert.equal(this.sink.reasonOf(headersOut['x-nmp-decision-id'] ?? null), reason);
    return {
      status,
      reason: String(reason),
      set: identitySet(headersOut),
      remove: [],
      challenge: headersOut['www-authenticate'] ?? null,
      detail: detailOf(String(at(res, 'denied_response', 'body'))),
    };
  }

  private answer(res: HttpAnswer): Outcome {
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      const text = single(value);
      if (text !== null) flat[name] = text;
    }
    if (res.status !== 200) assert.equal(flat['content-type'], 'application/json');
    const remove = flat['x-envoy-auth-headers-to-remove'];
    return {
      status: res.status,
      reason: this.sink.reasonOf(flat['x-nmp-decision-id'] ?? null),
      set: identitySet(flat),
      remove: remove === undefined ? [] : remove.split(',').map((s) => s.trim()).sort(),
      challenge: flat['www-authenticate'] ?? null,
      detail: detailOf(res.body),
    };
  }
}

/** Runs the Containerfile's `nmp-authz.js build ...` line, writing the bundle to `output` instead. */
async function buildLikeTheContainer(output: string): Promise<void> {
  const containerfile = readFileSync(join(packageRoot(), 'deploy', 'container', 'Containerfile'), 'utf8');
  const line = /nmp-authz\.js (build [^\n\\]+)/.exec(containerfile)?.[1];
  if (line === undefined) assert.fail('the Containerfile runs nmp-authz build');
  const args = line.trim().split(/\s+/).slice(1);
  const o = args.indexOf('-o');
  assert.ok(o !== -1, 'the build names its output');
  args[o + 1] = output;
  let stderr = '';
  const code = await runBuild(args, { env: {}, cwd: packageRoot(), stdout: () => {}, stderr: (text) => { stderr += text; } });
  assert.equal(code, 0, stderr);
}

describe('integration: one decision table over gRPC, http_service, nginx and Traefik', function () {
  const idp = new KeyServer();
  const oidc = new Harness();
  const headers = new Harness();
  const unavailable = new Harness();
  const tokens = {} as Tokens;
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nmp-parity-'));
    const served = await createTestKey('k1', 'ES256');
    idp.keys = [served];
    await idp.start();
    // The OIDC server runs the bundle the container image builds (its Containerfile's own build
    // command, output moved here); the other compiles policies/ at start.
    const bundle = join(dir, 'policy-bundle.tar.gz');
    await buildLikeTheContainer(bundle);
    await oidc.start({
      allow_unsigned_jwt: true,
      oidc: { enabled: true, issuer: idp.issuer, client_id: 'platform', scope_prefix: 'api://platform/' },
    }, { source: bundle });
    await headers.start({ trust_principal_headers: true });
    await unavailable.start({ trust_principal_headers: true }, {}, { bundle_url: `http://127.0.0.1:${await freePort()}/members.tar.gz` });
    // Same kid as the served key, different private key: the signature check fails without a refetch.
    const impostor: TestKey = { ...(await createTestKey('k1', 'ES256')), kid: 'k1' };
    const aud = 'platform';
    tokens.full = await idp.sign({ sub: 'u-1', email: 'u1@example.com', groups: ['g1', 'g2'], scp: 'api://platform/platform:read', aud });
    tokens.bare = await idp.sign({ sub: 'u-2', aud });
    tokens.groupsString = await idp.sign({ sub: 'u-3', email: 'u3@example.com', groups: 'data-scientists,ops', aud });
    tokens.alice = await idp.sign({ sub: 'u-4', email: 'alice@example.com', aud });
    tokens.admin = await idp.sign({ sub: 'u-5', email: 'admin@example.com', aud });
    tokens.operator = await idp.sign({ sub: 'u-6', groups: ['platform-operators'], aud });
    tokens.wrongScope = await idp.sign({ sub: 'u-1', scp: 'api://platform/workspaces:read', aud });
    tokens.expired = await idp.sign({ sub: 'u-1', aud }, { nowMs: Date.now() - 3_600_000 });
    tokens.badSignature = await idp.sign({ sub: 'u-1', aud }, { key: impostor });
    tokens.wrongAudience = await idp.sign({ sub: 'u-1', aud: 'someone-else' });
    tokens.wrongIssuer = await idp.sign({ sub: 'u-1', aud, iss: 'https://other.example.com' });
    tokens.unsigned = createUnsignedToken({ email: 'dev@example.com', ttlSeconds: 600, nowMs: Date.now() });
  });
  after(async () => {
    await oidc.stop();
    await headers.stop();
    await unavailable.stop();
    await idp.stop();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('has at least 30 requests covering allow, 400, 401 and 403', () => {
    assert.ok(CASES.length >= 30);
    for (const status of [200, 400, 401, 403, 503]) assert.ok(CASES.some((c) => c.status === status), `a case answering ${status}`);
  });

  it('refuses an authorize request whose nginx and Traefik headers name different requests', async () => {
    const auth = bearer(tokens.full);
    const conflicting: readonly Record<string, string>[] = [
      { 'x-original-uri': '/healthz', 'x-forwarded-uri': RES },
      { 'x-original-uri': RES, 'x-original-method': 'GET', 'x-forwarded-method': 'DELETE' },
    ];
    for (const extra of conflicting) {
      const res = await send(oidc.httpPort, 'GET', '/apis/auth/authorize', { ...auth, ...extra });
      assert.equal(res.status, 400);
      assert.equal(typeof detailOf(res.body), 'string');
    }
    // The same value in both (a gateway chain that sets both) is one request, decided normally.
    const same = await send(oidc.httpPort, 'GET', '/apis/auth/authorize', { ...auth, 'x-original-uri': DEF, 'x-forwarded-uri': DEF });
    assert.equal(same.status, 200);
  });

  for (const c of CASES) {
    it(`answers ${c.status} ${c.reason} identically on every transport for ${c.name}`, async () => {
      const harness = { oidc, headers, unavailable }[c.server];
      const method = c.method ?? 'GET';
      const requestHeaders = c.headers?.(tokens) ?? {};
      const grpc = await harness.ask('grpc', method, c.target, requestHeaders);
      assert.equal(grpc.status, c.status, `status over gRPC (reason ${grpc.reason})`);
      assert.equal(grpc.reason, c.reason);
      if (c.set !== undefined) assert.deepEqual(grpc.set, c.set);
      if (c.status === 200) {
        // §4.3: every owned header that is not set is removed, and so is every other client x-nmp-*.
        for (const name of Object.keys(requestHeaders).filter((n) => n.startsWith('x-nmp-'))) {
          assert.ok(name in grpc.set || grpc.remove.includes(name), `${name} is overwritten or removed`);
        }
      } else {
        assert.deepEqual(grpc.set, {});
        assert.equal(typeof grpc.detail, 'string');
      }
      if (c.status === 401) assert.match(grpc.challenge ?? '', /^Bearer realm="nmp-authz"/);
      for (const transport of TRANSPORTS) {
        if (transport === 'grpc' || c.skip?.includes(transport) === true) continue;
        assert.deepEqual(await harness.ask(transport, method, c.target, requestHeaders), grpc, `${transport} agrees with gRPC`);
      }
    });
  }
});
