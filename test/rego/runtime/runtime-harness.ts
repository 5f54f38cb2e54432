// Instantiates the committed runtime.wasm on its own (no policy linked) and wraps its exports for
// tests: values are addresses, text goes in and out as UTF-8 JSON.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const RUNTIME_PATH = fileURLToPath(new URL("../../../src/rego/runtime/runtime.wasm", import.meta.url));

type Fn = (...args: never[]) => unknown;

// The project's TypeScript libs do not declare the WebAssembly namespace; these are the few parts
// the tests use, kept local so they cannot clash with declarations elsewhere.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmGlobal {
  value: unknown;
}
export type WasmModule = object;
export interface WasmImportDescriptor {
  module: string;
  name: string;
  kind: string;
}
interface WasmApi {
  Module: {
    new (bytes: Uint8Array): WasmModule;
    imports(m: WasmModule): WasmImportDescriptor[];
    exports(m: WasmModule): Array<{ name: string; kind: string }>;
  };
  Instance: new (m: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number }) => WasmMemory;
  Global: abstract new (...args: never[]) => WasmGlobal;
}
export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface Runtime {
  readonly memory: WasmMemory;
  readonly exports: Record<string, unknown>;
  call(name: string, ...args: Array<number | bigint>): number;
  /** parse JSON text (or Rego value text with `rego`); 0 when invalid */
  parse(text: string, rego?: boolean): number;
  dump(addr: number, rego?: boolean): string;
  /** the JSON text of a value built from text: parse, then dump */
  roundTrip(text: string): string;
  str(s: string): number;
  num(text: string): number;
  heapPtr(): number;
  setHeapPtr(p: number): void;
  readCString(addr: number): string;
  writeBytes(bytes: Uint8Array): number;
  printed: string[];
}

export class AbortError extends Error {
  constructor(readonly abortMessage: string) {
    super(abortMessage);
  }
}

let cachedModule: WasmModule | undefined;

export function runtimeModule(): WasmModule {
  cachedModule ??= new Wasm.Module(readFileSync(RUNTIME_PATH));
  return cachedModule;
}

export function loadRuntime(): Runtime {
  const memory = new Wasm.Memory({ initial: 2 });
  const printed: string[] = [];
  const readCString = (addr: number): string => {
    const bytes = new Uint8Array(memory.buffer);
    let end = addr;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(addr, end));
  };
  const hostBuiltin = (): number => {
    throw new Error("no host built-ins in runtime tests");
  };
  const instance = new Wasm.Instance(runtimeModule(), {
    env: {
      memory,
      opa_abort: (addr: number) => {
        throw new AbortError(readCString(addr));
      },
      opa_println: (addr: number) => {
        printed.push(readCString(addr));
      },
      opa_builtin0: hostBuiltin,
      opa_builtin1: hostBuiltin,
      opa_builtin2: hostBuiltin,
      opa_builtin3: hostBuiltin,
      opa_builtin4: hostBuiltin,
    },
  });
  const ex = instance.exports;
  const call = (name: string, ...args: Array<number | bigint>): number => {
    const f = ex[name];
    if (typeof f !== "function") throw new Error(`runtime.wasm has no export ${name}`);
    const r: unknown = (f as Fn)(...(args as never[]));
    if (r === undefined) return 0;
    if (typeof r !== "number") throw new Error(`${name} returned ${typeof r}`);
    return r;
  };
  const writeBytes = (bytes: Uint8Array): number => {
    const addr = call("opa_malloc", bytes.byteLength);
    new Uint8Array(memory.buffer).set(bytes, addr);
    return addr;
  };
  const parse = (text: string, rego = false): number => {
    const bytes = new TextEncoder().encode(text);
    const addr = writeBytes(bytes);
    return call(rego ? "opa_value_parse" : "opa_json_parse", addr, bytes.byteLength);
  };
  const dump = (addr: number, rego = false): string => readCString(call(rego ? "opa_value_dump" : "opa_json_dump", addr));
  return {
    memory,
    exports: ex,
    call,
    parse,
    dump,
    roundTrip: (text) => {
      const v = parse(text);
      if (v === 0) throw new Error(`runtime rejected ${text}`);
      return dump(v);
    },
    str: (s) => {
      const bytes = new TextEncoder().encode(s);
      return call("nmp_string_ref", writeBytes(bytes), bytes.byteLength);
    },
    num: (text) => {
      const bytes = new TextEncoder().encode(text);
      return call("nmp_number_ref", writeBytes(bytes), bytes.byteLength);
    },
    heapPtr: () => call("opa_heap_ptr_get"),
    setHeapPtr: (p) => {
      call("opa_heap_ptr_set", p);
    },
    readCString,
    writeBytes,
    printed,
  };
}
