import { strict as assert } from "node:assert";
import { loadRuntime } from "./runtime-harness.js";

describe("runtime JSON parse and dump", () => {
  const rt = loadRuntime();

  const roundTrips: Array<[string, string]> = [
    ["null", "null"],
    ["true", "true"],
    ["false", "false"],
    ["0", "0"],
    ["-0", "0"],
    ["42", "42"],
    ["-17", "-17"],
    ["2.0", "2.0"],
    ["1e3", "1000.0"],
    ["1.50", "1.5"],
    ["0.001", "0.001"],
    ["-0.25", "-0.25"],
    ["9007199254740993", "9007199254740993"],
    ["123456789012345678901234567890", "123456789012345678901234567890"],
    ["1E-2", "0.01"],
    ['"a\\"b\\\\c\\n\\u00e9\\ud83d\\ude00"', '"a\\"b\\\\c\\n\u00e9\u{1F600}"'],
    ['"h\u00e9llo"', '"h\u00e9llo"'],
    ["[]", "[]"],
    ["[1, [2, {}], \"x\"]", '[1,[2,{}],"x"]'],
    ['{"b": 1, "a": 2}', '{"a":2,"b":1}'],
    ['{"a": 1, "a": 2}', '{"a":2}'],
    [' \n{ "z" : [ true , null ] } \t', '{"z":[true,null]}'],
  ];
  for (const [input, expected] of roundTrips) {
    it(`round-trips ${input} as ${expected}`, () => {
      assert.equal(rt.roundTrip(input), expected);
    });
  }

  const invalid = [
    "", "   ", "nul", "tru", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "{1:2}", "01", "1.", ".5", "-",
    "1e", "\"abc", "\"a\u0001b\"", "\"\\x\"", "[1]]", "{} {}", "\"\\u12\"", "+1", "NaN", "{\"a\"}",
  ];
  for (const text of invalid) {
    it(`rejects invalid JSON ${JSON.stringify(text)} with 0`, () => {
      assert.equal(rt.parse(text), 0);
    });
  }

  it("sorts object keys and drops duplicate keys keeping the last", () => {
    const keys = Array.from({ length: 50 }, (_, i) => `k${(i * 37) % 50}`);
    const text = "{" + keys.map((k, i) => `"${k}": ${i}`).join(",") + ', "k3": "last"}';
    const out: unknown = JSON.parse(rt.roundTrip(text));
    assert.ok(out !== null && typeof out === "object");
    const outKeys = Object.keys(out);
    assert.deepEqual(outKeys, [...new Set(keys)].sort());
    assert.equal((out as Record<string, unknown>)["k3"], "last");
  });

  it("parses and dumps Rego set syntax with opa_value_parse / opa_value_dump", () => {
    const v = rt.parse('{3, 1, "a", 1.0, [1]}', true);
    assert.notEqual(v, 0);
    assert.equal(rt.call("nmp_type", v), 7);
    assert.equal(rt.call("nmp_len", v), 4);
    assert.equal(rt.dump(v, true), '{1,3,"a",[1]}');
    assert.equal(rt.dump(v), '[1,3,"a",[1]]');
    const empty = rt.parse("set()", true);
    assert.equal(rt.dump(empty, true), "set()");
    assert.equal(rt.parse("set()"), 0);
  });

  it("writes non-string object keys as quoted JSON text", () => {
    const v = rt.parse('{1: "a", "b": 2}', true);
    assert.equal(rt.dump(v), '{"1":"a","b":2}');
  });

  it("accepts nesting 1000 deep and rejects deeper documents instead of exhausting the stack", () => {
    const deepArray = "[".repeat(1000) + "]".repeat(1000);
    const v = rt.parse(deepArray);
    assert.notEqual(v, 0);
    assert.equal(rt.dump(v), deepArray);
    assert.equal(rt.call("nmp_equal", v, rt.parse(deepArray)), 1);
    const set = rt.call("nmp_set");
    rt.call("nmp_set_add", set, v);
    assert.equal(rt.call("nmp_len", set), 1);
    assert.equal(rt.parse('{"a":'.repeat(1000) + "1" + "}".repeat(1000)) === 0, false);
    assert.equal(rt.parse("[".repeat(1001) + "]".repeat(1001)), 0);
    assert.equal(rt.parse('{"a":'.repeat(1001) + "1" + "}".repeat(1001)), 0);
  });

  it("escapes control characters in output", () => {
    assert.equal(rt.roundTrip('"\\u0001\\t"'), '"\\u0001\\t"');
  });

  it("parses 6 MB of role-binding data in well under a second", function () {
    this.timeout(60_000);
    const principals: Record<string, unknown> = {};
    for (let i = 0; i < 60000; i++) {
      principals[`user-${i}@example.com`] = {
        workspaces: { [`ws-${i % 300}`]: ["Editor", "Viewer"], system: ["Viewer"], [`team-${i % 17}`]: ["Admin"] },
      };
    }
    const text = JSON.stringify({ authz: { principals } });
    assert.ok(text.length > 6_000_000, `fixture is ${text.length} bytes`);
    const bytes = new TextEncoder().encode(text);
    const base = rt.heapPtr();
    const addr = rt.writeBytes(bytes);
    const t0 = performance.now();
    const v = rt.call("opa_json_parse", addr, bytes.byteLength);
    const ms = performance.now() - t0;
    assert.notEqual(v, 0);
    // ≈ 45 ms on an idle 2-core machine; the bound leaves room for a loaded CI host
    assert.ok(ms < 1500, `parse took ${ms.toFixed(1)} ms`);
    const p = rt.call("nmp_get", rt.call("nmp_get", v, rt.str("authz")), rt.str("principals"));
    assert.equal(rt.call("nmp_len", p), 60000);
    const u = rt.call("nmp_get", p, rt.str("user-59999@example.com"));
    assert.notEqual(u, 0);
    rt.setHeapPtr(base);
  });
});
