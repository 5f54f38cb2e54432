import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyWatcher } from '../../src/policy/policy-watcher.js';

/** Resolves once `predicate` holds, polling on timers; fails after `ms` rather than hanging. */
async function eventually(predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`condition not met within ${ms} ms`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('policy: watching policy.source and policy.data', () => {
  let dir = '';
  let watcher: PolicyWatcher | undefined;
  let reloads = 0;
  let answer = true;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nmp-watch-'));
    await mkdir(join(dir, 'rego', 'nested'), { recursive: true });
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'rego', 'authz.rego'), 'package authz\n');
    await writeFile(join(dir, 'rego', 'nested', 'lib.rego'), 'package lib\n');
    await writeFile(join(dir, 'data', 'roles.yaml'), 'roles: {}\n');
    reloads = 0;
    answer = true;
  });
  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** The default debounce outlasts each test, so only explicit check() calls judge content. */
  async function startWatcher(debounceMs = 60_000): Promise<PolicyWatcher> {
    watcher = new PolicyWatcher({
      source: join(dir, 'rego'),
      dataFiles: [join(dir, 'data', 'roles.yaml')],
      reload: () => { reloads += 1; return Promise.resolve(answer); },
      debounceMs,
      recheckIntervalMs: 0,
    });
    await watcher.start();
    return watcher;
  }

  it('reloads when a .rego file changes and not when it is only touched', async () => {
    const w = await startWatcher();
    const future = new Date(Date.now() + 60_000);
    await utimes(join(dir, 'rego', 'authz.rego'), future, future);
    assert.equal(await w.check(), 'unchanged');
    await writeFile(join(dir, 'rego', 'authz.rego'), 'package authz\n\nx := 1\n');
    assert.equal(await w.check(), 'reloaded');
    assert.equal(await w.check(), 'unchanged');
    assert.equal(reloads, 1);
  });

  it('reloads when a file in a nested directory, a new .rego file or a data file changes', async () => {
    const w = await startWatcher();
    await writeFile(join(dir, 'rego', 'nested', 'lib.rego'), 'package lib\n\ny := 2\n');
    assert.equal(await w.check(), 'reloaded');
    await writeFile(join(dir, 'rego', 'extra.rego'), 'package extra\n');
    assert.equal(await w.check(), 'reloaded');
    await writeFile(join(dir, 'data', 'roles.yaml'), 'roles: {Viewer: {permissions: [read]}}\n');
    assert.equal(await w.check(), 'reloaded');
    assert.equal(reloads, 3);
  });

  it('ignores files the compiler does not read: *_test.rego, other files beside the data', async () => {
    const w = await startWatcher();
    await writeFile(join(dir, 'rego', 'authz_test.rego'), 'package authz\n');
    await writeFile(join(dir, 'rego', 'notes.md'), 'hello\n');
    await writeFile(join(dir, 'data', 'other.yaml'), 'x: 1\n');
    assert.equal(await w.check(), 'unchanged');
    assert.equal(reloads, 0);
  });

  it('judges a refused version once, and reloads again when the content changes after it', async () => {
    const w = await startWatcher();
    answer = false;
    await writeFile(join(dir, 'rego', 'authz.rego'), 'package authz\nallow := {\n');
    assert.equal(await w.check(), 'rejected');
    assert.equal(await w.check(), 'unchanged');
    answer = true;
    await writeFile(join(dir, 'rego', 'authz.rego'), 'package authz\nallow := true\n');
    assert.equal(await w.check(), 'reloaded');
    assert.equal(reloads, 2);
  });

  it('treats a deleted and restored file as two changes', async () => {
    const w = await startWatcher();
    await rm(join(dir, 'data', 'roles.yaml'));
    assert.equal(await w.check(), 'reloaded');
    await writeFile(join(dir, 'data', 'roles.yaml'), 'roles: {}\n');
    assert.equal(await w.check(), 'reloaded');
  });

  it('turns a burst of file events into one reload, without being asked', async () => {
    await startWatcher(300);
    for (let i = 0; i < 5; i += 1) await writeFile(join(dir, 'rego', 'authz.rego'), `package authz\n\nv := ${i}\n`);
    await eventually(() => reloads >= 1);
    // The debounce window has passed once a reload ran; a quiet follow-up check finds nothing new.
    assert.equal(await watcher?.check(), 'unchanged');
    assert.equal(reloads, 1);
  });

  it('sees a data file replaced by rename, as editors and ConfigMaps do', async () => {
    await startWatcher(20);
    await writeFile(join(dir, 'data', '.roles.yaml.tmp'), 'roles: {Editor: {permissions: [write]}}\n');
    await rename(join(dir, 'data', '.roles.yaml.tmp'), join(dir, 'data', 'roles.yaml'));
    await eventually(() => reloads >= 1);
  });

  it('watches a bundle or .wasm source by its content, through its directory', async () => {
    await writeFile(join(dir, 'bundle.tar.gz'), Buffer.from([1, 2, 3]));
    watcher = new PolicyWatcher({
      source: join(dir, 'bundle.tar.gz'),
      dataFiles: [],
      reload: () => { reloads += 1; return Promise.resolve(true); },
      debounceMs: 20,
      recheckIntervalMs: 0,
    });
    await watcher.start();
    await writeFile(join(dir, 'unrelated.txt'), 'x');
    assert.equal(await watcher.check(), 'unchanged');
    await writeFile(join(dir, 'bundle.tar.gz'), Buffer.from([1, 2, 3, 4]));
    await eventually(() => reloads === 1);
  });

  it('stops watching on stop(): later edits reload nothing', async () => {
    const w = await startWatcher();
    await w.stop();
    await writeFile(join(dir, 'rego', 'authz.rego'), 'package authz\n\nz := 3\n');
    assert.equal(await w.check(), 'unchanged');
    assert.equal(reloads, 0);
  });
});
