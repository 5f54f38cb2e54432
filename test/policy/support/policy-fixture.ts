// A throwaway policy directory (one Rego module + a roles file) and a log sink that keeps each JSON
// line, shared by the reload tests.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Config } from '../../../src/config/config.js';
import { buildConfig } from '../../../src/config/load-config.js';

const ROLES = 'roles:\n  Viewer: {permissions: [read]}\n  Editor: {permissions: [write], includes: [Viewer]}\n  WorkspaceCreator: {permissions: [create]}\n';

/** `<dir>/rego/authz.rego` holding `regoSource`, `<dir>/roles.yaml`, and a config that serves them. */
export async function writePolicyDirectory(prefix: string, regoSource: string): Promise<{ readonly dir: string; readonly config: Config }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(dir, 'rego'));
  await writeFile(join(dir, 'rego', 'authz.rego'), regoSource);
  await writeFile(join(dir, 'roles.yaml'), ROLES);
  const result = buildConfig({ auth: { enabled: true }, policy: { source: 'rego', data: ['roles.yaml'] } }, { baseDir: dir });
  if (!result.ok) assert.fail(JSON.stringify(result.problems));
  return { dir, config: result.config };
}

/** A logger destination that parses every line it receives into `lines`. */
export function jsonLineSink(lines: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
}
