import { strict as assert } from 'node:assert';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EMPTY_MEMBERS, type MembersDocument } from '../../src/members/members-document.js';
import type { PolicyInput } from '../../src/policy/policy-engine.js';
import { PolicyRuntime } from '../../src/policy/policy-runtime.js';
import { createLogger } from '../../src/shared/create-logger.js';
import { jsonLineSink, writePolicyDirectory } from './support/policy-fixture.js';

// The reason carries the policy version and how many principals the data holds, so a decision
// shows which policy and which members produced it.
const policy = (version: string): string => `package authz

import rego.v1

allow := {"allowed": true, "reason": sprintf("%s:%d", ["${version}", count(data.authz.principals)]), "headers": {}, "endpoint": null, "workspace": null, "roles": []}
`;

const input: PolicyInput = {
  principal_id: 'root', principal_email: 'root@example.com', principal_groups: [], scopes: [], token_kind: 'header',
  claims: {}, method: 'get', path: '/', query: {}, host: 'h', headers: {},
};

function members(...principals: string[]): MembersDocument {
  return { workspaces: new Map([['team', principals.map((principal) => ({ principal, roles: ['Viewer'] }))]]) };
}

describe('policy: reloads compiled off the main thread', () => {
  let dir = '';
  let lines: Record<string, unknown>[] = [];
  let runtime: PolicyRuntime;

  beforeEach(async () => {
    const fixture = await writePolicyDirectory('nmp-reload-', policy('v1'));
    dir = fixture.dir;
    lines = [];
    const sink = jsonLineSink(lines);
    runtime = await PolicyRuntime.create(fixture.config, createLogger('info', sink));
    assert.equal(runtime.applyMembers(EMPTY_MEMBERS), true);
  });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  const decide = (): string => {
    const outcome = runtime.engine.evaluate(input);
    return outcome.kind === 'decided' ? outcome.result.reason : outcome.code;
  };

  it('logs a refused compile with file:line:col and the compile_failed code, and keeps the old policy', async () => {
    const before = decide();
    await writeFile(join(dir, 'rego', 'authz.rego'), 'package authz\n\nallow := {"allowed": true,\n');
    assert.equal(await runtime.reloadPolicy(), false);
    assert.equal(decide(), before);
    const refused = lines.find((l) => l['code'] === 'compile_failed');
    assert.ok(refused !== undefined, 'a log line carries the compile_failed code');
    assert.match(String(refused['detail']), /authz\.rego:\d+:\d+: /);
    assert.deepEqual(runtime.policyReloads, { ok: 0, failed: 1 });
  });

  it('refuses a new policy without the entrypoint and keeps the old one', async () => {
    await writeFile(join(dir, 'rego', 'authz.rego'), 'package other\n\nallow := true\n');
    assert.equal(await runtime.reloadPolicy(), false);
    assert.match(decide(), /^v1:/);
    // The compiler already knows the entrypoint is missing, before any module is instantiated.
    assert.ok(lines.some((l) => l['code'] === 'compile_failed'));
  });

  it('does not roll back a member update that lands while the new policy compiles', async () => {
    const defaults = Number(decide().split(':')[1]);
    await writeFile(join(dir, 'rego', 'authz.rego'), policy('v2'));
    const reloaded = runtime.reloadPolicy();
    // The worker is still compiling: this update reaches the old module first.
    assert.equal(runtime.applyMembers(members('ann@example.com', 'bob@example.com')), true);
    assert.equal(decide(), `v1:${defaults + 2}`);
    assert.equal(await reloaded, true);
    assert.equal(decide(), `v2:${defaults + 2}`);
  });

  it('applies overlapping reloads in the order they were asked for', async () => {
    await writeFile(join(dir, 'rego', 'authz.rego'), policy('v2'));
    const first = runtime.reloadPolicy();
    const second = runtime.reloadPolicy();
    await writeFile(join(dir, 'rego', 'authz.rego'), policy('v3'));
    assert.deepEqual(await Promise.all([first, second]), [true, true]);
    assert.match(decide(), /^v3:/);
  });
});
