// A compiled WebAssembly.Module as an opaque value: the project's `lib` has no WebAssembly types
// (they come with lib.dom), and the policy code only compiles, posts and instantiates modules.
declare const wasmModuleBrand: unique symbol;

export interface WasmModule {
  readonly [wasmModuleBrand]: true;
}

interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  readonly Module: (abstract new (...args: never[]) => WasmModule) & {
    customSections(module: WasmModule, name: string): ArrayBuffer[];
  };
}

const wasmApi = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly;

/** Compiles without instantiating; V8 does most of the work on background threads. */
export function compileWasmModule(bytes: Uint8Array): Promise<WasmModule> {
  return wasmApi.compile(bytes);
}

export function isWasmModule(value: unknown): value is WasmModule {
  return value instanceof wasmApi.Module;
}

/** The payload of the custom section `name`, or null when the module has none or several. */
export function customSection(module: WasmModule, name: string): Uint8Array | null {
  const sections = wasmApi.Module.customSections(module, name);
  const only = sections.length === 1 ? sections[0] : undefined;
  return only === undefined ? null : new Uint8Array(only);
}
