import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { AbortError, Wasm, loadRuntime, runtimeModule } from "./runtime-harness.js";

describe("runtime values: order, equality, hashing", () => {
  const rt = loadRuntime();
  const v = (text: string): number => {
    const a = rt.parse(text, true);
    if (a === 0) throw new Error(`cannot parse ${text}`);
    return a;
  };

  // each row is strictly less than the next, in Rego's total order
  const ascending = [
    "null", "false", "true", "-5", "-0.5", "0", "0.1", "1", "1.5", "2", "9007199254740993", "1e30",
    '""', '"B"', '"a"', '"ab"', '"b"', "[]", "[1]", "[1, 2]", "[2]", '["a"]', "{}", '{"a": 1}',
    '{"a": 2}', '{"b": 0}', "set()", "{1}", "{1, 2}", "{2}",
  ];
  for (let i = 0; i + 1 < ascending.length; i++) {
    const a = ascending[i] ?? "", b = ascending[i + 1] ?? "";
    it(`orders ${a} before ${b}`, () => {
      assert.equal(rt.call("nmp_compare", v(a), v(b)), -1);
      assert.equal(rt.call("nmp_compare", v(b), v(a)), 1);
      assert.equal(rt.call("nmp_equal", v(a), v(b)), 0);
    });
  }

  const equalPairs: Array<[string, string]> = [
    ["1", "1.0"], ["100", "1e2"], ["0.30", "0.3"], ["-0", "0"], ['{"a": [1, {"b": null}]}', '{"a": [1.0, {"b": null}]}'],
    ["{1, 2}", "{2.0, 1}"], ['{"b": 1, "a": 2}', '{"a": 2, "b": 1}'],
  ];
  for (const [a, b] of equalPairs) {
    it(`treats ${a} and ${b} as equal with compare 0`, () => {
      assert.equal(rt.call("nmp_equal", v(a), v(b)), 1);
      assert.equal(rt.call("nmp_compare", v(a), v(b)), 0);
    });
  }

  it("keeps one element for 1 and 1.0 in a set", () => {
    const s = rt.call("nmp_set");
    rt.call("nmp_set_add", s, v("1"));
    rt.call("nmp_set_add", s, v("1.0"));
    rt.call("nmp_set_add", s, v("2"));
    assert.equal(rt.call("nmp_len", s), 2);
  });

  it("finds every key of a 100k-key object, including by an equal number of another spelling", () => {
    const o = rt.call("nmp_object");
    for (let i = 0; i < 100_000; i++) rt.call("nmp_object_insert", o, rt.str(`key-${i}`), rt.call("nmp_int", BigInt(i)));
    for (let i = 0; i < 1000; i++) rt.call("nmp_object_insert", o, v(`${i}`), v(`"n${i}"`));
    assert.equal(rt.call("nmp_len", o), 101_000);
    for (let i = 0; i < 100_000; i += 997) {
      const got = rt.call("nmp_get", o, rt.str(`key-${i}`));
      assert.equal(rt.dump(got), `${i}`);
    }
    assert.equal(rt.dump(rt.call("nmp_get", o, v("5.0"))), '"n5"');
    assert.equal(rt.call("nmp_get", o, rt.str("key-100000")), 0);
    // scanning is in key order: numbers before strings, strings by bytes
    assert.equal(rt.dump(rt.call("nmp_scan_key", o, 0)), "0");
    assert.equal(rt.dump(rt.call("nmp_scan_key", o, 1000)), '"key-0"');
    assert.equal(rt.dump(rt.call("nmp_scan_key", o, 1001)), '"key-1"');
    assert.equal(rt.dump(rt.call("nmp_scan_key", o, 1002)), '"key-10"');
  });

  it("hashes 100k parsed keys so lookups stay correct after sorting", () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `${(i * 7919) % 100_000}`);
    const o = v("{" + keys.map((k) => `"${k}": ${k}`).join(",") + "}");
    assert.equal(rt.call("nmp_len", o), 100_000);
    for (let i = 0; i < 100_000; i += 1009) assert.equal(rt.dump(rt.call("nmp_get", o, rt.str(`${i}`))), `${i}`);
    assert.equal(rt.dump(rt.call("nmp_scan_key", o, 1)), '"1"');
    assert.equal(rt.dump(rt.call("nmp_scan_key", o, 2)), '"10"');
  });

  it("scans arrays by index and sets in element order", () => {
    const a = v('["x", "y"]');
    assert.equal(rt.dump(rt.call("nmp_scan_key", a, 1)), "1");
    assert.equal(rt.dump(rt.call("nmp_scan_value", a, 1)), '"y"');
    const s = rt.call("nmp_set");
    for (const t of ['"b"', "3", '"a"']) rt.call("nmp_set_add", s, v(t));
    assert.deepEqual([0, 1, 2].map((i) => rt.dump(rt.call("nmp_scan_value", s, i))), ["3", '"a"', '"b"']);
    assert.equal(rt.dump(rt.call("nmp_scan_key", s, 2)), '"b"');
  });

  it("scans nothing outside a collection's bounds or in a scalar", () => {
    assert.equal(rt.call("nmp_scan_key", v('"abc"'), 0), 0);
    assert.equal(rt.call("nmp_scan_value", v('"abc"'), 0), 0);
    assert.equal(rt.call("nmp_scan_value", v("[1]"), 1), 0);
    assert.equal(rt.call("nmp_scan_key", v('{"a": 1}'), 1), 0);
    assert.equal(rt.call("nmp_scan_value", v("{1}"), -1), 0);
  });

  it("gets array elements by integral index and set elements by membership", () => {
    const a = v("[10, 20]");
    assert.equal(rt.dump(rt.call("nmp_get", a, v("1.0"))), "20");
    assert.equal(rt.call("nmp_get", a, v("2")), 0);
    assert.equal(rt.call("nmp_get", a, v("0.5")), 0);
    assert.equal(rt.call("nmp_get", a, v('"0"')), 0);
    assert.equal(rt.dump(rt.call("nmp_get", v('{"x", 1}'), v("1.0"))), "1");
    assert.equal(rt.call("nmp_get", v('"str"'), v("0")), 0);
  });

  it("reports type codes and lengths", () => {
    const cases: Array<[string, number, number]> = [
      ["null", 1, 0], ["true", 2, 0], ["1", 3, 0], ['"h\u00e9"', 4, 3], ["[1,2]", 5, 2], ['{"a":1}', 6, 1], ["{1}", 7, 1],
    ];
    for (const [text, type, len] of cases) {
      assert.equal(rt.call("nmp_type", v(text)), type, text);
      assert.equal(rt.call("nmp_len", v(text)), len, text);
    }
  });

  it("inserts once: the same value is fine, a different one is a conflict", () => {
    const o = rt.call("nmp_object");
    assert.equal(rt.call("nmp_object_insert_once", o, rt.str("a"), v("1")), 0);
    assert.equal(rt.call("nmp_object_insert_once", o, rt.str("a"), v("1.0")), 0);
    assert.equal(rt.call("nmp_object_insert_once", o, rt.str("a"), v("2")), 1);
    assert.equal(rt.dump(o), '{"a":1}');
  });

  it("upserts into a copy without changing the original", () => {
    const root = v('{"a": {"b": 1, "c": 2}, "d": 3}');
    const before = rt.dump(root);
    const r = rt.call("nmp_upsert", root, v('["a", "b"]'), v('"x"'));
    assert.equal(rt.dump(r), '{"a":{"b":"x","c":2},"d":3}');
    assert.equal(rt.dump(root), before);
    const deep = rt.call("nmp_upsert", root, v('["e", "f"]'), v("true"));
    assert.equal(rt.dump(deep), '{"a":{"b":1,"c":2},"d":3,"e":{"f":true}}');
    assert.equal(rt.dump(rt.call("nmp_upsert", 0, v('["k"]'), v("1"))), '{"k":1}');
    assert.equal(rt.dump(rt.call("nmp_upsert", root, v("[]"), v("1"))), "1");
  });

  it("merges objects recursively, the left side winning on non-object overlaps", () => {
    const r = rt.call("nmp_merge", v('{"a": {"x": 1}, "b": 1}'), v('{"a": {"y": 2}, "b": 2, "c": 3}'));
    assert.equal(rt.dump(r), '{"a":{"x":1,"y":2},"b":1,"c":3}');
    assert.equal(rt.call("nmp_merge", v("1"), v("{}")), 0);
    assert.equal(rt.dump(rt.call("nmp_merge", 0, v('{"q": 1}'))), '{"q":1}');
  });

  it("adds and removes data paths in place, keeping key order", () => {
    const d = v('{"b": {"x": 1}}');
    assert.equal(rt.call("opa_value_add_path", d, v('["a", "c"]'), v("5")), 0);
    assert.equal(rt.call("opa_value_add_path", d, v('["b", "w"]'), v("6")), 0);
    assert.equal(rt.dump(d), '{"a":{"c":5},"b":{"w":6,"x":1}}');
    assert.equal(rt.call("opa_value_add_path", d, v('["b", "x", "deeper"]'), v("1")), 3);
    assert.equal(rt.call("opa_value_add_path", v("[]"), v('["a"]'), v("1")), 2);
    assert.equal(rt.call("opa_value_remove_path", d, v('["b", "x"]')), 0);
    assert.equal(rt.dump(d), '{"a":{"c":5},"b":{"w":6}}');
    assert.equal(rt.call("nmp_get", rt.call("nmp_get", d, rt.str("b")), rt.str("x")), 0);
  });

  it("aborts with OPA's conflict messages", () => {
    const expected = [
      "var assignment conflict", "object insert conflict", "object merge conflict",
      "functions must not produce multiple outputs for same inputs",
    ];
    expected.forEach((msg, kind) => {
      assert.throws(() => rt.call("nmp_abort_conflict", kind), (e: unknown) => e instanceof AbortError && e.abortMessage === msg);
    });
  });
});

describe("runtime ABI surface", () => {
  it("imports exactly the memory and OPA's host functions", () => {
    const rt = loadRuntime();
    const imports = Wasm.Module.imports(runtimeModule()).map((i) => `${i.module}.${i.name}:${i.kind}`).sort();
    assert.deepEqual(imports, [
      "env.memory:memory", "env.opa_abort:function", "env.opa_builtin0:function", "env.opa_builtin1:function",
      "env.opa_builtin2:function", "env.opa_builtin3:function", "env.opa_builtin4:function", "env.opa_println:function",
    ]);
    const g = rt.exports["opa_wasm_abi_version"];
    const m = rt.exports["opa_wasm_abi_minor_version"];
    assert.ok(g instanceof Wasm.Global && m instanceof Wasm.Global);
    assert.equal(g.value, 1);
    assert.equal(m.value, 2);
  });

  it("exports only contract names, the built-ins the backend's table needs among them", () => {
    const names = Wasm.Module.exports(runtimeModule()).map((e) => e.name);
    const stray = names.filter((n) => !/^(nmp_|opa_)/.test(n) && n !== "__heap_start" && n !== "memory");
    assert.deepEqual(stray, []);
    for (const n of ["opa_malloc", "opa_json_parse", "opa_json_dump", "opa_heap_ptr_get", "opa_heap_ptr_set", "opa_eval_ctx_new",
      "opa_value_add_path", "opa_value_remove_path", "nmp_eval_begin", "nmp_eval_end", "nmp_host_call4", "opa_bi_glob_match",
      "opa_bi_internal_member_3", "opa_bi_object_get", "opa_bi_time_parse_rfc3339_ns"]) {
      assert.ok(names.includes(n), n);
    }
  });

  it("starts the heap at the exported 16-byte-aligned __heap_start and aligns allocations", () => {
    const rt = loadRuntime();
    const hs = rt.exports["__heap_start"];
    assert.ok(hs instanceof Wasm.Global);
    const start = rt.heapPtr();
    assert.equal(start % 16, 0);
    const a = rt.call("opa_malloc", 3);
    assert.equal(a, start);
    const b = rt.call("opa_malloc", 1);
    assert.equal(b % 8, 0);
    assert.ok(b > a);
    rt.setHeapPtr(start + 5);
    assert.equal(rt.heapPtr() % 8, 0);
  });

  it("grows memory when allocations pass its end", () => {
    const rt = loadRuntime();
    const before = rt.memory.buffer.byteLength;
    const addr = rt.call("opa_malloc", 3 * 65536);
    assert.ok(rt.memory.buffer.byteLength >= addr + 3 * 65536);
    assert.ok(rt.memory.buffer.byteLength > before);
  });

  it("runs the eval fast path: input parsed at the given heap, result set dumped", () => {
    const rt = loadRuntime();
    const text = new TextEncoder().encode('{"user": "alice"}');
    const inputAddr = rt.writeBytes(text);
    const heap = inputAddr + text.byteLength;
    const input = rt.call("nmp_eval_begin", heap, inputAddr, text.byteLength);
    assert.ok(rt.heapPtr() >= heap);
    const user = rt.call("nmp_get", input, rt.str("user"));
    const rs = rt.call("nmp_set");
    const row = rt.call("nmp_object");
    rt.call("nmp_object_insert", row, rt.str("result"), user);
    rt.call("nmp_set_add", rs, row);
    assert.equal(rt.readCString(rt.call("nmp_eval_end", rs)), '[{"result":"alice"}]');
    assert.equal(rt.call("nmp_eval_begin", heap, 0, 0), 0);
  });

  it("keeps eval-context fields for the old ABI path", () => {
    const rt = loadRuntime();
    const ctx = rt.call("opa_eval_ctx_new");
    rt.call("opa_eval_ctx_set_input", ctx, 111);
    rt.call("opa_eval_ctx_set_data", ctx, 222);
    rt.call("opa_eval_ctx_set_entrypoint", ctx, 3);
    rt.call("nmp_ctx_set_result", ctx, 444);
    assert.deepEqual(
      [rt.call("nmp_ctx_input", ctx), rt.call("nmp_ctx_data", ctx), rt.call("nmp_ctx_entrypoint", ctx), rt.call("opa_eval_ctx_get_result", ctx)],
      [111, 222, 3, 444],
    );
  });
});

describe("runtime contract README", () => {
  it("lists exactly the native built-ins runtime.wasm exports", () => {
    const readme = readFileSync(new URL("../../../src/rego/runtime/README.md", import.meta.url), "utf8");
    const start = readme.indexOf("Native built-ins exported by the runtime");
    const block = /```\n([\s\S]*?)```/.exec(readme.slice(start));
    assert.ok(block?.[1] !== undefined, "no built-in list in the README");
    const listed = block[1].split(/\s+/).filter((n) => n !== "").map((n) => `opa_bi_${n.replaceAll(".", "_")}`).sort();
    const exported = Wasm.Module.exports(runtimeModule()).map((e) => e.name).filter((n) => n.startsWith("opa_bi_")).sort();
    assert.deepEqual(listed, exported);
  });
});
