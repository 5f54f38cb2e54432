import { strict as assert } from "node:assert";
import { loadRuntime } from "./runtime-harness.js";

// [built-in, argument values in Rego syntax, expected result in compact Rego syntax or undefined]
type Case = [string, string[], string | undefined];

const cases: Case[] = [
  // operators
  ["plus", ["0.1", "0.2"], "0.3"],
  ["plus", ["9007199254740993", "0"], "9007199254740993"],
  ["plus", ["1", '"a"'], undefined],
  ["minus", ["1", "3"], "-2"],
  ["minus", ["{1, 2, 3}", "{2}"], "{1,3}"],
  ["mul", ["2", "0.5"], "1"],
  ["mul", ["1.5", "1.5"], "2.25"],
  ["div", ["7", "2"], "3.5"],
  ["div", ["3", "1"], "3"],
  ["div", ["1", "3"], "0.3333333333333333"],
  ["div", ["3", "0"], undefined],
  ["div", ["0", "0"], undefined],
  ["rem", ["-7", "3"], "-1"],
  ["rem", ["7", "-3"], "1"],
  ["rem", ["7", "2.5"], undefined],
  ["rem", ["7", "0"], undefined],
  ["equal", ["1", "1.0"], "true"],
  ["equal", ["1", '"1"'], "false"],
  ["neq", ["[1]", "[2]"], "true"],
  ["lt", ["1", '"a"'], "true"],
  ["lt", ['"B"', '"a"'], "true"],
  ["lte", ["null", "false"], "true"],
  ["gt", ['{"a": 1}', "[1]"], "true"],
  ["gte", ["2", "2.0"], "true"],
  ["count", ['"h\u00e9llo"'], "5"],
  ["count", ['{"a": 1, "b": 2}'], "2"],
  ["count", ["{1, 1.0}"], "1"],
  ["count", ["1"], undefined],
  ["internal.member_2", ["2", "[1, 2]"], "true"],
  ["internal.member_2", ["2", '{"a": 2}'], "true"],
  ["internal.member_2", ['"a"', '{"a": 2}'], "false"],
  ["internal.member_2", ["1.0", "{1}"], "true"],
  ["internal.member_3", ["1", '"y"', '["x", "y"]'], "true"],
  ["internal.member_3", ['"a"', "2", '{"a": 2}'], "true"],
  ["internal.member_3", ['"a"', "3", '{"a": 2}'], "false"],
  // numbers
  ["abs", ["-3.5"], "3.5"],
  ["round", ["2.5"], "3"],
  ["round", ["-2.5"], "-3"],
  ["round", ["2.4999"], "2"],
  ["ceil", ["1.2"], "2"],
  ["ceil", ["-1.2"], "-1"],
  ["floor", ["-1.2"], "-2"],
  ["floor", ["7"], "7"],
  ["numbers.range", ["1", "4"], "[1,2,3,4]"],
  ["numbers.range", ["2", "-1"], "[2,1,0,-1]"],
  ["numbers.range", ["1", "1.5"], undefined],
  ["sum", ["[1, 2.5, 3]"], "6.5"],
  ["sum", ["{1, 2}"], "3"],
  ["sum", ["[]"], "0"],
  ["sum", ['[1, "a"]'], undefined],
  ["product", ["[2, 3, 4]"], "24"],
  ["max", ['[1, "a", null]'], '"a"'],
  ["min", ["{3, 1, 2}"], "1"],
  ["max", ["[]"], undefined],
  ["sort", ['[3, "a", 1, null, [0]]'], '[null,1,3,"a",[0]]'],
  ["sort", ['{"b", "a"}'], '["a","b"]'],
  // strings
  ["concat", ['","', '{"b", "a"}'], '"a,b"'],
  ["concat", ['"-"', '["x", "y", "z"]'], '"x-y-z"'],
  ["concat", ['","', "[1]"], undefined],
  ["contains", ['"abcdef"', '"cde"'], "true"],
  ["contains", ['"abc"', '"x"'], "false"],
  ["startswith", ['"abc"', '"ab"'], "true"],
  ["endswith", ['"abc"', '"bc"'], "true"],
  ["endswith", ['"abc"', '"abcd"'], "false"],
  ["lower", ['"AbC-\u00c9"'], '"abc-\u00c9"'],
  ["upper", ['"abc"'], '"ABC"'],
  ["split", ['"a,b,"', '","'], '["a","b",""]'],
  ["split", ['"h\u00e9"', '""'], '["h","\u00e9"]'],
  ["split", ['""', '","'], '[""]'],
  ["replace", ['"a.b.c"', '"."', '"::"'], '"a::b::c"'],
  ["replace", ['"ab"', '""', '"-"'], '"-a-b-"'],
  ["trim", ['"  xx  "', '" "'], '"xx"'],
  ["trim", ['"abcxcba"', '"ab"'], '"cxc"'],
  ["trim_left", ['"aab"', '"a"'], '"b"'],
  ["trim_right", ['"baa"', '"a"'], '"b"'],
  ["trim_prefix", ['"prefix-x"', '"prefix-"'], '"x"'],
  ["trim_prefix", ['"x"', '"y"'], '"x"'],
  ["trim_suffix", ['"x.rego"', '".rego"'], '"x"'],
  ["trim_space", ['" \\t x y \\n"'], '"x y"'],
  ["substring", ['"h\u00e9llo"', "1", "2"], '"\u00e9l"'],
  ["substring", ['"hello"', "1", "-1"], '"ello"'],
  ["substring", ['"hello"', "3", "100"], '"lo"'],
  ["substring", ['"hello"', "9", "1"], '""'],
  ["substring", ['"hello"', "-1", "1"], undefined],
  ["indexof", ['"h\u00e9llo"', '"l"'], "2"],
  ["indexof", ['"abc"', '"z"'], "-1"],
  ["format_int", ["3.7", "10"], '"3"'],
  ["format_int", ["-3.7", "10"], '"-3"'],
  ["format_int", ["255", "16"], '"ff"'],
  ["format_int", ["5", "2"], '"101"'],
  ["format_int", ["5", "3"], undefined],
  ["to_number", ['"1.0"'], "1.0"],
  ["to_number", ['"-12"'], "-12"],
  ["to_number", ["true"], "1"],
  ["to_number", ["null"], "0"],
  ["to_number", ['"x"'], undefined],
  ["sprintf", ['"%s is %d"', '["x", 5]'], '"x is 5"'],
  ["sprintf", ['"%v"', '[{"a": 1, "b": [1, "x"]}]'], '"{\\"a\\": 1, \\"b\\": [1, \\"x\\"]}"'],
  ["sprintf", ['"%v %v"', "[{1, 2}, set()]"], '"{1, 2} set()"'],
  ["sprintf", ['"%.2f%%"', "[3.14159]"], '"3.14%"'],
  ["sprintf", ['"%f"', "[2]"], '"2.000000"'],
  ["sprintf", ['"%v"', "[2.0]"], '"2"'],
  ["sprintf", ['"%d"', "[]"], undefined],
  // types
  ["is_number", ["1"], "true"],
  ["is_number", ['"1"'], "false"],
  ["is_string", ['"1"'], "true"],
  ["is_boolean", ["false"], "true"],
  ["is_array", ["[]"], "true"],
  ["is_set", ["set()"], "true"],
  ["is_object", ["{}"], "true"],
  ["is_null", ["null"], "true"],
  ["type_name", ["{1}"], '"set"'],
  ["type_name", ["{}"], '"object"'],
  ["type_name", ["1.5"], '"number"'],
  ["type_name", ["true"], '"boolean"'],
  // arrays
  ["array.concat", ["[1]", "[2, 3]"], "[1,2,3]"],
  ["array.slice", ["[1, 2, 3, 4]", "1", "3"], "[2,3]"],
  ["array.slice", ["[1, 2, 3]", "-5", "10"], "[1,2,3]"],
  ["array.slice", ["[1, 2, 3]", "2", "1"], "[]"],
  ["array.reverse", ["[1, 2, 3]"], "[3,2,1]"],
  // objects
  ["object.get", ['{"a": 1}', '"a"', "0"], "1"],
  ["object.get", ['{"a": 1}', '"b"', '"d"'], '"d"'],
  ["object.get", ['{"a": {"b": [7]}}', '["a", "b", 0]', "0"], "7"],
  ["object.get", ['{"a": {"b": 1}}', '["a", "c"]', "false"], "false"],
  ["object.keys", ['{"b": 1, "a": 2}'], '{"a","b"}'],
  ["object.remove", ['{"a": 1, "b": 2, "c": 3}', '["a", "c"]'], '{"b":2}'],
  ["object.remove", ['{"a": 1, "b": 2}', '{"b"}'], '{"a":1}'],
  ["object.remove", ['{"a": 1, "b": 2}', '{"b": 0}'], '{"a":1}'],
  ["object.filter", ['{"a": 1, "b": 2, "c": 3}', '["a", "c", "z"]'], '{"a":1,"c":3}'],
  ["object.union", ['{"a": {"x": 1}, "b": 1}', '{"a": {"y": 2}, "b": 2}'], '{"a":{"x":1,"y":2},"b":2}'],
  ["object.union", ['{"a": {"x": 1}}', '{"a": 5}'], '{"a":5}'],
  // sets
  ["or", ["{1, 2}", "{2, 3}"], "{1,2,3}"],
  ["and", ["{1, 2}", "{2, 3}"], "{2}"],
  ["union", ["{{1}, {2, 3}}"], "{1,2,3}"],
  ["intersection", ["{{1, 2}, {2, 3}}"], "{2}"],
  ["intersection", ["set()"], "set()"],
  // encoding
  ["base64.encode", ['"hello"'], '"aGVsbG8="'],
  ["base64.encode", ['"h\u00e9"'], '"aMOp"'],
  ["base64.decode", ['"aGVsbG8="'], '"hello"'],
  ["base64.decode", ['"aGVsbG8"'], undefined],
  ["base64.decode", ['"a$=="'], undefined],
  ["base64url.encode", ['"\u00ff\u00fe?"'], '"w7_Dvj8="'],
  ["base64url.decode", ['"w7_Dvj8"'], '"\u00ff\u00fe?"'],
  ["base64url.decode", ['"w7_Dvj8="'], '"\u00ff\u00fe?"'],
  ["json.marshal", ['{"b": [1, 2.0], "a": {"x"}}'], '"{\\"a\\":[\\"x\\"],\\"b\\":[1,2.0]}"'],
  ["json.unmarshal", ['"{\\"a\\": [1, true]}"'], '{"a":[1,true]}'],
  ["json.unmarshal", ['"{"'], undefined],
  ["json.is_valid", ['"[1]"'], "true"],
  ["json.is_valid", ['"[1"'], "false"],
  ["urlquery.encode", ['"a b&c=d/\u00e9~"'], '"a+b%26c%3Dd%2F%C3%A9~"'],
  ["urlquery.decode", ['"a+b%26c%3dd"'], '"a b&c=d"'],
  ["urlquery.decode", ['"%zz"'], undefined],
];

describe("runtime built-ins", () => {
  const rt = loadRuntime();
  for (const [name, args, expected] of cases) {
    it(`${name}(${args.join(", ")}) is ${expected ?? "undefined"}`, () => {
      const base = rt.heapPtr();
      const addrs = args.map((a) => {
        const v = rt.parse(a, true);
        assert.notEqual(v, 0, `argument ${a} did not parse`);
        return v;
      });
      const r = rt.call(`opa_bi_${name.replaceAll(".", "_")}`, ...addrs);
      if (expected === undefined) assert.equal(r, 0);
      else {
        assert.notEqual(r, 0, "result is undefined");
        assert.equal(rt.dump(r, true), expected);
      }
      rt.setHeapPtr(base);
    });
  }
});
