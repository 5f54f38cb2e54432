import { strict as assert } from 'node:assert';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EMPTY_MEMBERS, type MembersDocument } from '../../src/members/members-document.js';
import type { PolicyInput } from '../../src/policy/policy-engine.js';
import { PolicyRuntime } from '../../src/policy/policy-runtime.js';
import { isPreparedData, prepareData, preparedBuffer } from '../../src/policy/prepared-data.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { jsonLineSink, writePolicyDirectory } from './support/policy-fixture.js';

// Reports the policy version, how many principals the data holds, and the caller's roles in `team`.
const policy = (version: string): string => `package authz

import rego.v1

default caller_roles := ""

caller_roles := concat(",", data.authz.principals[input.principal_email].workspaces.team)

allow := {"allowed": true, "reason": sprintf("%s:%d", ["${version}", count(data.authz.principals)]), "headers": {"x-roles": caller_roles, "x-role-count": format_int(count(data.authz.roles), 10)}, "endpoint": null, "workspace": null, "roles": []}
`;

const LARGE = 5000;

function members(n: number, role = 'Viewer', prefix = 'user'): MembersDocument {
  return { workspaces: new Map([['team', Array.from({ length: n }, (_, i) => ({ principal: `${prefix}${i}@example.com`, roles: [role] }))]]) };
}

describe('policy: large member data assembled and serialised off the main thread', () => {
  let dir = '';
  let runtime: PolicyRuntime;
  let lines: Record<string, unknown>[] = [];
  let outcomes: boolean[] = [];

  beforeEach(async () => {
    const fixture = await writePolicyDirectory('nmp-sliced-', policy('v1'));
    dir = fixture.dir;
    lines = [];
    const sink = jsonLineSink(lines);
    outcomes = [];
    runtime = await PolicyRuntime.create(fixture.config, createLogger('info', sink), { offThreadBindings: 1000, onDataOutcome: (ok) => { outcomes.push(ok); } });
    assert.equal(runtime.applyMembers(EMPTY_MEMBERS), true);
  });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  const decide = (email: string): string => {
    const input: PolicyInput = {
      principal_id: email, principal_email: email, principal_groups: [], scopes: [], token_kind: 'header', claims: {}, method: 'get', path: '/', query: {}, host: 'h', headers: {},
    };
    const outcome = runtime.engine.evaluate(input);
    return outcome.kind === 'decided' ? `${outcome.result.reason}|${outcome.result.headers['x-roles'] ?? ''}` : outcome.code;
  };

  it('keeps answering from the old data while a large update loads, then answers from all of it', async () => {
    const before = decide('user4999@example.com');
    assert.equal(runtime.applyMembers(members(LARGE)), true);
    assert.equal(decide('user4999@example.com'), before, 'the swap waits for the whole document');
    await runtime.settled();
    // `*` is bound by default, so the principals are the members plus one.
    assert.equal(decide('user4999@example.com'), `v1:${LARGE + 1}|Viewer`);
    assert.equal(decide('user0@example.com'), `v1:${LARGE + 1}|Viewer`);
    assert.equal(decide('nobody@example.com'), `v1:${LARGE + 1}|`);
    assert.deepEqual(runtime.dataReloads, { ok: 2, failed: 0 });
  });

  it('applies a small update handed over after a large one last, not before it', async () => {
    runtime.applyMembers(members(LARGE));
    runtime.applyMembers(members(2, 'Editor'));
    await runtime.settled();
    assert.equal(decide('user1@example.com'), 'v1:3|Editor');
  });

  it('skips a queued large update that a newer one has replaced', async () => {
    runtime.applyMembers(members(LARGE));
    runtime.applyMembers(members(LARGE, 'Editor', 'other'));
    runtime.applyMembers(members(LARGE, 'Editor'));
    await runtime.settled();
    assert.equal(decide('user7@example.com'), `v1:${LARGE + 1}|Editor`);
    assert.equal(decide('other7@example.com'), `v1:${LARGE + 1}|`);
  });

  it('refuses a large update with an unknown role after the fact, keeping the data that served', async () => {
    runtime.applyMembers(members(LARGE));
    await runtime.settled();
    assert.equal(runtime.applyMembers(members(LARGE, 'NoSuchRole')), true);
    await runtime.settled();
    assert.equal(decide('user3@example.com'), `v1:${LARGE + 1}|Viewer`);
    assert.equal(runtime.dataReloads.failed, 1);
    assert.ok(lines.some((l) => l['code'] === 'data_invalid'));
  });

  it('keeps the large data across a policy reload', async () => {
    runtime.applyMembers(members(LARGE));
    await runtime.settled();
    await writeFile(join(dir, 'rego', 'authz.rego'), policy('v2'));
    assert.equal(await runtime.reloadPolicy(), true);
    assert.equal(decide('user42@example.com'), `v2:${LARGE + 1}|Viewer`);
  });

  it('reports each update\'s outcome when it is known, not when it is handed over', async () => {
    assert.deepEqual(outcomes, [true]);
    runtime.applyMembers(members(LARGE));
    assert.deepEqual(outcomes, [true]);
    await runtime.settled();
    assert.deepEqual(outcomes, [true, true]);
    runtime.applyMembers(members(LARGE, 'NoSuchRole'));
    await runtime.settled();
    assert.deepEqual(outcomes, [true, true, false]);
  });

  it('reassembles large data with the new static data when a reload changes the data files', async () => {
    runtime.applyMembers(members(LARGE));
    await runtime.settled();
    await writeFile(join(dir, 'roles.yaml'), 'roles:\n  Viewer: {permissions: [read, list]}\n  Editor: {permissions: [write], includes: [Viewer]}\n  WorkspaceCreator: {permissions: [create]}\n  Auditor: {permissions: [audit]}\n');
    await writeFile(join(dir, 'rego', 'authz.rego'), policy('v2'));
    assert.equal(await runtime.reloadPolicy(), true);
    assert.ok(runtime.knownRoles.has('Auditor'));
    assert.equal(decide('user42@example.com'), `v2:${LARGE + 1}|Viewer`);
    const outcome = runtime.engine.evaluate({
      principal_id: 'x', principal_email: 'x@example.com', principal_groups: [], scopes: [], token_kind: 'header', claims: {}, method: 'get', path: '/', query: {}, host: 'h', headers: {},
    });
    assert.equal(outcome.kind === 'decided' ? outcome.result.headers['x-role-count'] : outcome.code, '4');
  });

  it('prepares data as JSON bytes the SDK takes as an exact ArrayBuffer', () => {
    const prepared = prepareData({ authz: { principals: { 'ann@example.com': { workspaces: { w: ['Viewer'] } } } } });
    assert.ok(isPreparedData(prepared));
    assert.equal(isPreparedData({ kind: 'prepared', json: 'text' }), false);
    const buffer = preparedBuffer({ kind: 'prepared', json: prepared.json.subarray(0, prepared.json.length) });
    assert.equal(buffer.byteLength, prepared.json.byteLength);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(buffer)), { authz: { principals: { 'ann@example.com': { workspaces: { w: ['Viewer'] } } } } });
    const inner = preparedBuffer({ kind: 'prepared', json: new Uint8Array([0x20, 0x31, 0x20]).subarray(1, 2) });
    assert.equal(new TextDecoder().decode(inner), '1');
  });
});
