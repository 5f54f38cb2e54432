// The lib settings (ES2023, no DOM) do not declare the WebAssembly global; tests need only this much.
export interface WasmInstance {
  readonly exports: Readonly<Record<string, unknown>>;
}

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  instantiate(bytes: Uint8Array, imports: Record<string, Record<string, unknown>>): Promise<{ instance: WasmInstance }>;
  Memory: new (desc: { initial: number }) => { readonly buffer: ArrayBuffer };
}

export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
