import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_MEMBERS, type MembersDocument } from '../../src/members/members-document.js';
import { assembleData, DataDocumentError, loadStaticData, type StaticData } from '../../src/policy/data-document.js';
import { SHIPPED_DATA_FILES } from './policy-harness.js';

const baseOptions = { adminEmail: 'admin@example.com', defaultWorkspace: 'default', publicPaths: ['/healthz', '/docs/*'] };

/** The assembly uses null-prototype objects; compare what opa-wasm will receive. */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function members(workspaces: Record<string, { principal: string; roles: string[] }[]>): MembersDocument {
  return { workspaces: new Map(Object.entries(workspaces)) };
}

describe('loadStaticData', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nmp-authz-data-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function load(files: Record<string, string>): Promise<StaticData> {
    const paths: string[] = [];
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, name);
      await writeFile(path, text);
      paths.push(path);
    }
    return loadStaticData(paths);
  }

  async function problemsOf(files: Record<string, string>): Promise<{ where: string; message: string }[]> {
    try {
      await load(files);
    } catch (error: unknown) {
      assert.ok(error instanceof DataDocumentError, String(error));
      return [...error.problems];
    }
    assert.fail('expected the data to be refused');
  }

  const roles = 'roles:\n  Viewer: {permissions: [a.read]}\n  Editor: {permissions: [a.write], includes: [Viewer]}\n';

  it('loads the shipped roles and an endpoint map of at least 30 patterns', async () => {
    const data = await loadStaticData(SHIPPED_DATA_FILES);
    assert.deepEqual([...data.roles.keys()].sort(), ['Admin', 'Editor', 'PlatformAdmin', 'Viewer', 'WorkspaceCreator']);
    assert.ok(data.endpoints.size >= 30, `${data.endpoints.size} patterns`);
  });

  it('merges roles and endpoints from several files, YAML and JSON', async () => {
    const data = await load({ 'roles.yaml': roles, 'endpoints.json': JSON.stringify({ endpoints: { '/a/{workspace}': { get: { permissions: ['a.read'], scopes: ['a:read'] } } } }) });
    assert.deepEqual(data.roles.get('Editor'), { permissions: ['a.write'], includes: ['Viewer'] });
    assert.deepEqual(data.endpoints.get('/a/{workspace}')?.get('get'), { permissions: ['a.read'], scopes: ['a:read'], deny: false });
  });

  it('names the file and role of an unknown included role', async () => {
    const problems = await problemsOf({ 'roles.yaml': 'roles:\n  Editor: {permissions: [], includes: [Viewr]}\n' });
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.where, `${join(dir, 'roles.yaml')}: roles.Editor.includes`);
  });

  it('refuses roles that include each other', async () => {
    const problems = await problemsOf({ 'roles.yaml': 'roles:\n  A: {includes: [B]}\n  B: {includes: [A]}\n' });
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.where ?? '', /roles\.A\.includes$/);
  });

  it('refuses a role defined in two files and names the first', async () => {
    const problems = await problemsOf({ 'one.yaml': roles, 'two.yaml': 'roles:\n  Viewer: {permissions: [b.read]}\n' });
    assert.deepEqual(problems.map((p) => p.where), [`${join(dir, 'two.yaml')}: roles.Viewer`]);
    assert.ok(problems[0]?.message.includes(join(dir, 'one.yaml')));
  });

  for (const [label, endpoints, where] of [
    ['an upper-case method', "'/a': {GET: {permissions: []}}", 'endpoints./a.GET'],
    ['a pattern without a leading slash', "'a/b': {get: {}}", 'endpoints.a/b'],
    ['a placeholder inside a segment', "'/a/x{id}': {get: {}}", 'endpoints./a/x{id}'],
    ['a trailing slash', "'/a/': {get: {}}", 'endpoints./a/'],
    ['permissions that are not a list', "'/a': {get: {permissions: a.read}}", 'endpoints./a.get.permissions'],
    ['deny that is not a boolean', "'/a': {get: {deny: 'yes'}}", 'endpoints./a.get.deny'],
    ['an unknown rule key', "'/a': {get: {permission: [x]}}", 'endpoints./a.get.permission'],
  ] as const) {
    it(`refuses ${label} and names the entry`, async () => {
      const problems = await problemsOf({ 'endpoints.yaml': `endpoints:\n  ${endpoints}\n` });
      assert.deepEqual(problems.map((p) => p.where), [`${join(dir, 'endpoints.yaml')}: ${where}`]);
    });
  }

  it('refuses two patterns that match the same paths with the same method', async () => {
    const problems = await problemsOf({ 'endpoints.yaml': "endpoints:\n  '/a/{x}': {get: {}}\n  '/a/{y}': {get: {}}\n" });
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.where ?? '', /endpoints\.\/a\/\{y\}\.get$/);
  });

  it('allows same-shaped patterns for different methods', async () => {
    const data = await load({ 'endpoints.yaml': "endpoints:\n  '/a/{x}': {get: {}}\n  '/a/{y}': {post: {}}\n" });
    assert.equal(data.endpoints.size, 2);
  });

  it('refuses unknown top-level keys', async () => {
    const problems = await problemsOf({ 'data.yaml': 'principals: {}\n' });
    assert.deepEqual(problems.map((p) => p.where), [`${join(dir, 'data.yaml')}: principals`]);
  });

  it('names a file that cannot be parsed', async () => {
    const problems = await problemsOf({ 'bad.json': '{"roles":' });
    assert.deepEqual(problems.map((p) => p.where), [join(dir, 'bad.json')]);
  });
});

describe('assembleData', () => {
  let shipped: StaticData;
  before(async () => {
    shipped = await loadStaticData(SHIPPED_DATA_FILES);
  });

  it('binds everyone as Editor in the default workspace and Viewer + WorkspaceCreator in system', () => {
    const { authz } = assembleData(shipped, EMPTY_MEMBERS, { ...baseOptions, defaultWorkspace: 'sandbox' });
    assert.deepEqual(plain(authz.principals['*']), { workspaces: { sandbox: ['Editor'], system: ['Viewer', 'WorkspaceCreator'] } });
  });

  it('binds admin_email as PlatformAdmin in system', () => {
    const { authz } = assembleData(shipped, EMPTY_MEMBERS, baseOptions);
    assert.deepEqual(plain(authz.principals['admin@example.com']), { workspaces: { system: ['PlatformAdmin'] } });
    assert.equal(authz.config.admin_email, 'admin@example.com');
  });

  it('binds no PlatformAdmin without admin_email', () => {
    const { authz } = assembleData(shipped, EMPTY_MEMBERS, { ...baseOptions, adminEmail: undefined });
    assert.deepEqual(Object.keys(authz.principals), ['*']);
    assert.equal(authz.config.admin_email, null);
  });

  it('adds member bindings to the defaults without duplicates', () => {
    const doc = members({ system: [{ principal: '*', roles: ['Viewer', 'Editor'] }], team: [{ principal: 'g1', roles: ['Admin'] }, { principal: 'g1', roles: ['Viewer'] }] });
    const { authz } = assembleData(shipped, doc, baseOptions);
    assert.deepEqual(authz.principals['*']?.workspaces['system'], ['Editor', 'Viewer', 'WorkspaceCreator']);
    assert.deepEqual(plain(authz.principals['g1']), { workspaces: { team: ['Admin', 'Viewer'] } });
  });

  it('refuses member bindings to roles the static data does not define', () => {
    assert.throws(
      () => assembleData(shipped, members({ team: [{ principal: 'x', roles: ['Owner'] }] }), baseOptions),
      (error: unknown) => error instanceof DataDocumentError && error.problems[0]?.where === 'members: workspaces.team.members[0]',
    );
  });

  it('closes role inclusion transitively', () => {
    const { authz } = assembleData(shipped, EMPTY_MEMBERS, baseOptions);
    assert.deepEqual(authz.role_closure['Admin'], ['Admin', 'Editor', 'Viewer']);
    assert.deepEqual(authz.role_closure['Viewer'], ['Viewer']);
    assert.deepEqual(authz.role_closure['PlatformAdmin'], ['Admin', 'Editor', 'PlatformAdmin', 'Viewer', 'WorkspaceCreator']);
  });

  it('ranks a literal segment ahead of a placeholder at the same place', () => {
    const { authz } = assembleData(shipped, EMPTY_MEMBERS, baseOptions);
    const rank = (pattern: string): number => authz.endpoint_list.findIndex((e) => e.pattern === pattern);
    assert.ok(rank('/apis/models/v2/workspaces/{workspace}/models/_search') < rank('/apis/models/v2/workspaces/{workspace}/models/{name}'));
    assert.ok(rank('/apis/models/v2/health') < rank('/apis/{api}/v2/health'));
    authz.endpoint_list.forEach((entry, i) => assert.equal(entry.rank, i));
  });

  it('buckets patterns by segment count and first two segments, placeholders there going to wild', () => {
    const { authz } = assembleData(shipped, EMPTY_MEMBERS, baseOptions);
    const bucket = authz.endpoint_index[5];
    const generic = authz.endpoint_list.findIndex((e) => e.pattern === '/apis/{api}/v2/health');
    assert.deepEqual(bucket?.wild, [generic]);
    const models = bucket?.by_prefix['apis']?.['models'] ?? [];
    assert.deepEqual(models.map((r) => authz.endpoint_list[r]?.pattern), ['/apis/models/v2/health']);
  });

  it('keeps the candidates per request few: no bucket holds more than 8 patterns', () => {
    const { authz } = assembleData(shipped, EMPTY_MEMBERS, baseOptions);
    for (const bucket of authz.endpoint_index) {
      assert.ok(bucket.wild.length <= 8);
      for (const level of Object.values(bucket.by_prefix)) for (const ranks of Object.values(level)) assert.ok(ranks.length <= 8, `${ranks.length} candidates`);
    }
  });

  it('locates the workspace at {workspace}, else after a literal workspaces, else nowhere', () => {
    const { authz } = assembleData(shipped, EMPTY_MEMBERS, baseOptions);
    const at = (pattern: string): number | undefined => authz.endpoint_list.find((e) => e.pattern === pattern)?.workspace_at;
    assert.equal(at('/apis/models/v2/workspaces/{workspace}/models'), 5);
    assert.equal(at('/apis/workspaces/v2/workspaces/{name}/usage'), 5);
    assert.equal(at('/apis/workspaces/v2/workspaces'), undefined);
    assert.equal(at('/apis/platform/v2/settings'), undefined);
  });

  it('splits public paths into exact paths and prefixes', () => {
    const { authz } = assembleData(shipped, EMPTY_MEMBERS, baseOptions);
    assert.deepEqual({ ...authz.config.public_exact }, { '/healthz': true, '/docs': true });
    assert.deepEqual(authz.config.public_prefixes, ['/docs/']);
  });

  it('refuses a public path that is neither exact nor /prefix/*', () => {
    assert.throws(() => assembleData(shipped, EMPTY_MEMBERS, { ...baseOptions, publicPaths: ['/docs*'] }), DataDocumentError);
  });

  it('produces a document that survives JSON, as opa-wasm receives it', () => {
    const doc = members({ constructor: [{ principal: '__proto__', roles: ['Viewer'] }] });
    const data = assembleData(shipped, doc, baseOptions);
    const roundTrip: unknown = JSON.parse(JSON.stringify(data));
    assert.deepEqual(roundTrip, JSON.parse(JSON.stringify(data)));
    assert.deepEqual((roundTrip as { authz: { principals: Record<string, unknown> } }).authz.principals['__proto__'], { workspaces: { constructor: ['Viewer'] } });
  });
});
