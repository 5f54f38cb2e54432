import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheck } from '../../src/cli/check.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { createUnsignedToken } from '../../src/identity/create-unsigned-token.js';

function io(cwd: string): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { env: {}, cwd, stdout: (t) => { out.push(t); }, stderr: (t) => { err.push(t); }, out, err };
}

describe('cli: nmp-authz check (quickstart configuration, shipped policies)', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'nmp-check-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  const token = (email: string): string => createUnsignedToken({ email, ttlSeconds: 600, nowMs: Date.now() });

  it('prints an allow decision with the principal, endpoint and roles, exiting 0', async () => {
    const cli = io(dir);
    const code = await runCheck(['--method', 'GET', '--path', '/apis/models/v2/workspaces/default/models', '--token', token('dev@example.com')], cli);
    assert.equal(code, 0, cli.err.join(''));
    const decision = JSON.parse(cli.out.join('')) as Record<string, unknown>;
    assert.equal(decision['allowed'], true);
    assert.equal(decision['status'], 200);
    assert.equal(decision['endpoint'], '/apis/models/v2/workspaces/{workspace}/models');
    assert.ok((decision['roles'] as string[]).includes('Editor'));
    assert.equal((decision['principal'] as Record<string, unknown>)['token_kind'], 'unsigned');
    assert.equal((decision['headers'] as Record<string, unknown>)['x-nmp-principal-id'], 'dev@example.com');
  });

  it('prints a 401 decision and exits 1 without a token', async () => {
    const cli = io(dir);
    assert.equal(await runCheck(['--method', 'GET', '--path', '/apis/models/v2/workspaces/default/models'], cli), 1);
    const decision = JSON.parse(cli.out.join('')) as Record<string, unknown>;
    assert.equal(decision['status'], 401);
    assert.equal(decision['reason'], 'unauthenticated');
  });

  it('passes --header values to the pipeline', async () => {
    const cli = io(dir);
    await runCheck(['--method', 'GET', '--path', '/apis/models/v2/workspaces/default/models', '--header', `Authorization: Bearer ${token('h@example.com')}`], cli);
    assert.equal((JSON.parse(cli.out.join('')) as Record<string, Record<string, unknown>>)['principal']?.['id'], 'h@example.com');
  });

  it('exits 1 with the key path for an invalid configuration', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'auth:\n  enabeld: true\n');
    const cli = io(dir);
    assert.equal(await runCheck(['--config', file, '--method', 'GET', '--path', '/'], cli), 1);
    assert.match(cli.err.join(''), /auth\.enabeld/);
  });

  it('exits 2 on usage errors', async () => {
    assert.equal(await runCheck(['--path', '/'], io(dir)), 2);
    assert.equal(await runCheck(['--header', 'nocolon', '--method', 'GET', '--path', '/'], io(dir)), 2);
  });
});
