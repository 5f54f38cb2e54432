import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { runBuild } from '../../src/cli/build.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { parsePlanJson } from '../../src/rego/plan-json.js';
import { readTarGz } from '../../src/shared/tar.js';

const POLICY = `package authz

import rego.v1

default allow := false

allow if {
  some role in data.authz.bindings[input.user]
  data.roles[role].admin
}
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('nmp-authz build', () => {
  let dir: string;

  async function build(...args: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { env: {}, cwd: dir, stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } };
    const code = await runBuild(args, io);
    return { code, stdout, stderr };
  }

  async function bundle(file: string): Promise<Map<string, Uint8Array>> {
    const res = readTarGz(await readFile(path.join(dir, file)));
    assert.ok(res.ok);
    return new Map(res.entries.map((e) => [e.path, e.data]));
  }

  const json = (bytes: Uint8Array | undefined): unknown => JSON.parse(new TextDecoder().decode(bytes));

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'nmp-build-'));
    await mkdir(path.join(dir, 'policy', 'authz'), { recursive: true });
    await writeFile(path.join(dir, 'policy', 'authz.rego'), POLICY);
    await writeFile(path.join(dir, 'policy', 'data.json'), JSON.stringify({ roles: { Admin: { admin: true }, Viewer: { admin: false } } }));
    await writeFile(path.join(dir, 'policy', 'authz', 'data.yaml'), 'bindings:\n  alice: [Admin]\n  bob: [Viewer]\n');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a wasm bundle that opa-wasm loads and evaluates with the bundled data', async () => {
    const run = await build('-t', 'wasm', '-e', 'authz/allow', '-o', 'out.tar.gz', 'policy');
    assert.equal(run.code, 0, run.stderr);
    const files = await bundle('out.tar.gz');
    assert.deepEqual([...files.keys()].sort(), ['.manifest', 'data.json', 'policy.wasm']);
    assert.deepEqual(json(files.get('.manifest')), { revision: '', roots: [''], wasm: [{ entrypoint: 'authz/allow', module: '/policy.wasm' }] });
    const data = json(files.get('data.json'));
    assert.deepEqual(data, { roles: { Admin: { admin: true }, Viewer: { admin: false } }, authz: { bindings: { alice: ['Admin'], bob: ['Viewer'] } } });
    const policy = await loadPolicy(files.get('policy.wasm') as Uint8Array);
    policy.setData(data as object);
    assert.deepEqual(policy.evaluate({ user: 'alice' }), [{ result: true }]);
    assert.deepEqual(policy.evaluate({ user: 'bob' }), [{ result: false }]);
  });

  it('writes the same bytes when nothing changed (reproducible bundles)', async () => {
    assert.equal((await build('-e', 'authz/allow', '-o', 'a.tar.gz', 'policy')).code, 0);
    assert.equal((await build('-e', 'authz/allow', '-o', 'b.tar.gz', 'policy')).code, 0);
    const [a, b] = await Promise.all([readFile(path.join(dir, 'a.tar.gz')), readFile(path.join(dir, 'b.tar.gz'))]);
    assert.ok(a.equals(b));
  });

  it('writes bundle.tar.gz by default', async () => {
    const run = await build('-e', 'authz/allow', 'policy');
    assert.equal(run.code, 0, run.stderr);
    assert.ok((await bundle('bundle.tar.gz')).has('policy.wasm'));
  });

  it('writes the IR with -t plan, and --from-plan compiles that IR to the same answers', async () => {
    assert.equal((await build('--target=plan', '--entrypoint', 'data.authz.allow', '-o', 'plan.tar.gz', 'policy')).code, 0);
    const files = await bundle('plan.tar.gz');
    assert.deepEqual([...files.keys()].sort(), ['.manifest', 'data.json', 'plan.json']);
    assert.deepEqual(json(files.get('.manifest')), { revision: '', roots: [''] });
    const plan = parsePlanJson(new TextDecoder().decode(files.get('plan.json')));
    assert.ok(plan.ok);
    assert.deepEqual(plan.policy.plans.plans.map((p) => p.name), ['authz/allow']);

    await writeFile(path.join(dir, 'plan.json'), files.get('plan.json') as Uint8Array);
    const run = await build('--from-plan', 'plan.json', '-o', 'from-plan.tar.gz', 'policy/data.json');
    assert.equal(run.code, 0, run.stderr);
    const wasmFiles = await bundle('from-plan.tar.gz');
    const policy = await loadPolicy(wasmFiles.get('policy.wasm') as Uint8Array);
    policy.setData({ roles: { Admin: { admin: true } }, authz: { bindings: { carol: ['Admin'] } } });
    assert.deepEqual(policy.evaluate({ user: 'carol' }), [{ result: true }]);
  });

  it('takes the bundle that -t plan writes directly with --from-plan, data included', async () => {
    assert.equal((await build('-t', 'plan', '-e', 'authz/allow', '-o', 'plan.tar.gz', 'policy')).code, 0);
    const run = await build('--from-plan', 'plan.tar.gz', '-o', 'wasm.tar.gz');
    assert.equal(run.code, 0, run.stderr);
    const files = await bundle('wasm.tar.gz');
    const data = json(files.get('data.json'));
    assert.deepEqual(data, { roles: { Admin: { admin: true }, Viewer: { admin: false } }, authz: { bindings: { alice: ['Admin'], bob: ['Viewer'] } } });
    const policy = await loadPolicy(files.get('policy.wasm') as Uint8Array);
    policy.setData(data as object);
    assert.deepEqual(policy.evaluate({ user: 'alice' }), [{ result: true }]);
  });

  it('reports a --from-plan bundle without /plan.json', async () => {
    assert.equal((await build('-e', 'authz/allow', '-o', 'wasm.tar.gz', 'policy')).code, 0);
    const run = await build('--from-plan', 'wasm.tar.gz');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^wasm\.tar\.gz:1:1: the bundle has no \/plan\.json/m);
  });

  it('prints every compile error as file:line:col and exits 1', async () => {
    await writeFile(path.join(dir, 'policy', 'broken.rego'), 'package broken\n\nx := [1, 2\n');
    await writeFile(path.join(dir, 'policy', 'also-broken.rego'), 'package also\n\ny if { 1 + }\n');
    const run = await build('-e', 'authz/allow', 'policy');
    assert.equal(run.code, 1);
    const lines = run.stderr.trim().split('\n');
    assert.ok(lines.length >= 2, run.stderr);
    assert.ok(lines.some((l) => /^policy\/broken\.rego:\d+:\d+: /.test(l)), run.stderr);
    assert.ok(lines.some((l) => /^policy\/also-broken\.rego:\d+:\d+: /.test(l)), run.stderr);
  });

  it('reports a data file that two sources define, with exit 1', async () => {
    await writeFile(path.join(dir, 'policy', 'authz', 'data.json'), '{"bindings": {"alice": ["Viewer"]}}');
    const run = await build('-e', 'authz/allow', 'policy');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /bundle_data_conflict/);
  });

  it('reports a plan file that is not an IR plan', async () => {
    await writeFile(path.join(dir, 'plan.json'), '{"plans": {"plans": [{"name": 3}]}}');
    const run = await build('--from-plan', 'plan.json');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^plan\.json:1:1: plans\.plans\[0\]\.name: /m);
  });

  for (const [label, args] of [
    ['an unknown flag', ['-b', 'policy', '-e', 'authz/allow']],
    ['a missing entrypoint', ['policy']],
    ['an unknown target', ['-t', 'rego', '-e', 'authz/allow', 'policy']],
    ['a flag without its value', ['policy', '-e']],
  ] as const) {
    it(`exits 2 with usage for ${label}`, async () => {
      const run = await build(...args);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /usage: nmp-authz build/);
    });
  }

  it('exits 1 when a PATH does not exist', async () => {
    const run = await build('-e', 'authz/allow', 'nowhere');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^nowhere:1:1: /);
  });
});
