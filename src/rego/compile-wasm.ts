// Rego modules or an IR plan → a policy module for `@open-policy-agent/opa-wasm`: the planner's IR,
// linked by the Wasm backend into the prebuilt module runtime (runtime.wasm).
import { readFileSync } from 'node:fs';
import { lookupBuiltin } from './builtins.js';
import { compilePlan } from './compile-plan.js';
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
  /** Keep function names in the module (a `name` section) for profiling. */
  readonly debugNames?: boolean;
}

/** The built-in table marks which built-ins the policy loader supplies on the host. */
export function isHostBuiltin(name: string): boolean {
  return SDK_HOST_BUILTINS.has(name) || lookupBuiltin(name)?.impl === 'host';
}

export type LinkPlanResult =
  | { readonly ok: true; readonly wasm: Uint8Array }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

/** Links an IR policy, reporting every problem found in the plan. */
export function linkPlan(policy: Policy, options: WasmBackendOptions = {}): LinkPlanResult {
  return linkPolicy(options.runtime ?? loadRuntime(), policy, {
    isHostBuiltin: options.isHostBuiltin ?? isHostBuiltin,
    debugNames: options.debugNames === true,
  });
}

/** Links an IR policy; throws WasmCompileError with every problem found in the plan. */
export function compilePlanToWasm(policy: Policy, options: WasmBackendOptions = {}): Uint8Array {
  const res = linkPlan(policy, options);
  if (!res.ok) throw new WasmCompileError(res.diagnostics);
  return res.wasm;
}

export interface CompileWasmOptions {
  readonly modules: readonly { readonly file: string; readonly source: string }[];
  /** `pkg/rule` paths, as `opa build -e`. */
  readonly entrypoints: readonly string[];
}

export type CompileWasmResult =
  | { readonly ok: true; readonly wasm: Uint8Array; readonly plan: Policy }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

/** Rego sources → IR (planner) → Wasm (backend); diagnostics of whichever stage failed. */
export function compileWasm(options: CompileWasmOptions): CompileWasmResult {
  const planned = compilePlan({ modules: options.modules, entrypoints: options.entrypoints });
  if (!planned.ok) return planned;
  const linked = linkPlan(planned.policy);
  if (!linked.ok) return linked;
  return { ok: true, wasm: linked.wasm, plan: planned.policy };
}
