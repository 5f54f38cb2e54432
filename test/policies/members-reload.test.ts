import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { BundleMembersSource } from '../../src/members/bundle-members-source.js';
import { FileMembersSource } from '../../src/members/file-members-source.js';
import type { MembersDocument } from '../../src/members/members-document.js';
import type { MembersSource, Timers } from '../../src/members/members-source.js';
import { assembleData, loadStaticData, type StaticData } from '../../src/policy/data-document.js';
import { isRecord } from '../../src/shared/is-record.js';
import { writeTarGz } from '../../src/shared/tar.js';
import { compileShippedPolicy, isDecision, SHIPPED_DATA_FILES } from './policy-harness.js';

// Member data sources feeding the compiled policy, as the server wires them: every accepted
// document is assembled and set as the policy's data; refused ones never reach it.

const RELOAD_DEADLINE_MS = 2_000;
const options = { adminEmail: 'admin@example.com', defaultWorkspace: 'default', publicPaths: ['/healthz'] };
const readModels = (email: string): Record<string, unknown> => ({
  principal_id: `u-${email}`,
  principal_email: email,
  principal_groups: [],
  scopes: [],
  token_kind: 'oidc',
  claims: {},
  method: 'get',
  path: '/apis/models/v2/workspaces/team/models',
  query: {},
  host: 'nmp.example.com',
  headers: {},
});
const teamYaml = (email: string): string => `workspaces:\n  team:\n    members:\n      - {principal: ${email}, roles: [Viewer]}\n`;

/** Never fires: these tests poll by hand. */
const idleTimers: Timers = { setTimeout: () => undefined, clearTimeout: () => undefined };

describe('member data reloads into the compiled policy', () => {
  let wasm: Uint8Array;
  let staticData: StaticData;
  let dir: string;
  let source: MembersSource | undefined;

  before(async () => {
    wasm = await compileShippedPolicy();
    staticData = await loadStaticData(SHIPPED_DATA_FILES);
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nmp-authz-reload-'));
  });

  afterEach(async () => {
    await source?.stop();
    source = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts a source and returns a decide() over whatever data it last delivered, plus a wait for the next delivery. */
  async function serve(created: MembersSource): Promise<{ decide: (email: string) => string; nextUpdate: () => Promise<void>; errors: Error[] }> {
    source = created;
    const policy = await loadPolicy(wasm);
    const errors: Error[] = [];
    let notify: (() => void) | undefined;
    const onUpdate = (doc: MembersDocument): void => {
      policy.setData(assembleData(staticData, doc, options));
      notify?.();
    };
    await created.start(onUpdate, (error) => errors.push(error));
    return {
      decide: (email) => {
        const resultSet: unknown = policy.evaluate(readModels(email), 'authz/allow');
        const first: unknown = Array.isArray(resultSet) ? resultSet[0] : undefined;
        assert.ok(isRecord(first) && isDecision(first['result']));
        return first['result'].reason;
      },
      nextUpdate: () =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no reload within ${RELOAD_DEADLINE_MS} ms`)), RELOAD_DEADLINE_MS);
          notify = () => {
            clearTimeout(timer);
            notify = undefined;
            resolve();
          };
        }),
      errors,
    };
  }

  it('decides with a changed members file within 2 s', async () => {
    const file = join(dir, 'members.yaml');
    await writeFile(file, teamYaml('alice@example.com'));
    const { decide, nextUpdate } = await serve(new FileMembersSource({ path: file, recheckIntervalMs: 0, knownRoles: new Set(staticData.roles.keys()) }));
    assert.equal(decide('alice@example.com'), 'role');
    assert.equal(decide('bob@example.com'), 'no_role');
    const updated = nextUpdate();
    await writeFile(file, teamYaml('bob@example.com'));
    await updated;
    assert.equal(decide('alice@example.com'), 'no_role');
    assert.equal(decide('bob@example.com'), 'role');
  });

  it('keeps deciding with the last good members file when a broken one is written', async () => {
    const file = join(dir, 'members.yaml');
    await writeFile(file, teamYaml('alice@example.com'));
    const created = new FileMembersSource({ path: file, recheckIntervalMs: 0, knownRoles: new Set(staticData.roles.keys()) });
    const { decide, errors } = await serve(created);
    await writeFile(file, 'workspaces:\n  team:\n    members:\n      - {principal: bob@example.com, roles: [Superuser]}\n');
    await created.reload();
    assert.equal(errors.length, 1);
    assert.equal(decide('alice@example.com'), 'role');
    assert.equal(decide('bob@example.com'), 'no_role');
  });

  it('keeps deciding with the last good bundle when the bundle URL becomes unreachable', async () => {
    const body = writeTarGz([{ path: 'data.json', data: new TextEncoder().encode(JSON.stringify({ workspaces: { team: { members: [{ principal: 'alice@example.com', roles: ['Viewer'] }] } } })) }]);
    const server: Server = createServer((_req, res) => res.writeHead(200, { etag: '"v1"' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/members.tar.gz`;
    const created = new BundleMembersSource({ url, pollIntervalMs: 60_000, timers: idleTimers, knownRoles: new Set(staticData.roles.keys()) });
    const { decide, errors } = await serve(created);
    assert.equal(decide('alice@example.com'), 'role');
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    assert.equal(await created.pollOnce(), 'unreachable');
    assert.equal(errors.length, 1);
    assert.equal(decide('alice@example.com'), 'role');
  });
});
