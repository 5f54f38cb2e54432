import { strict as assert } from "node:assert";
import { loadRuntime } from "./runtime-harness.js";

describe("runtime regex.match", () => {
  const rt = loadRuntime();
  const match = (pattern: string, text: string): string | undefined => {
    const base = rt.heapPtr();
    const r = rt.call("opa_bi_regex_match", rt.str(pattern), rt.str(text));
    const out = r === 0 ? undefined : rt.dump(r);
    rt.setHeapPtr(base);
    return out;
  };

  const cases: Array<[string, string, boolean]> = [
    ["abc", "xxabcxx", true],
    ["^abc$", "abc", true],
    ["^abc$", "abcd", false],
    ["^a.c$", "a\u00e9c", true],
    ["^[a-z]+@example\\.com$", "alice@example.com", true],
    ["^[a-z]+@example\\.com$", "alice@exampleXcom", false],
    ["^\\d{3}-\\d{4}$", "555-1234", true],
    ["^\\d{3}-\\d{4}$", "55-1234", false],
    ["^(foo|bar)+$", "foobarfoo", true],
    ["^(foo|bar)+$", "foobaz", false],
    ["^a{2,3}$", "aaaa", false],
    ["^a{2,}$", "aaaa", true],
    ["^a{2}$", "aa", true],
    ["colou?r", "color", true],
    ["^[^/]+/v[0-9]+/", "models/v2/list", true],
    ["^\\w+\\s\\w+$", "hello world", true],
    ["^\\S+$", "has space", false],
    ["(?i)^ADMIN$", "admin", true],
    ["^(?i:a)B$", "AB", true],
    ["^(?i:a)B$", "Ab", false],
    ["^a.b$", "a\nb", false],
    ["(?s)^a.b$", "a\nb", true],
    ["(?m)^b$", "a\nb\nc", true],
    ["^b$", "a\nb\nc", false],
    ["\\bcat\\b", "a cat sat", true],
    ["\\bcat\\b", "concatenate", false],
    ["^[[:alpha:]]+$", "abcXYZ", true],
    ["^[\\d.]+$", "1.2.3", true],
    ["^(?P<major>\\d+)\\.(?:\\d+)$", "1.2", true],
    ["^(a*)*$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", false],
    ["^(a|aa)+$", "a".repeat(5000), true],
    ["", "anything", true],
    ["^$", "", true],
    ["a|", "b", true],
    ["^\\x41\\x{42}$", "AB", true],
  ];
  for (const [pattern, text, expected] of cases) {
    it(`regex.match(${JSON.stringify(pattern)}, ${JSON.stringify(text.length > 40 ? text.slice(0, 20) + "…" : text)}) is ${expected}`, () => {
      assert.equal(match(pattern, text), String(expected));
    });
  }

  const unsupported = ["(", "a)", "[a-", "*a", "a{2,1}", "\\p{L}", "(?=a)", "\\1", "a{1001}", "[z-a]"];
  for (const pattern of unsupported) {
    it(`is undefined for the invalid or unsupported pattern ${JSON.stringify(pattern)}`, () => {
      assert.equal(match(pattern, "a"), undefined);
      assert.equal(rt.dump(rt.call("opa_bi_regex_is_valid", rt.str(pattern))), "false");
    });
  }

  it("handles very long patterns and makes absurdly nested ones undefined rather than overflowing", () => {
    assert.equal(match("^" + "a".repeat(5000) + "$", "a".repeat(5000)), "true");
    assert.equal(match("(".repeat(150) + "a" + ")".repeat(150), "a"), "true");
    assert.equal(match("(".repeat(5000) + "a" + ")".repeat(5000), "a"), undefined);
    assert.equal(match(Array.from({ length: 3000 }, (_, i) => `w${i}`).join("|"), "w2999"), undefined);
    assert.equal(match(Array.from({ length: 500 }, (_, i) => `w${i}`).join("|"), "xw499"), "true");
  });

  it("matches in time linear in the text for patterns that make backtrackers explode", () => {
    const t0 = performance.now();
    assert.equal(match("^(a+)+$", "a".repeat(20000) + "b"), "false");
    // a backtracking matcher takes astronomically long here; the NFA takes a few milliseconds
    assert.ok(performance.now() - t0 < 3000);
  });
});

describe("runtime glob.match", () => {
  const rt = loadRuntime();
  const glob = (pattern: string, delimiters: string, text: string): string | undefined => {
    const base = rt.heapPtr();
    const d = rt.parse(delimiters);
    const r = rt.call("opa_bi_glob_match", rt.str(pattern), d, rt.str(text));
    const out = r === 0 ? undefined : rt.dump(r);
    rt.setHeapPtr(base);
    return out;
  };

  const cases: Array<[string, string, string, boolean]> = [
    ["*.github.com", "[]", "api.github.com", true],
    ["*.github.com", "[]", "api.cdn.github.com", false],
    ["*.github.com", "null", "api.cdn.github.com", true],
    ["**.github.com", "[]", "api.cdn.github.com", true],
    ["*:github:com", '[":"]', "api:github:com", true],
    ["/apis/*/v2/*", '["/"]', "/apis/models/v2/list", true],
    ["/apis/*/v2/*", '["/"]', "/apis/models/v2/a/b", false],
    ["/apis/**", '["/"]', "/apis/models/v2/a/b", true],
    ["?at", "[]", "cat", true],
    ["?at", "[]", "at", false],
    ["[abc]at", "[]", "bat", true],
    ["[!abc]at", "[]", "bat", false],
    ["[a-c]at", "[]", "cat", true],
    ["{cat,bat,[fr]at}", "[]", "rat", true],
    ["{cat,bat}", "[]", "hat", false],
    ["a\\*b", "[]", "a*b", true],
    ["a\\*b", "[]", "axb", false],
    ["", "[]", "", true],
    ["*", "[]", "", true],
    ["h\u00e9*", "[]", "h\u00e9llo", true],
  ];
  for (const [pattern, delimiters, text, expected] of cases) {
    it(`glob.match(${JSON.stringify(pattern)}, ${delimiters}, ${JSON.stringify(text)}) is ${expected}`, () => {
      assert.equal(glob(pattern, delimiters, text), String(expected));
    });
  }

  it("is undefined for malformed patterns and non-string delimiters", () => {
    assert.equal(glob("[abc", "[]", "a"), undefined);
    assert.equal(glob("{a,b", "[]", "a"), undefined);
    assert.equal(glob("*", "[1]", "a"), undefined);
    assert.equal(glob("*", '["ab"]', "a"), undefined);
    assert.equal(glob("*", '"."', "a"), undefined);
  });
});
