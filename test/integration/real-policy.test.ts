// The shipped policies compiled by the built-in compiler, run by opa-wasm, behind the gRPC server,
// with oidc-provider issuing the tokens: the whole product on loopback.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/cli/serve.js';
import { buildConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { ExtAuthzClient, at, headerMap } from './support/ext-authz-client.js';
import { TestOidcProvider } from './support/test-oidc-provider.js';

const MEMBERS = `workspaces:
  ml-team:
    members:
      - {principal: data-scientists, roles: [Editor]}
`;

describe('integration: shipped policies through gRPC with a real IdP', () => {
  let dir = '';
  let provider: TestOidcProvider;
  let server: RunningServer;
  let client: ExtAuthzClient;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nmp-real-'));
    await writeFile(join(dir, 'members.yaml'), MEMBERS);
    provider = await TestOidcProvider.create();
    await provider.start();
    const result = buildConfig({
      server: { grpc: { port: 0 }, http: { port: 0 }, shutdown_grace_seconds: 1 },
      auth: { enabled: true, admin_email: 'root@example.com', oidc: { enabled: true, issuer: provider.issuer, client_id: 'platform' } },
      members: { file: 'members.yaml' },
      logging: { level: 'silent' },
    }, { baseDir: dir });
    if (!result.ok) assert.fail(JSON.stringify(result.problems));
    server = await startServer(result.config, { logger: createLogger('silent') });
    await server.service.identity.keyStore?.whenReady();
    client = new ExtAuthzClient(server.grpcPort);
  });
  after(async () => {
    client.close();
    await server.stop();
    await provider.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    provider.claims = { email: 'alice@example.com', groups: ['data-scientists'] };
  });

  async function decide(method: string, path: string, opts: { scope?: string; anonymous?: boolean } = {}): Promise<unknown> {
    const headers: Record<string, string> = opts.anonymous === true ? {} : { authorization: `Bearer ${await provider.accessToken('RS256', opts.scope ?? 'platform:read platform:write')}` };
    return client.check({ method, path, headers });
  }

  const table: ReadonlyArray<readonly [string, string, { scope?: string; anonymous?: boolean }, number, string]> = [
    ['GET', '/apis/models/v2/workspaces/ml-team/models', {}, 200, 'role'],
    ['POST', '/apis/models/v2/workspaces/ml-team/models', {}, 200, 'role'],
    ['POST', '/apis/models/v2/workspaces/ml-team/models', { scope: 'platform:read' }, 403, 'scope_missing'],
    ['PUT', '/apis/workspaces/v2/workspaces/ml-team/settings', {}, 403, 'permission_missing'],
    ['GET', '/apis/models/v2/workspaces/research/models', {}, 403, 'no_role'],
    ['GET', '/apis/models/v2/workspaces/default/models', {}, 200, 'role'],
    ['GET', '/apis/models/v2/workspaces/ml-team/models', { anonymous: true }, 401, 'unauthenticated'],
    ['GET', '/apis/nothing/here', {}, 403, 'no_endpoint'],
    ['GET', '/healthz', { anonymous: true }, 200, 'public'],
  ];
  for (const [method, path, opts, status, reason] of table) {
    it(`answers ${status} ${reason} for ${method} ${path}${opts.anonymous === true ? ' (anonymous)' : ''}${opts.scope === undefined ? '' : ` with scope ${opts.scope}`}`, async () => {
      const res = await decide(method, path, opts);
      if (status === 200) {
        assert.equal(at(res, 'http_response'), 'ok_response');
      } else {
        assert.equal(at(res, 'denied_response', 'status', 'code'), status);
      }
      assert.equal(at(res, 'dynamic_metadata', 'fields', 'reason', 'stringValue'), reason);
    });
  }

  it('lets admin_email through everywhere as PlatformAdmin', async () => {
    provider.claims = { email: 'root@example.com' };
    const res = await decide('PUT', '/apis/workspaces/v2/workspaces/research/settings');
    assert.equal(at(res, 'dynamic_metadata', 'fields', 'reason', 'stringValue'), 'platform_admin');
    assert.equal(headerMap(at(res, 'ok_response', 'headers'))['x-nmp-principal-email'], 'root@example.com');
  });

  it('reports the request workspace in dynamic metadata', async () => {
    const res = await decide('GET', '/apis/models/v2/workspaces/ml-team/models');
    assert.equal(at(res, 'dynamic_metadata', 'fields', 'workspace', 'stringValue'), 'ml-team');
  });
});
