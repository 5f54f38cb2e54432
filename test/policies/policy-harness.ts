// Compiles the shipped policies/ with the project's own Rego → Wasm compiler, for tests that run
// real decisions through @open-policy-agent/opa-wasm.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileWasm } from '../../src/rego/compile-wasm.js';
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

/** policies/*.rego, as the server compiles them. */
export function shippedPolicyModules(): { readonly file: string; readonly source: string }[] {
  return readdirSync(POLICY_DIR)
    .filter((name) => name.endsWith('.rego'))
    .sort()
    .map((name) => ({ file: join('policies', name), source: readFileSync(join(POLICY_DIR, name), 'utf8') }));
}

export async function compileShippedPolicy(): Promise<Uint8Array> {
  const result = compileWasm({ modules: shippedPolicyModules(), entrypoints: ['authz/allow'] });
  if (result.ok) return result.wasm;
  throw new Error(`the shipped policy does not compile:\n${result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.code}: ${d.message}`).join('\n')}`);
}
