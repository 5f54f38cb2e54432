import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { parse as parseYaml } from 'yaml';
import { parseMembersText } from '../../src/members/members-document.js';
import { assembleData, loadStaticData } from '../../src/policy/data-document.js';
import { isRecord } from '../../src/shared/is-record.js';
import { compileShippedPolicy, type Decision, isDecision, SHIPPED_DATA_FILES } from './policy-harness.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ALLOWING_REASONS = new Set(['public', 'platform_admin', 'role']);

interface Identity {
  readonly principal_id: string | null;
  readonly principal_email: string | null;
  readonly principal_groups: readonly string[];
  readonly token_kind: 'oidc' | 'unsigned' | 'header' | 'none';
}

interface DecisionCase {
  readonly name: string;
  readonly who: string;
  readonly members: string;
  readonly method: string;
  readonly path: string;
  readonly scopes: readonly string[];
  readonly groups: readonly string[] | undefined;
  readonly reason: string;
  readonly endpoint?: string | null;
  readonly workspace?: string | null;
  readonly roles?: readonly string[];
}

interface DecisionTable {
  readonly config: { readonly admin_email: string; readonly default_workspace: string; readonly public_paths: readonly string[] };
  readonly extraData: readonly string[];
  readonly members: ReadonlyMap<string, string>;
  readonly identities: ReadonlyMap<string, Identity>;
  readonly cases: readonly DecisionCase[];
}

// Read synchronously: mocha needs the case list while it collects tests.
const table = loadTable(join(HERE, 'decisions.cases.yaml'));

describe('authz policy decisions (compiled to Wasm, evaluated with opa-wasm)', () => {
  const policies = new Map<string, Awaited<ReturnType<typeof loadPolicy>>>();

  before(async () => {
    const wasm = await compileShippedPolicy();
    const staticData = await loadStaticData([...SHIPPED_DATA_FILES, ...table.extraData.map((file) => join(HERE, file))]);
    const knownRoles = new Set(staticData.roles.keys());
    for (const [variant, file] of table.members) {
      const parsed = parseMembersText(await readFile(join(HERE, file), 'utf8'), 'yaml', { knownRoles });
      if (!parsed.ok) throw new Error(`${file}: ${parsed.problems.map((p) => p.message).join('; ')}`);
      const policy = await loadPolicy(wasm);
      policy.setData(
        assembleData(staticData, parsed.document, {
          adminEmail: table.config.admin_email,
          defaultWorkspace: table.config.default_workspace,
          publicPaths: table.config.public_paths,
        }),
      );
      policies.set(variant, policy);
    }
  });

  it('has at least 150 decisions in its table', () => {
    assert.ok(table.cases.length >= 150, `only ${table.cases.length} cases`);
  });

  for (const testCase of table.cases) {
    it(testCase.name, () => {
      const policy = policies.get(testCase.members);
      assert.ok(policy, `no policy for members variant ${testCase.members}`);
      const identity = table.identities.get(testCase.who);
      assert.ok(identity, `unknown identity ${testCase.who}`);
      const input = {
        ...identity,
        principal_groups: testCase.groups ?? identity.principal_groups,
        scopes: testCase.scopes,
        claims: identity.principal_id === null ? {} : { sub: identity.principal_id },
        method: testCase.method,
        path: testCase.path,
        query: {},
        host: 'nmp.example.com',
        headers: { 'user-agent': 'decision-table' },
      };
      const resultSet: unknown = policy.evaluate(input, 'authz/allow');
      const decision = singleDecision(resultSet);
      assert.equal(decision.reason, testCase.reason);
      assert.equal(decision.allowed, ALLOWING_REASONS.has(testCase.reason));
      assert.deepEqual(decision.headers, {});
      if (testCase.endpoint !== undefined) assert.equal(decision.endpoint, testCase.endpoint);
      if (testCase.workspace !== undefined) assert.equal(decision.workspace, testCase.workspace);
      if (testCase.roles !== undefined) assert.deepEqual([...decision.roles].sort(), testCase.roles);
    });
  }
});

describe('authz policy with malformed input', () => {
  let policy: Awaited<ReturnType<typeof loadPolicy>>;

  before(async () => {
    policy = await loadPolicy(await compileShippedPolicy());
    const staticData = await loadStaticData(SHIPPED_DATA_FILES);
    policy.setData(assembleData(staticData, { workspaces: new Map() }, { adminEmail: 'admin@example.com', defaultWorkspace: 'default', publicPaths: ['/healthz'] }));
  });

  const models = { method: 'get', path: '/apis/models/v2/workspaces/default/models' };
  for (const [label, input, reason] of [
    ['an empty input', {}, 'no_endpoint'],
    ['an input without a principal', models, 'unauthenticated'],
    ['a principal id that is not a string', { ...models, principal_id: 42 }, 'unauthenticated'],
    ['a method that is not a string', { ...models, method: 1, principal_id: 'u-1' }, 'no_endpoint'],
    ['a relative path', { ...models, path: 'apis/models/v2/workspaces/default/models', principal_id: 'u-1' }, 'no_endpoint'],
    ['groups that are not a list', { ...models, principal_id: 'u-1', principal_groups: 'admins' }, 'role'],
    ['scopes that are not a list', { ...models, principal_id: 'u-1', scopes: 'models:write' }, 'scope_missing'],
    ['null scopes', { ...models, principal_id: 'u-1', scopes: null }, 'role'],
  ] as const) {
    it(`answers ${reason} for ${label}`, () => {
      const decision = singleDecision(policy.evaluate(input, 'authz/allow'));
      assert.equal(decision.reason, reason);
      assert.equal(decision.allowed, ALLOWING_REASONS.has(reason));
    });
  }

  it('treats a group named like admin_email as that principal', () => {
    const decision = singleDecision(policy.evaluate({ ...models, principal_id: 'u-1', principal_groups: ['admin@example.com'] }, 'authz/allow'));
    // A group named like the admin's email holds the admin's bindings: groups come from the IdP,
    // which is trusted to name them. Pinned here so a change to that is deliberate.
    assert.equal(decision.reason, 'platform_admin');
  });
});

function singleDecision(resultSet: unknown): Decision {
  assert.ok(Array.isArray(resultSet) && resultSet.length === 1, `expected one result, got ${JSON.stringify(resultSet)}`);
  const [entry] = resultSet as unknown[];
  assert.ok(isRecord(entry) && isDecision(entry['result']), `not a decision: ${JSON.stringify(entry)}`);
  return entry['result'];
}

function loadTable(file: string): DecisionTable {
  const raw: unknown = parseYaml(readFileSync(file, 'utf8'));
  if (!isRecord(raw) || !isRecord(raw['config']) || !isRecord(raw['members']) || !isRecord(raw['identities'])) {
    throw new Error(`${file}: needs config, members and identities`);
  }
  const config = raw['config'];
  const adminEmail = config['admin_email'];
  const defaultWorkspace = config['default_workspace'];
  const publicPaths = strings(config['public_paths'], 'config.public_paths');
  if (typeof adminEmail !== 'string' || typeof defaultWorkspace !== 'string') throw new Error('config: admin_email and default_workspace are strings');

  const members = new Map<string, string>();
  for (const [variant, path] of Object.entries(raw['members'])) {
    if (typeof path !== 'string') throw new Error(`members.${variant}: a file name`);
    members.set(variant, path);
  }

  const identities = new Map<string, Identity>();
  for (const [name, value] of Object.entries(raw['identities'])) {
    if (!isRecord(value)) throw new Error(`identities.${name}: a mapping`);
    const id = value['id'];
    const email = value['email'];
    const kind = value['kind'] ?? 'oidc';
    if ((id !== null && typeof id !== 'string') || (email !== null && typeof email !== 'string')) throw new Error(`identities.${name}: id and email are strings or null`);
    if (kind !== 'oidc' && kind !== 'unsigned' && kind !== 'header' && kind !== 'none') throw new Error(`identities.${name}.kind: unknown`);
    identities.set(name, { principal_id: id, principal_email: email, principal_groups: strings(value['groups'] ?? [], `identities.${name}.groups`), token_kind: kind });
  }

  const cases: DecisionCase[] = [];
  const matrix = raw['matrix'];
  if (isRecord(matrix)) {
    const who = strings(matrix['identities'], 'matrix.identities');
    const rows = matrix['rows'];
    if (!Array.isArray(rows)) throw new Error('matrix.rows: a list');
    rows.forEach((row: unknown, index) => {
      const cells = strings(row, `matrix.rows[${index}]`);
      const [method, path, endpoint, ...reasons] = cells;
      if (method === undefined || path === undefined || endpoint === undefined || reasons.length !== who.length) {
        throw new Error(`matrix.rows[${index}]: [method, path, pattern, ${who.length} reasons]`);
      }
      reasons.forEach((reason, i) => {
        const identity = who[i] ?? '';
        cases.push({
          name: `${identity} ${method.toUpperCase()} ${path} → ${reason}`,
          who: identity,
          members: 'base',
          method,
          path,
          scopes: [],
          groups: undefined,
          reason,
          endpoint,
          workspace: path.includes('/workspaces/ml-team') ? 'ml-team' : 'system',
        });
      });
    });
  }

  const rawCases = raw['cases'];
  if (!Array.isArray(rawCases)) throw new Error('cases: a list');
  rawCases.forEach((value: unknown, index) => {
    const where = `cases[${index}]`;
    if (!isRecord(value)) throw new Error(`${where}: a mapping`);
    const text = (key: string): string => {
      const v = value[key];
      if (typeof v !== 'string') throw new Error(`${where}.${key}: a string`);
      return v;
    };
    const optionalText = (key: string): string | null | undefined => {
      const v = value[key];
      if (v === undefined || v === null || typeof v === 'string') return v;
      throw new Error(`${where}.${key}: a string or null`);
    };
    const reason = text('reason');
    const endpoint = optionalText('endpoint');
    const workspace = optionalText('workspace');
    cases.push({
      name: `${text('why')} (${reason})`,
      who: text('who'),
      members: optionalText('members') ?? 'base',
      method: text('method'),
      path: text('path'),
      scopes: strings(value['scopes'] ?? [], `${where}.scopes`),
      groups: value['groups'] === undefined ? undefined : strings(value['groups'], `${where}.groups`),
      reason,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(workspace === undefined ? {} : { workspace }),
      ...(value['roles'] === undefined ? {} : { roles: strings(value['roles'], `${where}.roles`) }),
    });
  });

  const extraData = strings(raw['extra_data'] ?? [], 'extra_data');
  return { config: { admin_email: adminEmail, default_workspace: defaultWorkspace, public_paths: publicPaths }, extraData, members, identities, cases };
}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) throw new Error(`${where}: a list of strings`);
  return value;
}
