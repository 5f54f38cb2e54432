import { strict as assert } from "node:assert";
import { loadRuntime } from "./runtime-harness.js";
import { seededRandom as rng } from "../../support/seeded-random.js";

const ATOMS = ["null", "true", "false", "0", "-1", "12.5e-3", "1E2", "0.000", "123456789012345678901", '""', '"a\\u00e9\\n"', '"\\ud83d\\ude00"', '"x y"'];
const NOISE = ["", " ", ",", ":", "[", "]", "{", "}", '"', "\\", "-", ".", "e", "0", "01", "\u0001", "tru", "nul"];

function gen(r: () => number, depth: number): string {
  const k = Math.floor(r() * (depth > 3 ? 1 : 3));
  if (k === 0) return ATOMS[Math.floor(r() * ATOMS.length)] ?? "null";
  const n = Math.floor(r() * 4);
  if (k === 1) return `[${Array.from({ length: n }, () => gen(r, depth + 1)).join(",")}]`;
  return `{${Array.from({ length: n }, () => `"k${Math.floor(r() * 3)}":${gen(r, depth + 1)}`).join(",")}}`;
}

function mutate(r: () => number, text: string): string {
  const at = Math.floor(r() * (text.length + 1));
  const noise = NOISE[Math.floor(r() * NOISE.length)] ?? "";
  return r() < 0.5 ? text.slice(0, at) + noise + text.slice(at) : text.slice(0, at) + noise + text.slice(at + 1);
}

// -0 and 0 are the same Rego number; UTF-8 cannot hold a lone surrogate, which becomes U+FFFD (as
// in Go's decoder)
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const normalise = (x: unknown): unknown =>
  JSON.parse(JSON.stringify(x, (_k, v: unknown) => (Object.is(v, -0) ? 0 : typeof v === "string" ? v.replace(LONE_SURROGATE, "\ufffd") : v)));

describe("runtime JSON parser against JavaScript's on random and corrupted documents", () => {
  it("accepts exactly what JSON.parse accepts and reads the same data", () => {
    const rt = loadRuntime();
    const r = rng(42);
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 30000; i++) {
      let text = gen(r, 0);
      if (i % 2 === 1) text = mutate(r, text);
      let expected: unknown;
      let valid = true;
      try {
        expected = JSON.parse(text);
      } catch {
        valid = false;
      }
      const base = rt.heapPtr();
      const v = rt.parse(text);
      assert.equal(v !== 0, valid, `runtime ${v !== 0 ? "accepted" : "rejected"} ${JSON.stringify(text)}`);
      if (valid) {
        accepted++;
        assert.deepEqual(normalise(JSON.parse(rt.dump(v))), normalise(expected), text);
      } else {
        rejected++;
      }
      rt.setHeapPtr(base);
    }
    assert.ok(accepted > 8000 && rejected > 4000, `${accepted} accepted, ${rejected} rejected`);
  });
});
