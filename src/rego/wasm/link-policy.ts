// runtime.wasm + an IR Policy → one linked policy module that obeys the OPA Wasm ABI 1.2: appends
// the generated functions and the policy's constants, patches `__heap_start` and keeps only the ABI
// exports (see ../runtime/README.md for the linking rules).
import type { Diagnostic } from '../diagnostics.js';
import { analyzeInputUse, INPUT_USE_SECTION } from '../input-use.js';
import { childBlocks, type Policy, type Stmt } from '../ir.js';
import {
  BackendCodes,
  type CodegenEnv,
  compileCtxEvalFunction,
  compileDispatchFunction,
  compileFuncFunction,
  compileNameTableFunction,
  compileOpaEvalFunction,
  compilePlanFunction,
  compileInitFunction,
  type IndexedFunc,
  scalarConstants,
  RUNTIME_FUNCTIONS,
  type RuntimeName,
} from './policy-codegen.js';
import { align, layoutPolicy, MEMO_SLOT_SIZE } from './policy-layout.js';
import {
  constI32,
  decodeModule,
  encodeModule,
  EXPORT_FUNC,
  EXPORT_GLOBAL,
  EXPORT_MEMORY,
  type Export,
  type FuncType,
  functionImportCount,
  functionNamesPayload,
  I32,
  I64,
  i32ConstExpr,
  internType,
  type WasmModule,
} from './wasm-module.js';

/** Built-ins the JS SDK implements itself, so they are always callable through `opa_builtinN`. */
export const SDK_HOST_BUILTINS: ReadonlySet<string> = new Set([
  'json.is_valid', 'regex.split', 'sprintf', 'yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal',
]);

export interface LinkOptions {
  /** Whether a built-in the runtime lacks may be called through the host (`opa_builtinN`). */
  readonly isHostBuiltin?: (name: string) => boolean;
  /** Adds a `name` section so profilers show runtime exports and generated functions by name. */
  readonly debugNames?: boolean;
}

export type LinkResult =
  | { readonly ok: true; readonly wasm: Uint8Array }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

/** The runtime does not follow the linking contract: a build defect, not a policy error. */
export class RuntimeLinkError extends Error {
  readonly code = BackendCodes.runtime;
}

const RUNTIME_ABI_EXPORTS: ReadonlySet<string> = new Set([
  'opa_malloc', 'opa_free', 'opa_json_parse', 'opa_json_dump', 'opa_value_parse', 'opa_value_dump',
  'opa_heap_ptr_get', 'opa_heap_ptr_set', 'opa_eval_ctx_new', 'opa_eval_ctx_set_input',
  'opa_eval_ctx_set_data', 'opa_eval_ctx_set_entrypoint', 'opa_eval_ctx_get_result',
  'opa_value_add_path', 'opa_value_remove_path', 'opa_wasm_abi_version', 'opa_wasm_abi_minor_version',
  'memory',
]);

const PAGE = 65536;

export function linkPolicy(runtime: Uint8Array, policy: Policy, options: LinkOptions = {}): LinkResult {
  const m = decodeModule(runtime);
  const isHost = options.isHostBuiltin ?? ((name: string) => SDK_HOST_BUILTINS.has(name));
  const diagnostics: Diagnostic[] = [];

  const importedFuncs = functionImportCount(m);
  const importIndex = (name: string): number => {
    let i = 0;
    for (const imp of m.imports) {
      if (imp.desc.kind !== 'func') continue;
      if (imp.module === 'env' && imp.name === name) return i;
      i++;
    }
    throw new RuntimeLinkError(`runtime does not import env.${name}`);
  };
  const abortImport = importIndex('opa_abort');
  const builtinImports = [0, 1, 2, 3, 4].map((n) => importIndex(`opa_builtin${n}`));

  const exportsByName = new Map<string, Export>();
  for (const e of m.exports) exportsByName.set(e.name, e);
  const funcType = (index: number): FuncType => {
    const typeIndex = index < importedFuncs ? importedFuncType(m, index) : m.functions[index - importedFuncs];
    const t = typeIndex === undefined ? undefined : m.types[typeIndex];
    if (t === undefined) throw new RuntimeLinkError(`function ${index} has no type`);
    return t;
  };
  const exportedFunc = (name: string): number | undefined => {
    const e = exportsByName.get(name);
    return e !== undefined && e.kind === EXPORT_FUNC ? e.index : undefined;
  };

  const runtimeIndex = new Map<RuntimeName, number>();
  for (const [name, [params, results]] of Object.entries(RUNTIME_FUNCTIONS) as [RuntimeName, readonly [readonly string[], number]][]) {
    const index = exportedFunc(name);
    if (index === undefined) throw new RuntimeLinkError(`runtime does not export ${name}`);
    const t = funcType(index);
    const want = params.map((p) => (p === 'i64' ? I64 : I32));
    if (t.params.length !== want.length || t.params.some((p, i) => p !== want[i]) || t.results.length !== results || t.results.some((r) => r !== I32)) {
      throw new RuntimeLinkError(`runtime export ${name} has an unexpected signature`);
    }
    runtimeIndex.set(name, index);
  }
  const nativeBuiltin = (name: string): IndexedFunc | undefined => {
    const index = exportedFunc(`opa_bi_${name.replaceAll('.', '_')}`);
    if (index === undefined) return undefined;
    const t = funcType(index);
    if (t.results.length !== 1 || t.params.some((p) => p !== I32)) return undefined;
    return { index, params: t.params.length };
  };

  // Built-ins the runtime lacks but the host provides get ids in builtin_funcs order, as OPA does.
  const hostBuiltinIds = new Map<string, number>();
  policy.static.builtin_funcs.forEach((f, i) => {
    if (nativeBuiltin(f.name) === undefined && isHost(f.name) && !hostBuiltinIds.has(f.name)) hostBuiltinIds.set(f.name, i);
  });
  const hostBuiltins = [...hostBuiltinIds.entries()];

  // Memory layout: the policy's constants go after the runtime's data segments.
  let dataEnd = 0;
  for (const seg of m.data) {
    if (seg.kind !== 'active') continue;
    const offset = constI32(seg.offset);
    if (offset === undefined) throw new RuntimeLinkError('runtime data segment with a non-constant offset');
    dataEnd = Math.max(dataEnd, offset + seg.init.length);
  }
  const funcs = policy.funcs.funcs;
  const memoFuncs = funcs.filter((f) => f.params.length === 2);
  // Dynamic calls compare variables against rule paths, so those segments become constants too.
  const strings = policy.static.strings.map((s) => s.value);
  const extraStrings = new Map<string, number>();
  if (usesDynamicCalls(policy)) {
    for (const f of funcs) {
      for (const seg of f.path ?? []) {
        if (extraStrings.has(seg)) continue;
        const existing = strings.indexOf(seg);
        extraStrings.set(seg, existing >= 0 ? existing : strings.push(seg) - 1);
      }
    }
  }
  const scalars = scalarConstants(policy);
  const layout = layoutPolicy(
    align(dataEnd, 16),
    strings,
    policy.plans.plans.map((p) => p.name),
    hostBuiltins.map(([name]) => name),
    memoFuncs.length,
    scalars.list.length,
  );

  // Globals appended after the runtime's: generation counters of the per-evaluation caches.
  const importedGlobals = m.imports.filter((i) => i.desc.kind === 'global').length;
  const zero64 = new Uint8Array([0x42, 0x00, 0x0b]);
  const firstGlobal = importedGlobals + m.globals.length;
  m.globals.push({ type: I64, mutable: true, init: zero64 }, { type: I64, mutable: true, init: zero64 });
  const globals = { memoGen: firstGlobal, genCounter: firstGlobal + 1 };

  // Function indices of everything generated, fixed before any body is compiled.
  let next = importedFuncs + m.functions.length;
  const planFuncs = policy.plans.plans.map(() => next++);
  const funcIndex = new Map<string, IndexedFunc & { memoSlot: number | undefined }>();
  let memoCount = 0;
  for (const f of funcs) {
    if (funcIndex.has(f.name)) {
      diagnostics.push({ code: BackendCodes.badFunc, message: `function ${f.name} is defined twice`, file: '<plan>', line: 0, col: 0 });
      continue;
    }
    const memoSlot = f.params.length === 2 ? layout.memoSlots + MEMO_SLOT_SIZE * memoCount++ : undefined;
    funcIndex.set(f.name, { index: next++, params: f.params.length, memoSlot });
  }
  const dispatchFunc = next++;

  const env: CodegenEnv = {
    policy, layout,
    rt: (name) => runtimeIndex.get(name) as number,
    nativeBuiltin, hostBuiltinIds, builtinImports, abortImport, globals, dispatchFunc, planFuncs,
    funcs: funcIndex,
    dynamicTargets: funcs.flatMap((f) => {
      const info = funcIndex.get(f.name);
      return info === undefined || f.path === undefined || f.path.length === 0 ? [] : [{ index: info.index, params: info.params, path: f.path }];
    }),
    extraString: (text) => extraStrings.get(text),
    scalars,
  };

  const names = new Map<number, string>();
  if (options.debugNames === true) {
    let i = 0;
    for (const imp of m.imports) if (imp.desc.kind === 'func') names.set(i++, `${imp.module}.${imp.name}`);
    for (const e of m.exports) if (e.kind === EXPORT_FUNC) names.set(e.index, e.name);
  }
  const i32s = (n: number): FuncType => ({ params: Array<number>(n).fill(I32), results: [I32] });
  const add = (name: string, type: FuncType, body: Uint8Array): number => {
    m.functions.push(internType(m, type));
    m.code.push(body);
    const index = importedFuncs + m.functions.length - 1;
    names.set(index, name);
    return index;
  };
  for (const plan of policy.plans.plans) add(`plan:${plan.name}`, i32s(2), compilePlanFunction(env, plan, diagnostics));
  for (const f of funcs) {
    const info = funcIndex.get(f.name);
    if (info === undefined || info.index !== importedFuncs + m.functions.length) continue;
    add(f.name, i32s(f.params.length), compileFuncFunction(env, f, info.memoSlot, diagnostics));
  }
  add('$dispatch', i32s(3), compileDispatchFunction(env));
  const opaEval = add('opa_eval', i32s(7), compileOpaEvalFunction(env));
  const ctxEval = add('eval', i32s(1), compileCtxEvalFunction(env));
  const entrypoints = add('entrypoints', i32s(0), compileNameTableFunction(env, layout.entrypointNames.map((r, id) => ({ ...r, id }))));
  const init = add('$init', { params: [], results: [] }, compileInitFunction(env, m.start));
  const builtins = add('builtins', i32s(0), compileNameTableFunction(env, hostBuiltins.map(([, id], i) => ({ ...(layout.builtinNames[i] as { ptr: number; len: number }), id }))));

  if (diagnostics.length > 0) return { ok: false, diagnostics };
  m.start = init;

  // Patch the allocator's start and make sure the initial memory covers the static region.
  const heapExport = exportsByName.get('__heap_start');
  if (heapExport === undefined || heapExport.kind !== EXPORT_GLOBAL) throw new RuntimeLinkError('runtime does not export the __heap_start global');
  const heapGlobal = m.globals[heapExport.index - importedGlobals];
  if (heapGlobal === undefined || constI32(heapGlobal.init) === undefined) throw new RuntimeLinkError('__heap_start is not initialised by an i32.const');
  m.globals[heapExport.index - importedGlobals] = { ...heapGlobal, init: i32ConstExpr(layout.heapStart) };
  m.imports = m.imports.map((imp) => {
    if (imp.desc.kind !== 'memory') return imp;
    const pages = Math.ceil(layout.heapStart / PAGE);
    return pages > imp.desc.min ? { ...imp, desc: { ...imp.desc, min: pages } } : imp;
  });

  m.data.push({ kind: 'active', memory: 0, offset: i32ConstExpr(layout.segmentBase), init: layout.segment });

  m.exports = [
    ...m.exports.filter((e) => RUNTIME_ABI_EXPORTS.has(e.name) && (e.kind !== EXPORT_MEMORY || e.name === 'memory')),
    { name: 'opa_eval', kind: EXPORT_FUNC, index: opaEval },
    { name: 'eval', kind: EXPORT_FUNC, index: ctxEval },
    { name: 'entrypoints', kind: EXPORT_FUNC, index: entrypoints },
    { name: 'builtins', kind: EXPORT_FUNC, index: builtins },
  ];
  // What the module reads of `input` (and whether it is deterministic) travels with it, so whoever
  // loads it can tell whether two inputs must get the same answer (see ../input-use.ts).
  m.trailingCustom = [{ name: INPUT_USE_SECTION, payload: new TextEncoder().encode(JSON.stringify(analyzeInputUse(policy))) }];
  if (options.debugNames === true) m.trailingCustom.push({ name: 'name', payload: functionNamesPayload(names) });
  return { ok: true, wasm: encodeModule(m) };
}

function usesDynamicCalls(policy: Policy): boolean {
  const visit = (stmts: readonly Stmt[]): boolean =>
    stmts.some((s) => s.type === 'CallDynamicStmt' || childBlocks(s).some((b) => visit(b.stmts)));
  return [...policy.plans.plans, ...policy.funcs.funcs].some((p) => p.blocks.some((b) => visit(b.stmts)));
}

function importedFuncType(m: WasmModule, index: number): number | undefined {
  let i = 0;
  for (const imp of m.imports) {
    if (imp.desc.kind !== 'func') continue;
    if (i === index) return imp.desc.type;
    i++;
  }
  return undefined;
}
