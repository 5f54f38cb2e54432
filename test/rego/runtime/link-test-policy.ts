// A hand-linked policy for runtime tests that need the real SDK: runtime.wasm plus the four
// generated ABI functions for one entrypoint, `test/allow`, which is
//   data.authz.principals[input.user] != undefined
// Built with binaryen expressions only (no data segment), so the runtime's heap start stays valid.

import { readFileSync } from "node:fs";
import type binaryenNs from "assemblyscript/binaryen";
import { RUNTIME_PATH } from "./runtime-harness.js";

type Binaryen = typeof binaryenNs;

export async function linkTestPolicy(): Promise<Uint8Array> {
  // assemblyscript exports binaryen for `import` only, so it is loaded dynamically
  const loaded: { default: Binaryen } = await import("assemblyscript/binaryen");
  const binaryen = loaded.default;
  const mod = binaryen.readBinary(readFileSync(RUNTIME_PATH));
  mod.setFeatures(binaryen.Features.All);
  const { i32, none } = binaryen;
  const internal = (exportName: string): string => binaryen.getExportInfo(mod.getExport(exportName)).value;
  const call = (exportName: string, args: number[], type: number = i32): number =>
    mod.call(internal(exportName), args, type);

  // a string value whose bytes are written at run time into a fresh allocation; `tmp` is a scratch local
  const str = (text: string, tmp: number): number => {
    const bytes = new TextEncoder().encode(text);
    const body: number[] = [mod.local.set(tmp, call("opa_malloc", [mod.i32.const(bytes.byteLength)]))];
    bytes.forEach((b, i) => body.push(mod.i32.store8(i, 1, mod.local.get(tmp, i32), mod.i32.const(b))));
    body.push(call("nmp_string_ref", [mod.local.get(tmp, i32), mod.i32.const(bytes.byteLength)]));
    return mod.block(null, body, i32);
  };

  // result set [{"result": allowed}] for (input, data) in locals in, dt
  const resultSet = (input: number, data: number, tmp: number, rs: number, row: number): number[] => {
    const principals = call("nmp_get", [call("nmp_get", [mod.local.get(data, i32), str("authz", tmp)]), str("principals", tmp)]);
    const hit = call("nmp_get", [principals, call("nmp_get", [mod.local.get(input, i32), str("user", tmp)])]);
    return [
      mod.local.set(rs, call("nmp_set", [])),
      mod.local.set(row, call("nmp_object", [])),
      mod.drop(mod.i32.const(0)),
      call("nmp_object_insert", [mod.local.get(row, i32), str("result", tmp), call("nmp_bool", [mod.i32.ne(hit, mod.i32.const(0))])], none),
      call("nmp_set_add", [mod.local.get(rs, i32), mod.local.get(row, i32)], none),
    ];
  };

  mod.addFunction("builtins", binaryen.createType([]), i32, [], call("nmp_object", []));
  mod.addFunction("entrypoints", binaryen.createType([]), i32, [i32, i32], mod.block(null, [
    mod.local.set(0, call("nmp_object", [])),
    call("nmp_object_insert", [mod.local.get(0, i32), str("test/allow", 1), mod.call(internal("nmp_int"), [mod.i64.const(0n)], i32)], none),
    mod.local.get(0, i32),
  ], i32));
  // opa_eval(reserved, entrypoint, data, input_addr, input_len, heap_ptr, format) -> cstr
  // locals: 7 input, 8 tmp, 9 rs, 10 row
  mod.addFunction("opa_eval", binaryen.createType([i32, i32, i32, i32, i32, i32, i32]), i32, [i32, i32, i32, i32], mod.block(null, [
    mod.local.set(7, call("nmp_eval_begin", [mod.local.get(5, i32), mod.local.get(3, i32), mod.local.get(4, i32)])),
    ...resultSet(7, 2, 8, 9, 10),
    call("nmp_eval_end", [mod.local.get(9, i32)]),
  ], i32));
  // eval(ctx) -> 0; locals: 1 input, 2 data, 3 tmp, 4 rs, 5 row
  mod.addFunction("eval", binaryen.createType([i32]), i32, [i32, i32, i32, i32, i32], mod.block(null, [
    mod.local.set(1, call("nmp_ctx_input", [mod.local.get(0, i32)])),
    mod.local.set(2, call("nmp_ctx_data", [mod.local.get(0, i32)])),
    ...resultSet(1, 2, 3, 4, 5),
    call("nmp_ctx_set_result", [mod.local.get(0, i32), mod.local.get(4, i32)], none),
    mod.i32.const(0),
  ], i32));
  for (const name of ["builtins", "entrypoints", "opa_eval", "eval"]) mod.addFunctionExport(name, name);
  if (!mod.validate()) throw new Error("linked test policy does not validate");
  const out = mod.emitBinary();
  mod.dispose();
  return out;
}
