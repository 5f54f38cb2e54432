// The table of Rego built-in functions the compiler knows: name → arity and where it runs.
// The checker rejects any other name; the planner lists the ones a policy calls in
// `static.builtin_funcs`; the Wasm backend reads `impl` to decide between a call into the runtime
// (`native`, exported as `opa_bi_<name>`) and a host import (`host`, via `opa_builtinN`).

/**
 * - `native`: implemented inside the module runtime (hot paths must never leave Wasm); a test
 *   checks that runtime.wasm exports each of them.
 * - `host`: called through the SDK's `opa_builtin<N>` imports. The JS SDK implements `regex.split`
 *   and `yaml.*` itself; the rest are in `HOST_BUILTINS` (src/rego/host-builtins.ts), which every
 *   loader passes to `loadPolicy` as custom built-ins.
 *
 * Built-ins implemented nowhere are left out on purpose, so using one is an `unknown_function`
 * compile error rather than a failure at evaluation time.
 */
export type BuiltinImpl = 'native' | 'host';

export interface BuiltinInfo {
  readonly name: string;
  readonly arity: number;
  readonly impl: BuiltinImpl;
}

// Grouped as in OPA's built-in reference. Arity counts the declared operands only; the optional
// trailing output operand of the relational call form (`plus(1, 2, x)`) is handled by the checker.
const TABLE: readonly (readonly [string, number, BuiltinImpl])[] = [
  // comparison and equality (infix operators)
  ['equal', 2, 'native'],
  ['neq', 2, 'native'],
  ['lt', 2, 'native'],
  ['lte', 2, 'native'],
  ['gt', 2, 'native'],
  ['gte', 2, 'native'],
  // numbers
  ['plus', 2, 'native'],
  ['minus', 2, 'native'],
  ['mul', 2, 'native'],
  ['div', 2, 'native'],
  ['rem', 2, 'native'],
  ['abs', 1, 'native'],
  ['round', 1, 'native'],
  ['ceil', 1, 'native'],
  ['floor', 1, 'native'],
  ['numbers.range', 2, 'native'],
  ['to_number', 1, 'native'],
  // aggregates
  ['count', 1, 'native'],
  ['sum', 1, 'native'],
  ['product', 1, 'native'],
  ['max', 1, 'native'],
  ['min', 1, 'native'],
  ['sort', 1, 'native'],
  // membership (`in`)
  ['internal.member_2', 2, 'native'],
  ['internal.member_3', 3, 'native'],
  // sets (`&`, `|` are `and`, `or`)
  ['and', 2, 'native'],
  ['or', 2, 'native'],
  ['intersection', 1, 'native'],
  ['union', 1, 'native'],
  // arrays
  ['array.concat', 2, 'native'],
  ['array.slice', 3, 'native'],
  ['array.reverse', 1, 'native'],
  // objects
  ['object.get', 3, 'native'],
  ['object.keys', 1, 'native'],
  ['object.remove', 2, 'native'],
  ['object.filter', 2, 'native'],
  ['object.union', 2, 'native'],
  // strings
  ['concat', 2, 'native'],
  ['contains', 2, 'native'],
  ['startswith', 2, 'native'],
  ['endswith', 2, 'native'],
  ['format_int', 2, 'native'],
  ['indexof', 2, 'native'],
  ['lower', 1, 'native'],
  ['upper', 1, 'native'],
  ['replace', 3, 'native'],
  ['split', 2, 'native'],
  ['substring', 3, 'native'],
  ['trim', 2, 'native'],
  ['trim_left', 2, 'native'],
  ['trim_right', 2, 'native'],
  ['trim_prefix', 2, 'native'],
  ['trim_suffix', 2, 'native'],
  ['trim_space', 1, 'native'],
  ['sprintf', 2, 'native'],
  // types
  ['is_array', 1, 'native'],
  ['is_boolean', 1, 'native'],
  ['is_null', 1, 'native'],
  ['is_number', 1, 'native'],
  ['is_object', 1, 'native'],
  ['is_set', 1, 'native'],
  ['is_string', 1, 'native'],
  ['type_name', 1, 'native'],
  // encoding
  ['json.marshal', 1, 'native'],
  ['json.unmarshal', 1, 'native'],
  ['json.is_valid', 1, 'native'],
  ['base64.encode', 1, 'native'],
  ['base64.decode', 1, 'native'],
  ['base64url.encode', 1, 'native'],
  ['base64url.decode', 1, 'native'],
  ['urlquery.encode', 1, 'native'],
  ['urlquery.decode', 1, 'native'],
  ['yaml.marshal', 1, 'host'],
  ['yaml.unmarshal', 1, 'host'],
  ['yaml.is_valid', 1, 'host'],
  // glob and regex
  ['glob.match', 3, 'native'],
  ['regex.match', 2, 'native'],
  ['regex.is_valid', 1, 'native'],
  ['regex.split', 2, 'native'],
  ['re_match', 2, 'native'],
  ['regex.find_n', 3, 'native'],
  ['regex.replace', 3, 'native'],
  ['regex.find_all_string_submatch_n', 3, 'native'],
  // time
  // Wasm has no clock: the current time comes from the host (src/rego/host-builtins.ts).
  ['time.now_ns', 0, 'host'],
  ['time.parse_rfc3339_ns', 1, 'native'],
  ['time.date', 1, 'native'],
  ['time.clock', 1, 'native'],
  ['time.weekday', 1, 'native'],
  ['time.add_date', 4, 'native'],
  ['time.diff', 2, 'native'],
  // more of OPA's library, native in the runtime
  ['object.union_n', 1, 'native'],
  ['object.subset', 2, 'native'],
  ['json.filter', 2, 'native'],
  ['json.remove', 2, 'native'],
  ['graph.reachable', 2, 'native'],
  ['base64.is_valid', 1, 'native'],
  ['hex.encode', 1, 'native'],
  ['hex.decode', 1, 'native'],
  ['time.parse_duration_ns', 1, 'native'],
  ['strings.any_prefix_match', 2, 'native'],
  ['strings.any_suffix_match', 2, 'native'],
  ['strings.count', 2, 'native'],
  ['strings.replace_n', 2, 'native'],
  ['strings.reverse', 1, 'native'],
  ['indexof_n', 2, 'native'],
  ['numbers.range_step', 3, 'native'],
  ['net.cidr_contains', 2, 'native'],
  ['crypto.md5', 1, 'native'],
  ['crypto.sha1', 1, 'native'],
  ['crypto.sha256', 1, 'native'],
  ['crypto.sha512', 1, 'native'],
  ['crypto.hmac.md5', 2, 'native'],
  ['crypto.hmac.sha1', 2, 'native'],
  ['crypto.hmac.sha256', 2, 'native'],
  ['crypto.hmac.sha512', 2, 'native'],
  ['crypto.hmac.equal', 2, 'native'],
  ['semver.is_valid', 1, 'native'],
  ['semver.compare', 2, 'native'],
];

export const BUILTINS: ReadonlyMap<string, BuiltinInfo> = new Map(
  TABLE.map(([name, arity, impl]) => [name, { name, arity, impl }]),
);

export function lookupBuiltin(name: string): BuiltinInfo | undefined {
  return BUILTINS.get(name);
}

/**
 * OPA's type declaration for `static.builtin_funcs`. Operand types are left as `any`: neither the
 * SDK nor the backend reads them, and a precise signature would be a second table to keep in sync.
 */
export function builtinDecl(info: BuiltinInfo): unknown {
  return {
    type: 'function',
    args: Array.from({ length: info.arity }, () => ({ type: 'any' })),
    result: { type: 'any' },
  };
}
