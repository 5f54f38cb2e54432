// Entry point of runtime.wasm: everything exported here is visible to the linker (../README.md).

export { __heap_start } from "./heap";
export * from "./abi";
export * from "./builtins-core";
