import { strict as assert } from "node:assert";
import { loadRuntime } from "./runtime-harness.js";
import { seededRandom as rng } from "../../support/seeded-random.js";

// An exact decimal as coefficient × 10^exponent, for a reference implemented with BigInt.
interface Dec { c: bigint; e: number }

function parseDec(text: string): Dec {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) throw new Error(text);
  const frac = m[3] ?? "";
  const c = BigInt((m[1] ?? "") + (m[2] ?? "") + frac);
  return { c, e: -frac.length + Number(m[4] ?? "0") };
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const e = Math.min(a.e, b.e);
  return [a.c * 10n ** BigInt(a.e - e), b.c * 10n ** BigInt(b.e - e), e];
}

function cmp(a: Dec, b: Dec): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

// The canonical text of an exact decimal: no exponent, no trailing fraction zeros.
function show(d: Dec): string {
  let { c, e } = d;
  if (c === 0n) return "0";
  while (c % 10n === 0n) {
    c /= 10n;
    e++;
  }
  const neg = c < 0n;
  let digits = (neg ? -c : c).toString();
  if (e >= 0) digits += "0".repeat(e);
  else {
    const f = -e;
    if (digits.length <= f) digits = "0".repeat(f - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - f)}.${digits.slice(digits.length - f)}`;
  }
  return (neg ? "-" : "") + digits;
}

function genNumber(r: () => number): string {
  const digits = 1 + Math.floor(r() * 12);
  let s = String(1 + Math.floor(r() * 9));
  for (let i = 1; i < digits; i++) s += String(Math.floor(r() * 10));
  const point = Math.floor(r() * (digits + 3));
  let text = point === 0 || point >= digits ? s : `${s.slice(0, point)}.${s.slice(point)}`;
  if (r() < 0.2) text = `0.${"0".repeat(Math.floor(r() * 4))}${s}`;
  if (r() < 0.15) text += `e${Math.floor(r() * 10) - 5}`;
  return r() < 0.4 ? `-${text}` : text;
}

describe("runtime numbers against an exact BigInt reference", () => {
  const rt = loadRuntime();
  const r = rng(1234);
  const pairs = Array.from({ length: 3000 }, () => [genNumber(r), genNumber(r)] as const);

  it("compares exactly, agreeing with equality", () => {
    for (const [a, b] of pairs) {
      const base = rt.heapPtr();
      const va = rt.num(a), vb = rt.num(b);
      assert.equal(rt.call("nmp_compare", va, vb), cmp(parseDec(a), parseDec(b)), `${a} vs ${b}`);
      assert.equal(rt.call("nmp_equal", va, vb), cmp(parseDec(a), parseDec(b)) === 0 ? 1 : 0, `${a} == ${b}`);
      rt.setHeapPtr(base);
    }
  });

  it("adds, subtracts and multiplies exactly while the result has at most 18 significant digits", () => {
    let checked = 0;
    for (const [a, b] of pairs) {
      const da = parseDec(a), db = parseDec(b);
      const [x, y, e] = align(da, db);
      const ops: Array<[string, Dec]> = [
        ["plus", { c: x + y, e }],
        ["minus", { c: x - y, e }],
        ["mul", { c: da.c * db.c, e: da.e + db.e }],
      ];
      for (const [op, want] of ops) {
        const text = show(want);
        if (text.replace(/^-|\.|^0\.0*/g, "").replace(/0+$/, "").length > 18 || text.length > 40) continue;
        const base = rt.heapPtr();
        const got = rt.call(`opa_bi_${op}`, rt.num(a), rt.num(b));
        assert.equal(rt.dump(got), text, `${op}(${a}, ${b})`);
        rt.setHeapPtr(base);
        checked++;
      }
    }
    assert.ok(checked > 6000, `${checked} results checked`);
  });

  it("divides exactly when the quotient terminates within 18 digits, otherwise to the nearest double", () => {
    for (const [a, b] of pairs) {
      const base = rt.heapPtr();
      const got = rt.dump(rt.call("opa_bi_div", rt.num(a), rt.num(b)));
      const da = parseDec(a), db = parseDec(b);
      // a/b = q exactly when q × b == a
      const q = parseDec(got);
      const exact = cmp({ c: q.c * db.c, e: q.e + db.e }, da) === 0;
      if (!exact) {
        const approx = Number(a) / Number(b);
        assert.ok(Math.abs(Number(got) - approx) <= Math.abs(approx) * 1e-15, `div(${a}, ${b}) = ${got}`);
      }
      rt.setHeapPtr(base);
    }
  });
});
