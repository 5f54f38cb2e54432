// Rego modules or an IR plan → a policy module for `@open-policy-agent/opa-wasm`: the planner's IR,
// linked by the Wasm backend into the prebuilt module runtime (runtime.wasm).
import { readFileSync } from 'node:fs';
import type { Diagnostic } from './diagnostics.js';
import type { Policy } from './ir.js';
import { linkPolicy, SDK_HOST_BUILTINS } from './wasm/link-policy.js';

export class WasmCompileError extends Error {
  readonly code = 'wasm_compile_failed';
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n'));
  }
}

let runtimeBytes: Uint8Array | undefined;

/**
 * runtime.wasm ships next to the sources (`src/rego/runtime/`), also in a production install where
 * the compiled code lives under `dist/src/rego/`.
 */
export function loadRuntime(): Uint8Array {
  if (runtimeBytes !== undefined) return runtimeBytes;
  const candidates = [
    new URL('./runtime/runtime.wasm', import.meta.url),
    new URL('../../../src/rego/runtime/runtime.wasm', import.meta.url),
  ];
  for (const url of candidates) {
    try {
      runtimeBytes = new Uint8Array(readFileSync(url));
      return runtimeBytes;
    } catch (e) {
      if (!(e instanceof Error && 'code' in e && e.code === 'ENOENT')) throw e;
    }
  }
  throw new Error('runtime.wasm not found next to the compiler');
}

export interface WasmBackendOptions {
  /** Built-ins the runtime lacks that may be called on the host; defaults to the SDK's own six. */
  readonly isHostBuiltin?: (name: string) => boolean;
  readonly runtime?: Uint8Array;
}

/** Links an IR policy; throws WasmCompileError with every problem found in the plan. */
export function compilePlanToWasm(policy: Policy, options: WasmBackendOptions = {}): Uint8Array {
  const res = linkPolicy(options.runtime ?? loadRuntime(), policy, {
    isHostBuiltin: options.isHostBuiltin ?? ((name) => SDK_HOST_BUILTINS.has(name)),
  });
  if (!res.ok) throw new WasmCompileError(res.diagnostics);
  return res.wasm;
}
