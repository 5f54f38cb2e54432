import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileWasm } from '../../src/rego/compile-wasm.js';
import { loadPolicySource } from '../../src/policy/load-policy-source.js';
import { OpaWasmEngine, PolicyLoadError } from '../../src/policy/opa-wasm-engine.js';
import type { PolicyInput } from '../../src/policy/policy-engine.js';
import { writeTarGz } from '../../src/shared/tar.js';

const REGO = `package authz

import rego.v1

allow := {"allowed": input.principal_id == data.authz.owner, "reason": "owner", "headers": {"x-team": "blue"}, "endpoint": null, "workspace": null, "roles": []}
`;

function input(principal: string | null): PolicyInput {
  return { principal_id: principal, principal_email: null, principal_groups: [], scopes: [], token_kind: 'header', claims: {}, method: 'get', path: '/', query: {}, host: 'h', headers: {} };
}

function compiled(): Uint8Array {
  const result = compileWasm({ modules: [{ file: 'authz.rego', source: REGO }], entrypoints: ['authz/allow'] });
  if (!result.ok) assert.fail(JSON.stringify(result.diagnostics));
  return result.wasm;
}

describe('policy: loading policy.source into opa-wasm', () => {
  let dir = '';
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'nmp-policy-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  async function engineFor(source: string): Promise<OpaWasmEngine> {
    const loaded = await loadPolicySource(source, 'authz/allow');
    const engine = new OpaWasmEngine('authz/allow');
    await engine.loadWasm(loaded.wasm);
    engine.setData({ authz: { owner: 'ann' } });
    return engine;
  }

  function allowed(engine: OpaWasmEngine, principal: string | null): boolean | string {
    const outcome = engine.evaluate(input(principal));
    return outcome.kind === 'decided' ? outcome.result.allowed : outcome.code;
  }

  it('compiles a directory of .rego at load time', async () => {
    await mkdir(join(dir, 'rego'));
    await writeFile(join(dir, 'rego', 'authz.rego'), REGO);
    await writeFile(join(dir, 'rego', 'authz_test.rego'), 'this is not rego');
    const engine = await engineFor(join(dir, 'rego'));
    assert.equal(allowed(engine, 'ann'), true);
    assert.equal(allowed(engine, 'bob'), false);
  });

  it('loads a bare .wasm module', async () => {
    await writeFile(join(dir, 'policy.wasm'), compiled());
    assert.equal(allowed(await engineFor(join(dir, 'policy.wasm')), 'ann'), true);
  });

  it('loads a bundle with /policy.wasm and /data.json', async () => {
    const file = join(dir, 'bundle.tar.gz');
    await writeFile(file, writeTarGz([{ path: 'policy.wasm', data: compiled() }, { path: 'data.json', data: new TextEncoder().encode('{"x":1}') }]));
    const loaded = await loadPolicySource(file, 'authz/allow');
    assert.equal(loaded.kind, 'bundle');
    assert.deepEqual(loaded.bundleData, { x: 1 });
  });

  it('passes policy headers through and answers policy_unavailable before data is set', async () => {
    const engine = new OpaWasmEngine('authz/allow');
    await engine.loadWasm(compiled());
    assert.equal(allowed(engine, 'ann'), 'policy_unavailable');
    engine.setData({ authz: { owner: 'ann' } });
    const outcome = engine.evaluate(input('ann'));
    assert.deepEqual(outcome.kind === 'decided' ? outcome.result.headers : null, { 'x-team': 'blue' });
  });

  const broken: ReadonlyArray<readonly [string, (d: string) => Promise<string>, PolicyLoadError['code']]> = [
    ['a missing source', async (d) => join(d, 'absent'), 'source_unreadable'],
    ['a directory without .rego files', async (d) => { await mkdir(join(d, 'empty')); return join(d, 'empty'); }, 'source_unreadable'],
    ['Rego that does not compile', async (d) => { await mkdir(join(d, 'bad')); await writeFile(join(d, 'bad', 'a.rego'), 'package authz\nallow := {\n'); return join(d, 'bad'); }, 'compile_failed'],
    ['a bundle without policy.wasm', async (d) => { await writeFile(join(d, 'b.tar.gz'), writeTarGz([{ path: 'data.json', data: new Uint8Array([123, 125]) }])); return join(d, 'b.tar.gz'); }, 'bundle_invalid'],
    ['a file that is not a bundle', async (d) => { await writeFile(join(d, 'c.tar.gz'), 'nope'); return join(d, 'c.tar.gz'); }, 'bundle_invalid'],
  ];
  for (const [what, make, code] of broken) {
    it(`refuses ${what} with ${code}`, async () => {
      await assert.rejects(loadPolicySource(await make(dir), 'authz/allow'), (err: unknown) => err instanceof PolicyLoadError && err.code === code);
    });
  }

  it('refuses a module without the configured entrypoint', async () => {
    await assert.rejects(new OpaWasmEngine('authz/deny').loadWasm(compiled()), (err: unknown) => err instanceof PolicyLoadError && err.code === 'entrypoint_missing');
  });
});
