import { strict as assert } from "node:assert";
import { loadRuntime } from "./runtime-harness.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Patterns from the syntax where RE2 and JavaScript agree on whether a text matches.
function genPattern(r: () => number, depth: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const atom = (): string => {
    const k = Math.floor(r() * (depth > 2 ? 5 : 7));
    switch (k) {
      case 0: case 1: return pick(["a", "b", "c", "é"]);
      case 2: return ".";
      case 3: return pick(["[ab]", "[^a]", "[a-c]", "[^\\n]", "\\d", "\\w", "\\s", "[é-ë]"]);
      case 4: return pick(["^", "$", "\\b"]);
      case 5: return `(${genPattern(r, depth + 1)})`;
      default: return `(?:${genPattern(r, depth + 1)}|${genPattern(r, depth + 1)})`;
    }
  };
  let out = "";
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    let a = atom();
    if (!/^[\^$]$|^\\b$/.test(a) && r() < 0.4) a += pick(["*", "+", "?", "{2}", "{1,3}", "{0,}", "*?", "+?"]);
    out += a;
  }
  return out;
}

function genText(r: () => number): string {
  const n = Math.floor(r() * 8);
  let s = "";
  for (let i = 0; i < n; i++) s += "abcé1 \n"[Math.floor(r() * 7)] ?? "";
  return s;
}

describe("runtime regex.match against JavaScript RegExp on random patterns", () => {
  it("agrees on whether each text matches", () => {
    const rt = loadRuntime();
    const r = rng(77);
    let matches = 0;
    for (let i = 0; i < 3000; i++) {
      const pattern = genPattern(r, 0);
      const js = new RegExp(pattern, "u");
      for (let k = 0; k < 5; k++) {
        const text = genText(r);
        const base = rt.heapPtr();
        const got = rt.call("opa_bi_regex_match", rt.str(pattern), rt.str(text));
        assert.notEqual(got, 0, `pattern ${pattern} was refused`);
        const want = js.test(text);
        assert.equal(rt.dump(got), String(want), `regex.match(${JSON.stringify(pattern)}, ${JSON.stringify(text)})`);
        if (want) matches++;
        rt.setHeapPtr(base);
      }
    }
    assert.ok(matches > 3000 && matches < 12000, `${matches} matches`);
  });
});
