import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildBundle, bundleManifest, collectSources } from '../../../src/rego/build-bundle.js';
import { readTarGz } from '../../../src/shared/tar.js';

describe('bundle building', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'nmp-bundle-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function put(rel: string, text: string): Promise<void> {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }

  it('nests data files under their directory path and merges objects', async () => {
    await put('src/data.json', '{"top": 1, "a": {"x": 1}}');
    await put('src/a/data.yaml', 'y: 2\n');
    await put('src/a/b/c/data.json', '[1, 2]');
    const { sources, diagnostics } = await collectSources(['src'], dir);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(sources.data, { top: 1, a: { x: 1, y: 2, b: { c: [1, 2] } } });
  });

  it('collects .rego files recursively, named by the path given, skipping hidden directories', async () => {
    await put('p/x.rego', 'package x');
    await put('p/sub/y.rego', 'package y');
    await put('p/.git/z.rego', 'package z');
    await put('p/notes.txt', 'ignored');
    const { sources } = await collectSources(['p'], dir);
    assert.deepEqual(sources.modules.map((m) => m.file), ['p/sub/y.rego', 'p/x.rego']);
  });

  it('reports the position of a syntax error in a data file', async () => {
    await put('d/data.json', '{\n  "a": 1,\n  oops\n}');
    const { diagnostics } = await collectSources(['d'], dir);
    assert.equal(diagnostics[0]?.code, 'bundle_data_invalid');
    assert.equal(diagnostics[0]?.line, 3);
  });

  it('reports two files that define the same leaf', async () => {
    await put('d/data.json', '{"a": {"b": 1}}');
    await put('d/a/data.json', '{"b": 2}');
    const { diagnostics } = await collectSources(['d'], dir);
    assert.deepEqual(diagnostics.map((d) => [d.code, d.file]), [['bundle_data_conflict', 'd/data.json']]);
    assert.match(diagnostics[0]?.message ?? '', /data\.a\.b/);
  });

  it('writes one manifest wasm entry per entrypoint, as OPA does', () => {
    assert.deepEqual(JSON.parse(bundleManifest('wasm', ['a/b', 'a/c'])), {
      revision: '', roots: [''], wasm: [{ entrypoint: 'a/b', module: '/policy.wasm' }, { entrypoint: 'a/c', module: '/policy.wasm' }],
    });
  });

  it('lays out /policy.wasm, /data.json and /.manifest', async () => {
    await put('p/x.rego', 'package x\n\nallow := true\n');
    const res = await buildBundle({ target: 'wasm', entrypoints: ['x/allow'], paths: ['p'], cwd: dir });
    assert.ok(res.ok);
    assert.deepEqual(res.files, ['/policy.wasm', '/data.json', '/.manifest']);
    const tar = readTarGz(res.bytes);
    assert.ok(tar.ok);
    assert.equal(new TextDecoder().decode(tar.entries[1]?.data), '{}');
  });

  it('reports an entrypoint that the plan given with --from-plan lacks', async () => {
    await put('plan.json', JSON.stringify({ static: { strings: [], files: [] }, plans: { plans: [{ name: 'x/allow', blocks: [] }] }, funcs: { funcs: [] } }));
    const res = await buildBundle({ target: 'wasm', entrypoints: ['x/deny'], paths: [], cwd: dir, fromPlan: 'plan.json' });
    assert.ok(!res.ok);
    assert.equal(res.diagnostics[0]?.code, 'bundle_entrypoint_missing');
  });
});
