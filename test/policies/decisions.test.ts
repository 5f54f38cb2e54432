import assert from 'node:assert/strict';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { assembleData, loadStaticData } from '../../src/policy/data-document.js';
import { isRecord } from '../../src/shared/is-record.js';
import { assembleTableData, loadDecisionTable, tableInput } from './decision-table.js';
import { compileShippedPolicy, type Decision, isDecision, SHIPPED_DATA_FILES } from './policy-harness.js';

const ALLOWING_REASONS = new Set(['public', 'platform_admin', 'role']);

// Read synchronously: mocha needs the case list while it collects tests.
const table = loadDecisionTable();

describe('authz policy decisions (compiled to Wasm, evaluated with opa-wasm)', () => {
  const policies = new Map<string, Awaited<ReturnType<typeof loadPolicy>>>();

  before(async () => {
    const wasm = await compileShippedPolicy();
    for (const [variant, data] of await assembleTableData(table)) {
      const policy = await loadPolicy(wasm);
      policy.setData(data);
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
      const input = tableInput(identity, testCase, 'decision-table');
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
