import { strict as assert } from 'node:assert';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/load-config.js';
import { EMPTY_MEMBERS } from '../../src/members/members-document.js';
import type { PolicyInput } from '../../src/policy/policy-engine.js';
import { PolicyRuntime } from '../../src/policy/policy-runtime.js';
import { createLogger } from '../../src/shared/create-logger.js';

const policy = (version: string): string => `package authz

import rego.v1

allow := {"allowed": input.principal_email == data.authz.config.admin_email, "reason": "${version}", "headers": {}, "endpoint": null, "workspace": null, "roles": []}
`;

const input: PolicyInput = {
  principal_id: 'root', principal_email: 'root@example.com', principal_groups: [], scopes: [], token_kind: 'header',
  claims: {}, method: 'get', path: '/', query: {}, host: 'h', headers: {},
};

describe('policy: runtime reloads', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'nmp-runtime-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('swaps in a new policy with the current data on reload, and keeps it when the next one is broken', async () => {
    await mkdir(join(dir, 'rego'));
    await writeFile(join(dir, 'rego', 'authz.rego'), policy('v1'));
    const result = buildConfig({ auth: { enabled: true, admin_email: 'root@example.com' }, policy: { source: 'rego' } }, { baseDir: dir });
    if (!result.ok) assert.fail(JSON.stringify(result.problems));
    const runtime = await PolicyRuntime.create(result.config, createLogger('silent'));
    assert.equal(runtime.engine.isReady, false);
    assert.equal(runtime.applyMembers(EMPTY_MEMBERS), true);

    const decide = (): string => {
      const outcome = runtime.engine.evaluate(input);
      return outcome.kind === 'decided' ? `${outcome.result.reason}:${String(outcome.result.allowed)}` : outcome.code;
    };
    assert.equal(decide(), 'v1:true');

    await writeFile(join(dir, 'rego', 'authz.rego'), policy('v2'));
    assert.equal(await runtime.reloadPolicy(), true);
    assert.equal(decide(), 'v2:true');

    await writeFile(join(dir, 'rego', 'authz.rego'), 'package authz\nallow := {\n');
    assert.equal(await runtime.reloadPolicy(), false);
    assert.equal(decide(), 'v2:true');
    assert.deepEqual(runtime.policyReloads, { ok: 1, failed: 1 });
  });
});
