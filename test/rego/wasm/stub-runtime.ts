// A hand-made module that follows the runtime's linking contract (imports, `__heap_start`, one
// export per runtime function) with trivial bodies, so the linker can be tested without runtime.wasm.
import { ByteWriter } from '../../../src/rego/wasm/byte-writer.js';
import { RUNTIME_FUNCTIONS } from '../../../src/rego/wasm/policy-codegen.js';
import {
  encodeModule,
  EXPORT_FUNC,
  EXPORT_GLOBAL,
  I32,
  I64,
  i32ConstExpr,
  internType,
  type WasmModule,
} from '../../../src/rego/wasm/wasm-module.js';

export const STUB_DATA_OFFSET = 1000;
export const STUB_DATA = new TextEncoder().encode('runtime-constants');

export function buildStubRuntime(extraBuiltins: Readonly<Record<string, number>> = {}): Uint8Array {
  const m: WasmModule = {
    types: [], imports: [], functions: [], table: undefined, memory: undefined, globals: [], exports: [],
    start: undefined, elements: undefined, code: [], data: [], hasDataCount: false,
  };
  const voidOf = (n: number): number => internType(m, { params: Array<number>(n).fill(I32), results: [] });
  m.imports.push({ module: 'env', name: 'memory', desc: { kind: 'memory', min: 1, max: undefined, flags: 0 } });
  m.imports.push({ module: 'env', name: 'opa_abort', desc: { kind: 'func', type: voidOf(1) } });
  m.imports.push({ module: 'env', name: 'opa_println', desc: { kind: 'func', type: voidOf(1) } });
  for (let n = 0; n <= 4; n++) {
    const type = internType(m, { params: Array<number>(n + 2).fill(I32), results: [I32] });
    m.imports.push({ module: 'env', name: `opa_builtin${n}`, desc: { kind: 'func', type } });
  }
  const imported = 7;
  const addFunc = (name: string, params: number[], results: number[]): void => {
    m.functions.push(internType(m, { params, results }));
    const body = new ByteWriter().u32(0);
    if (results.length > 0) body.byte(0x41).s32(0);
    body.byte(0x0b);
    m.code.push(body.toBytes());
    m.exports.push({ name, kind: EXPORT_FUNC, index: imported + m.functions.length - 1 });
  };
  for (const [name, [params, results]] of Object.entries(RUNTIME_FUNCTIONS)) {
    addFunc(name, params.map((p) => (p === 'i64' ? I64 : I32)), results === 1 ? [I32] : []);
  }
  for (const [name, arity] of Object.entries(extraBuiltins)) addFunc(name, Array<number>(arity).fill(I32), [I32]);
  addFunc('opa_malloc', [I32], [I32]);
  addFunc('opa_json_parse', [I32, I32], [I32]);
  addFunc('opa_json_dump', [I32], [I32]);
  addFunc('opa_heap_ptr_get', [], [I32]);
  addFunc('opa_heap_ptr_set', [I32], []);
  addFunc('internal_helper', [], [I32]);
  m.globals.push({ type: I32, mutable: true, init: i32ConstExpr(4096) });
  m.exports.push({ name: '__heap_start', kind: EXPORT_GLOBAL, index: 0 });
  m.globals.push({ type: I32, mutable: false, init: i32ConstExpr(1) });
  m.exports.push({ name: 'opa_wasm_abi_version', kind: EXPORT_GLOBAL, index: 1 });
  m.globals.push({ type: I32, mutable: false, init: i32ConstExpr(2) });
  m.exports.push({ name: 'opa_wasm_abi_minor_version', kind: EXPORT_GLOBAL, index: 2 });
  m.data.push({ kind: 'active', memory: 0, offset: i32ConstExpr(STUB_DATA_OFFSET), init: STUB_DATA });
  return encodeModule(m);
}
