// Built-ins a compiled module calls back into the host for: the `host` entries of ./builtins.ts
// that the opa-wasm SDK does not implement itself. Whoever loads a module passes this object to
// `loadPolicy(wasm, memory, HOST_BUILTINS)`; a test checks that every `host` built-in is covered.

/** Built-ins the JS SDK ships itself (it refuses to let them be overridden). */
export const SDK_BUILTINS: ReadonlySet<string> = new Set([
  'json.is_valid', 'regex.split', 'sprintf', 'yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal',
]);

type HostBuiltin = (...args: unknown[]) => unknown;

export const HOST_BUILTINS: Readonly<Record<string, HostBuiltin>> = {
  // Wasm has no clock. Nanoseconds since the epoch at millisecond resolution: the value crosses the
  // SDK as a JSON number, and a whole number of milliseconds times 1e6 prints exactly.
  'time.now_ns': () => Date.now() * 1_000_000,
};
