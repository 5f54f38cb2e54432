// Entry point of runtime.wasm: everything exported here is visible to the linker (../README.md).

export { __heap_start } from "./heap";
export * from "./abi";
export * from "./builtins-core";
export * from "./builtins-numbers";
export * from "./builtins-collections";
export * from "./builtins-strings";
export * from "./builtins-encoding";
export * from "./builtins-patterns";
export * from "./builtins-time";
export * from "./builtins-more";
export * from "./builtins-json-paths";
export * from "./builtins-net";
export * from "./builtins-crypto";
export * from "./builtins-semver";
