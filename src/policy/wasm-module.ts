// A compiled WebAssembly.Module as an opaque value: the project's `lib` has no WebAssembly types
// (they come with lib.dom), and the policy code only compiles, posts and instantiates modules.
declare const wasmModuleBrand: unique symbol;

export interface WasmModule {
  readonly [wasmModuleBrand]: true;
}

interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  readonly Module: abstract new (...args: never[]) => WasmModule;
}

const wasmApi = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly;

/** Compiles without instantiating; V8 does most of the work on background threads. */
export function compileWasmModule(bytes: Uint8Array): Promise<WasmModule> {
  return wasmApi.compile(bytes);
}

export function isWasmModule(value: unknown): value is WasmModule {
  return value instanceof wasmApi.Module;
}
