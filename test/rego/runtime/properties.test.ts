import { strict as assert } from "node:assert";
import { loadRuntime } from "./runtime-harness.js";
import { seededRandom as rng } from "../../support/seeded-random.js";

const NUMBER_TEXTS = ["0", "1", "1.0", "-1", "2", "2.5", "10", "1e1", "0.1", "0.10", "-0.5", "100", "1e2", "9007199254740993", "3.14159"];
const STRINGS = ["", "a", "b", "A", "ab", "é", "a b", "key-1", "key-10", "key-2", "\u00ff"];

// Rego value text over a small alphabet, so equal values (1 and 1.0, reordered keys) are frequent.
function genValue(r: () => number, depth: number): string {
  const k = Math.floor(r() * (depth > 2 ? 4 : 7));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  switch (k) {
    case 0: return pick(["null", "true", "false"]);
    case 1: return pick(NUMBER_TEXTS);
    case 2:
    case 3: return JSON.stringify(pick(STRINGS));
    case 4: return `[${Array.from({ length: Math.floor(r() * 3) }, () => genValue(r, depth + 1)).join(", ")}]`;
    case 5: {
      const n = Math.floor(r() * 3);
      return `{${Array.from({ length: n }, () => `${JSON.stringify(pick(STRINGS))}: ${genValue(r, depth + 1)}`).join(", ")}}`;
    }
    default: {
      const n = Math.floor(r() * 3);
      return n === 0 ? "set()" : `{${Array.from({ length: n }, () => genValue(r, depth + 1)).join(", ")}}`;
    }
  }
}

describe("runtime value properties on random values", () => {
  const rt = loadRuntime();
  const r = rng(20261124);
  const texts = Array.from({ length: 300 }, () => genValue(r, 0));
  const values = texts.map((t) => {
    const v = rt.parse(t, true);
    if (v === 0) throw new Error(`cannot parse ${t}`);
    return v;
  });

  it("orders antisymmetrically, agrees with equality, and finds equal values in hashed sets", () => {
    // a set big enough to be hashed, holding every value once
    const set = rt.call("nmp_set");
    for (const v of values) rt.call("nmp_set_add", set, v);
    for (let i = 0; i < values.length; i++) {
      for (let j = 0; j < values.length; j += 7) {
        const a = values[i] ?? 0, b = values[j] ?? 0;
        const ab = rt.call("nmp_compare", a, b), ba = rt.call("nmp_compare", b, a);
        assert.equal(ab + ba, 0, `${texts[i]} vs ${texts[j]}`);
        assert.equal(rt.call("nmp_equal", a, b), ab === 0 ? 1 : 0, `${texts[i]} vs ${texts[j]}`);
      }
      const found = rt.call("nmp_get", set, values[i] ?? 0);
      assert.notEqual(found, 0, `${texts[i]} not found in the set`);
      assert.equal(rt.call("nmp_equal", found, values[i] ?? 0), 1);
    }
  });

  it("is transitive: sorting by compare gives a non-decreasing sequence everywhere", () => {
    const arr = rt.call("nmp_array", values.length);
    for (const v of values) rt.call("nmp_array_append", arr, v);
    const sorted = rt.call("opa_bi_sort", arr);
    const n = rt.call("nmp_len", sorted);
    const at = (i: number): number => rt.call("nmp_scan_value", sorted, i);
    for (let i = 0; i + 1 < n; i++) assert.ok(rt.call("nmp_compare", at(i), at(i + 1)) <= 0);
    for (let i = 0; i < n; i += 11) for (let j = i; j < n; j += 13) assert.ok(rt.call("nmp_compare", at(i), at(j)) <= 0);
  });

  it("dumps JSON that JavaScript reads back to the same data, with sorted keys", () => {
    for (const t of texts) {
      let js: unknown;
      try {
        js = JSON.parse(t);
      } catch {
        continue; // sets have no JSON twin
      }
      const out = rt.roundTrip(JSON.stringify(js));
      assert.deepEqual(JSON.parse(out), js);
      const keysSorted = (x: unknown): boolean => {
        if (Array.isArray(x)) return x.every(keysSorted);
        if (x !== null && typeof x === "object") {
          const ks = Object.keys(x);
          return ks.every((k, i) => i === 0 || Buffer.compare(Buffer.from(ks[i - 1] ?? ""), Buffer.from(k)) < 0) && Object.values(x).every(keysSorted);
        }
        return true;
      };
      // JSON.parse keeps insertion order, so sorted output reads back with sorted keys
      assert.ok(keysSorted(JSON.parse(out)), out);
    }
  });

  it("keeps lookups right after an evaluation-built object is sorted by its first scan", () => {
    for (const n of [3, 9, 50, 700]) {
      const o = rt.call("nmp_object");
      const keys = Array.from({ length: n }, (_, i) => `k${(i * 7919) % n}`);
      keys.forEach((k, i) => rt.call("nmp_object_insert", o, rt.str(k), rt.call("nmp_int", BigInt(i))));
      const firstKey = rt.dump(rt.call("nmp_scan_key", o, 0));
      assert.equal(firstKey, JSON.stringify([...keys].sort()[0]));
      keys.forEach((k, i) => assert.equal(rt.dump(rt.call("nmp_get", o, rt.str(k))), String(i), `${n}: ${k}`));
      rt.call("nmp_object_insert", o, rt.str("a-new"), rt.call("nmp_null"));
      assert.equal(rt.dump(rt.call("nmp_scan_key", o, 0)), '"a-new"');
      assert.equal(rt.dump(rt.call("nmp_get", o, rt.str(keys[0] ?? ""))), "0");
    }
  });
});
