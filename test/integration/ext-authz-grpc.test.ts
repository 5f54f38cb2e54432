import { strict as assert } from 'node:assert';
import type { ServiceError } from '@grpc/grpc-js';
import { SignJWT } from 'jose';
import { startServer, type RunningServer } from '../../src/cli/serve.js';
import { buildConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { ExtAuthzClient, at, checkRequest, headerMap } from './support/ext-authz-client.js';
import { KeyServer, createTestKey } from './support/key-server.js';
import { TestOidcProvider, freePort } from './support/test-oidc-provider.js';
import { createUnsignedToken } from '../../src/identity/create-unsigned-token.js';

function serverConfig(issuer: string, auth: Record<string, unknown> = {}): Config {
  const result = buildConfig({
    server: { grpc: { port: 0 }, http: { port: 0 }, shutdown_grace_seconds: 2 },
    auth: { enabled: true, ...auth, oidc: { enabled: true, issuer, client_id: 'platform', ...(auth['oidc'] as object | undefined) } },
    logging: { level: 'silent' },
  }, { baseDir: '/' });
  if (!result.ok) assert.fail(JSON.stringify(result.problems));
  return result.config;
}

// Everyone is Editor in the default workspace (§8.4) and nobody holds a role in `research`.
const ALLOWED = '/apis/models/v2/workspaces/default/models';
const NO_ROLE = '/apis/models/v2/workspaces/research/models';

/** The shipped policies, compiled at start and run by opa-wasm: the real product. */
async function start(config: Config): Promise<RunningServer> {
  return startServer(config, { logger: createLogger('silent'), initialKeyRetryMs: 25 });
}

describe('integration: ext_authz over gRPC with oidc-provider as the IdP', () => {
  let provider: TestOidcProvider;
  let server: RunningServer;
  let client: ExtAuthzClient;

  before(async () => {
    provider = await TestOidcProvider.create();
    await provider.start();
    server = await start(serverConfig(provider.issuer));
    await server.service.identity.keyStore?.whenReady();
    client = new ExtAuthzClient(server.grpcPort);
  });
  after(async () => {
    client.close();
    await server.stop();
    await provider.stop();
  });
  beforeEach(() => {
    provider.claims = { email: 'alice@example.com', groups: ['data-scientists', 'ml-team'] };
  });

  it('allows a valid RS256 access token with the §4.3 headers, removals and metadata', async () => {
    const token = await provider.accessToken('RS256');
    const res = await client.check({ path: ALLOWED, headers: { authorization: `Bearer ${token}`, 'x-nmp-principal-id': 'forged', 'x-nmp-extra': '1' } });
    assert.equal(at(res, 'status', 'code') ?? 0, 0);
    assert.equal(at(res, 'http_response'), 'ok_response');
    const headers = headerMap(at(res, 'ok_response', 'headers'));
    assert.equal(headers['x-nmp-principal-id'], 'platform');
    assert.equal(headers['x-nmp-principal-email'], 'alice@example.com');
    assert.equal(headers['x-nmp-principal-groups'], 'data-scientists,ml-team');
    assert.equal(headers['x-nmp-scopes'], 'platform:read');
    assert.equal(headers['x-nmp-authorized'], 'true');
    assert.match(headers['x-nmp-decision-id'] ?? '', /^[0-9a-f-]{36}$/);
    const actions = (at(res, 'ok_response', 'headers') as unknown[]).map((o) => at(o, 'append_action'));
    assert.ok(actions.every((a) => a === 2), 'every header overwrites');
    assert.deepEqual(at(res, 'ok_response', 'headers_to_remove'), ['x-nmp-extra']);
    assert.equal(at(res, 'dynamic_metadata', 'fields', 'principal_id', 'stringValue'), 'platform');
    assert.equal(at(res, 'dynamic_metadata', 'fields', 'workspace', 'stringValue'), 'default');
    assert.equal(at(res, 'dynamic_metadata', 'fields', 'decision_id', 'stringValue'), headers['x-nmp-decision-id']);
  });

  it('allows a valid ES256 access token', async () => {
    const res = await client.check({ path: ALLOWED, headers: { authorization: `Bearer ${await provider.accessToken('ES256')}` } });
    assert.equal(at(res, 'http_response'), 'ok_response');
  });

  it('lists every owned header for removal when the IdP sends no groups or email', async () => {
    provider.claims = {};
    const res = await client.check({ path: ALLOWED, headers: { authorization: `Bearer ${await provider.accessToken()}` } });
    assert.deepEqual(at(res, 'ok_response', 'headers_to_remove'), ['x-nmp-principal-email', 'x-nmp-principal-groups']);
  });

  it('reads groups sent by the IdP as a comma-separated string', async () => {
    provider.claims = { email: 'alice@example.com', groups: 'admins,ops' };
    const res = await client.check({ path: ALLOWED, headers: { authorization: `Bearer ${await provider.accessToken()}` } });
    assert.equal(headerMap(at(res, 'ok_response', 'headers'))['x-nmp-principal-groups'], 'admins,ops');
  });

  it('answers 401 with a bare challenge and a JSON body when no credential is sent', async () => {
    const res = await client.check({ path: ALLOWED });
    assert.equal(at(res, 'status', 'code'), 16);
    assert.equal(at(res, 'denied_response', 'status', 'code'), 401);
    const headers = headerMap(at(res, 'denied_response', 'headers'));
    assert.equal(headers['www-authenticate'], 'Bearer realm="nmp-authz"');
    assert.equal(headers['content-type'], 'application/json');
    const body: unknown = JSON.parse(String(at(res, 'denied_response', 'body')));
    assert.equal(typeof at(body, 'detail'), 'string');
  });

  it('answers 401 with error="invalid_token" for a garbage token, even on a public path', async () => {
    const res = await client.check({ path: '/healthz', headers: { authorization: 'Bearer a.b.c' } });
    assert.equal(at(res, 'denied_response', 'status', 'code'), 401);
    assert.equal(headerMap(at(res, 'denied_response', 'headers'))['www-authenticate'], 'Bearer realm="nmp-authz", error="invalid_token"');
  });

  it('answers 403 (PERMISSION_DENIED) when the policy denies an authenticated caller', async () => {
    const res = await client.check({ path: NO_ROLE, headers: { authorization: `Bearer ${await provider.accessToken()}` } });
    assert.equal(at(res, 'status', 'code'), 7);
    assert.equal(at(res, 'denied_response', 'status', 'code'), 403);
    assert.equal(at(res, 'status', 'message'), 'no_role');
  });

  for (const path of ['/apis/../admin', '/apis/%2e%2e/admin', '/apis%2Fadmin', '/apis\\admin', 'apis/relative']) {
    it(`answers 400 (INVALID_ARGUMENT) for the path ${JSON.stringify(path)}`, async () => {
      const res = await client.check({ path, headers: { authorization: `Bearer ${await provider.accessToken()}` } });
      assert.equal(at(res, 'status', 'code'), 3);
      assert.equal(at(res, 'denied_response', 'status', 'code'), 400);
    });
  }

  it('answers 401 for a 64 KB token', async () => {
    const res = await client.check({ headers: { authorization: `Bearer ${'a'.repeat(64 * 1024)}.b.c` } });
    assert.equal(at(res, 'denied_response', 'status', 'code'), 401);
  });

  it('answers 401 for an authorization header carrying non-UTF-8 bytes', async () => {
    const token = await provider.accessToken();
    const request = checkRequest({ headers: { authorization: `Bearer ${token}PLACEHOLDER` } });
    const res = await client.checkWithRawBytes(request, 'PLACEHOLDER', Buffer.alloc(11, 0xff));
    assert.equal(at(res, 'denied_response', 'status', 'code'), 401);
  });

  it('answers 401 for raw (encode_raw_headers) header bytes that are not UTF-8', async () => {
    const request = checkRequest({});
    const http = at(request, 'attributes', 'request', 'http') as Record<string, unknown>;
    http['header_map'] = { headers: [{ key: 'authorization', raw_value: Buffer.from([0x42, 0x65, 0x61, 0x72, 0x65, 0x72, 0x20, 0xc3, 0x28, 0x2e, 0x61, 0x2e]) }] };
    const res = await client.check(request, true);
    assert.equal(at(res, 'denied_response', 'status', 'code'), 401);
  });

  it('answers a CheckRequest without HTTP attributes with an INVALID_ARGUMENT error', async () => {
    await assert.rejects(client.check({ attributes: {} }, true), (err: ServiceError) => err.code === 3);
  });

  it('survives arbitrary bytes as a CheckRequest and inside header values, and keeps serving', async () => {
    let seed = 7;
    const next = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; };
    for (let i = 0; i < 40; i += 1) {
      const bytes = Buffer.from(Array.from({ length: 1 + (next() % 300) }, () => next() % 256));
      const request = checkRequest({ path: ALLOWED, headers: { 'x-pad': 'P'.repeat(bytes.length) } });
      // Overwrite the padding with random bytes: field structure up front, garbage inside.
      const answered = (res: unknown): void => { assert.ok(at(res, 'ok_response') !== undefined || at(res, 'denied_response') !== undefined); };
      const failed = (err: ServiceError): void => { assert.ok([3, 13].includes(err.code), `unexpected gRPC code ${err.code}`); };
      await client.checkWithRawBytes(request, 'P'.repeat(bytes.length), bytes).then(answered, failed);
      await client.checkRaw(bytes).then(answered, failed);
    }
    assert.equal(at(await client.healthCheck(), 'status'), 1);
    const res = await client.check({ path: ALLOWED, headers: { authorization: `Bearer ${await provider.accessToken()}` } });
    assert.equal(at(res, 'http_response'), 'ok_response');
  });

  it('reports SERVING on grpc.health.v1 and NOT_FOUND for unknown services', async () => {
    assert.equal(at(await client.healthCheck(), 'status'), 1);
    assert.equal(at(await client.healthCheck('envoy.service.auth.v3.Authorization'), 'status'), 1);
    await assert.rejects(client.healthCheck('nope'), (err: ServiceError) => err.code === 5);
  });

});

describe('integration: IdP availability', () => {
  it('keeps verifying with cached keys after the IdP stops', async () => {
    const provider = await TestOidcProvider.create();
    await provider.start();
    const server = await start(serverConfig(provider.issuer));
    const client = new ExtAuthzClient(server.grpcPort);
    try {
      await server.service.identity.keyStore?.whenReady();
      const token = await provider.accessToken('ES256');
      await provider.stop();
      assert.equal(await server.service.identity.keyStore?.refresh(), false);
      const res = await client.check({ path: ALLOWED, headers: { authorization: `Bearer ${token}` } });
      assert.equal(at(res, 'http_response'), 'ok_response');
    } finally {
      client.close();
      await server.stop();
      await provider.stop();
    }
  });

  it('is not ready while the IdP is down at start, then becomes ready (and Watch says so) when it comes up', async () => {
    const provider = await TestOidcProvider.create();
    const server = await start(serverConfig(provider.issuer));
    const client = new ExtAuthzClient(server.grpcPort);
    try {
      assert.equal(at(await client.healthCheck(), 'status'), 2);
      const statuses: unknown[] = [];
      let sawServing = (): void => {};
      const serving = new Promise<void>((resolve) => { sawServing = resolve; });
      const watch = client.watchHealth((s) => { statuses.push(s); if (s === 1) sawServing(); });
      const ready = await fetch(`http://127.0.0.1:${server.httpPort}/readyz`);
      assert.equal(ready.status, 503);
      const details = await ready.json() as Record<string, unknown>;
      assert.deepEqual([details['policy_loaded'], details['data_loaded'], details['keys_loaded']], [true, true, false]);
      await provider.start();
      await server.service.identity.keyStore?.whenReady();
      await serving;
      watch.cancel();
      assert.deepEqual(statuses, [2, 1]);
      assert.equal(at(await client.healthCheck(), 'status'), 1);
      assert.equal((await fetch(`http://127.0.0.1:${server.httpPort}/readyz`)).status, 200);
      const res = await client.check({ path: ALLOWED, headers: { authorization: `Bearer ${await provider.accessToken()}` } });
      assert.equal(at(res, 'http_response'), 'ok_response');
    } finally {
      client.close();
      await server.stop();
      await provider.stop();
    }
  });
});

describe('integration: ext_authz over gRPC with a controlled JWKS', () => {
  const idp = new KeyServer();
  let server: RunningServer;
  let client: ExtAuthzClient;

  before(async () => {
    idp.keys = [await createTestKey('k1')];
    await idp.start();
    server = await start(serverConfig(idp.issuer, { oidc: { additional_issuers: ['https://sts.windows.net/t/'], provider: 'azure-ad' } }));
    await server.service.identity.keyStore?.whenReady();
    client = new ExtAuthzClient(server.grpcPort);
  });
  after(async () => {
    client.close();
    await server.stop();
    await idp.stop();
  });

  it('maps the Azure preset (oid, upn) for a token from the additional v1 issuer', async () => {
    const token = await idp.sign({ sub: 'pairwise', oid: 'oid-42', upn: 'bob@contoso.com', aud: 'platform', iss: 'https://sts.windows.net/t/' });
    const headers = headerMap(at(await client.check({ path: ALLOWED, headers: { authorization: `Bearer ${token}` } }), 'ok_response', 'headers'));
    assert.equal(headers['x-nmp-principal-id'], 'oid-42');
    assert.equal(headers['x-nmp-principal-email'], 'bob@contoso.com');
  });

  const nowS = Math.floor(Date.now() / 1000);
  const refused: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ['an expired token', { iat: nowS - 7200, exp: nowS - 3600 }, 'token_expired'],
    ['a token whose nbf is in the future', { nbf: nowS + 3600 }, 'token_not_yet_valid'],
    ['a token from another issuer', { iss: 'https://evil.example.com/' }, 'invalid_issuer'],
    ['a token for another audience', { aud: 'other-client' }, 'invalid_audience'],
  ];
  for (const [what, claims, reason] of refused) {
    it(`answers 401 ${reason} with error="invalid_token" for ${what}`, async () => {
      const token = await idp.sign({ oid: 'o', aud: 'platform', ...claims });
      const res = await client.check({ path: ALLOWED, headers: { authorization: `Bearer ${token}` } });
      assert.equal(at(res, 'status', 'code'), 16);
      assert.equal(at(res, 'denied_response', 'status', 'code'), 401);
      assert.equal(at(res, 'status', 'message'), reason);
      assert.equal(headerMap(at(res, 'denied_response', 'headers'))['www-authenticate'], 'Bearer realm="nmp-authz", error="invalid_token"');
    });
  }

  it('answers 401 algorithm_not_allowed for an HS256 token keyed with the RSA public key', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(idp.keys[0]?.publicJwk));
    const token = await new SignJWT({ oid: 'o', aud: 'platform', iss: idp.issuer, iat: nowS, exp: nowS + 60 })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(secret);
    const res = await client.check({ path: ALLOWED, headers: { authorization: `Bearer ${token}` } });
    assert.equal(at(res, 'status', 'message'), 'algorithm_not_allowed');
  });

  it('answers 401 unsigned_jwt_not_allowed for alg none without allow_unsigned_jwt', async () => {
    const token = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ oid: 'o', exp: 9e9, iat: 1 })).toString('base64url')}.`;
    const res = await client.check({ headers: { authorization: `Bearer ${token}` } });
    assert.equal(at(res, 'status', 'message'), 'unsigned_jwt_not_allowed');
    const body: unknown = JSON.parse(String(at(res, 'denied_response', 'body')));
    assert.equal(at(body, 'detail'), 'Unsigned JWTs are not accepted. Set auth.allow_unsigned_jwt=true for local development.');
  });
});

describe('integration: no policy data loaded', () => {
  it('answers 503 (UNAVAILABLE) and reports NOT_SERVING while member data cannot be fetched: fail closed', async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}/members.tar.gz`;
    const result = buildConfig({
      server: { grpc: { port: 0 }, http: { port: 0 } },
      auth: { enabled: true, allow_unsigned_jwt: true },
      members: { bundle_url: unreachable, poll_interval_seconds: 3600 },
      logging: { level: 'silent' },
    }, { baseDir: '/' });
    if (!result.ok) assert.fail(JSON.stringify(result.problems));
    const server = await start(result.config);
    const client = new ExtAuthzClient(server.grpcPort);
    try {
      const token = createUnsignedToken({ email: 'dev@example.com', ttlSeconds: 60, nowMs: Date.now() });
      const res = await client.check({ path: ALLOWED, headers: { authorization: `Bearer ${token}` } });
      assert.equal(at(res, 'status', 'code'), 14);
      assert.equal(at(res, 'denied_response', 'status', 'code'), 503);
      assert.equal(at(res, 'status', 'message'), 'policy_unavailable');
      assert.equal(at(await client.healthCheck(), 'status'), 2);
    } finally {
      client.close();
      await server.stop();
    }
  });
});

describe('integration: graceful shutdown', () => {
  it('finishes an in-flight check after stop() and refuses new connections', async () => {
    const idp = new KeyServer();
    idp.keys = [await createTestKey('k1')];
    await idp.start();
    const server = await start(serverConfig(idp.issuer));
    const client = new ExtAuthzClient(server.grpcPort);
    try {
      await server.service.identity.keyStore?.whenReady();
      // A token signed by a key the server has not seen yet: its check waits on a JWKS refetch we hold.
      const rotated = await createTestKey('k2');
      idp.keys = [...idp.keys, rotated];
      let release = (): void => {};
      idp.gate = new Promise((resolve) => { release = resolve; });
      const arrived = idp.nextJwksRequest();
      const inFlight = client.check({ path: ALLOWED, headers: { authorization: `Bearer ${await idp.sign({ sub: 'u', aud: 'platform' }, { key: rotated })}` } });
      await arrived;
      const stopped = server.stop();
      release();
      const res = await inFlight;
      assert.equal(at(res, 'http_response'), 'ok_response');
      await stopped;
      const late = new ExtAuthzClient(server.grpcPort);
      await assert.rejects(late.check({}), (err: ServiceError) => err.code === 14);
      late.close();
    } finally {
      client.close();
      await server.stop();
      await idp.stop();
    }
  });
});
