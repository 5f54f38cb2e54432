import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../src/shared/package-root.js';

const ENTRY = "import {main} from './src/main.ts'; process.exitCode = await main(process.argv.slice(1));";

/** Starts `nmp-authz serve` as a child and resolves with its ports once it logs that it serves. */
async function spawnServe(config: string): Promise<{ child: ChildProcess; httpPort: number; grpcPort: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ENTRY, 'serve', '--config', config], {
    cwd: packageRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    let entry: unknown;
    try { entry = JSON.parse(line); } catch { continue; }
    const { msg, http_port: httpPort, grpc_port: grpcPort } = entry as Record<string, unknown>;
    if (msg === 'nmp-authz serving' && typeof httpPort === 'number' && typeof grpcPort === 'number') {
      lines.removeAllListeners();
      child.stdout?.resume();
      return { child, httpPort, grpcPort };
    }
  }
  throw new Error('serve exited before serving');
}

describe('cli: nmp-authz serve', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'nmp-serve-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('serves the shipped policies and exits 0 on SIGTERM', async () => {
    const file = join(dir, 'nmp-authz.yaml');
    await writeFile(file, 'server:\n  grpc: {port: 0}\n  http: {port: 0}\nauth:\n  enabled: true\n  allow_unsigned_jwt: true\n');
    const { child, httpPort } = await spawnServe(file);
    try {
      assert.equal((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status, 200);
      const res = await fetch(`http://127.0.0.1:${httpPort}/apis/auth/ext-authz/apis/models/v2/workspaces/default/models`);
      assert.equal(res.status, 401);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 1 naming the key for an invalid configuration', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'server:\n  grpc: {port: 99999}\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ENTRY, 'serve', '--config', file], { cwd: packageRoot(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(stderr, /server\.grpc\.port/);
  });
});
