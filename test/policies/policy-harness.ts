// Compiles the shipped policies/ with the project's own Rego → Wasm compiler, for tests that run
// real decisions through @open-policy-agent/opa-wasm.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../src/shared/package-root.js';
import { isRecord } from '../../src/shared/is-record.js';

export const REPO_ROOT = packageRoot();
export const POLICY_DIR = join(REPO_ROOT, 'policies');
export const SHIPPED_DATA_FILES: readonly string[] = [join(POLICY_DIR, 'data', 'roles.yaml'), join(POLICY_DIR, 'data', 'endpoints.yaml')];

export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly endpoint: string | null;
  readonly workspace: string | null;
  readonly roles: readonly string[];
}

export function isDecision(value: unknown): value is Decision {
  return (
    isRecord(value) &&
    typeof value['allowed'] === 'boolean' &&
    typeof value['reason'] === 'string' &&
    isRecord(value['headers']) &&
    (value['endpoint'] === null || typeof value['endpoint'] === 'string') &&
    (value['workspace'] === null || typeof value['workspace'] === 'string') &&
    Array.isArray(value['roles']) &&
    value['roles'].every((role: unknown) => typeof role === 'string')
  );
}

/** The compiler's documented entry point; imported lazily so this file does not pin its internals. */
const COMPILER_MODULE = '../../src/rego/compile-wasm.js';

export async function compileShippedPolicy(): Promise<Uint8Array> {
  const files = (await readdir(POLICY_DIR)).filter((name) => name.endsWith('.rego')).sort();
  const modules = await Promise.all(files.map(async (name) => ({ file: join('policies', name), source: await readFile(join(POLICY_DIR, name), 'utf8') })));
  const compiler: unknown = await import(COMPILER_MODULE);
  if (!isRecord(compiler) || typeof compiler['compileWasm'] !== 'function') throw new Error(`${COMPILER_MODULE} does not export compileWasm`);
  const compileWasm = compiler['compileWasm'] as (request: unknown) => unknown;
  const result = compileWasm({ modules, entrypoints: ['authz/allow'] });
  const settled: unknown = result instanceof Promise ? await result : result;
  if (isRecord(settled) && settled['ok'] === true && settled['wasm'] instanceof Uint8Array) return settled['wasm'];
  const diagnostics = isRecord(settled) ? settled['diagnostics'] : settled;
  throw new Error(`the shipped policy does not compile: ${JSON.stringify(diagnostics, null, 2)}`);
}
