// Rego numbers: exact decimals (i64 coefficient × 10^exponent, normalised so equal numbers have equal
// fields) with a float fallback. The fallback ("big") keeps a JSON literal that does not fit in 18
// significant digits: it prints its original text and computes with its f64 value.

import { alloc } from "./heap";
import { T_NUMBER } from "./values";

export const N_DEC: u8 = 0;
export const N_BIG: u8 = 1;

export const NUMBER_SIZE: usize = 24;

// 10^0 .. 10^18 as u64
const POW10 = memory.data<u64>([
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000,
  100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000,
  10000000000000000, 100000000000000000, 1000000000000000000,
]);

const POW10F = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
  1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]);

@inline
export function pow10(n: i32): u64 {
  return load<u64>(POW10 + (<usize>n << 3));
}

@inline export function numKind(v: usize): u8 { return load<u8>(v, 1); }
@inline export function numFloatSyntax(v: usize): u8 { return load<u8>(v, 2); }
@inline export function numExp(v: usize): i32 { return load<i32>(v, 4); }
@inline export function numCoef(v: usize): i64 { return load<i64>(v, 8); }
@inline export function numF64(v: usize): f64 { return load<f64>(v, 8); }
@inline export function numTextPtr(v: usize): usize { return load<usize>(v, 16); }
@inline export function numTextLen(v: usize): i32 { return load<i32>(v, 20); }

// A decimal with trailing zeros moved into the exponent, so (coef, exp) is canonical.
export function makeDec(coef: i64, exp: i32, floatSyntax: u8): usize {
  if (coef == 0) {
    exp = 0;
  } else {
    while (coef % 10 == 0) {
      coef /= 10;
      exp++;
    }
  }
  const v = alloc(NUMBER_SIZE);
  store<u32>(v, <u32>T_NUMBER | (<u32>floatSyntax << 16));
  store<i32>(v, exp, 4);
  store<i64>(v, coef, 8);
  return v;
}

export function makeInt(n: i64): usize {
  return makeDec(n, 0, 0);
}

export function makeBig(f: f64, text: usize, len: i32): usize {
  const v = alloc(NUMBER_SIZE);
  store<u32>(v, <u32>T_NUMBER | (<u32>N_BIG << 8));
  store<f64>(v, f, 8);
  store<usize>(v, text, 16);
  store<i32>(v, len, 20);
  return v;
}

export function toF64(v: usize): f64 {
  if (numKind(v) == N_BIG) return numF64(v);
  const c = <f64>numCoef(v);
  const e = numExp(v);
  if (e == 0) return c;
  if (e > 0) {
    if (e <= 22) return c * load<f64>(POW10F + (<usize>e << 3));
    return c * Math.pow(10, <f64>e);
  }
  if (e >= -22) return c / load<f64>(POW10F + (<usize>(-e) << 3));
  return c / Math.pow(10, <f64>-e);
}

export function isIntegral(v: usize): bool {
  if (numKind(v) == N_BIG) {
    const f = numF64(v);
    return Math.floor(f) == f && isFinite(f);
  }
  return numExp(v) >= 0;
}

// Whether the integral value fits in i64; the value is left in `intOut`.
export let intOut: i64 = 0;
export function toI64(v: usize): bool {
  if (numKind(v) == N_BIG) {
    const f = numF64(v);
    if (Math.floor(f) != f || !(f > -9.2e18 && f < 9.2e18)) return false;
    intOut = <i64>f;
    return true;
  }
  const e = numExp(v);
  let c = numCoef(v);
  if (e < 0) return false;
  if (e == 0) {
    intOut = c;
    return true;
  }
  if (e > 18) return false;
  const p = <i64>pow10(e);
  const r = c * p;
  if (r / p != c) return false;
  intOut = r;
  return true;
}

// Number of decimal digits of a magnitude (1 for 0).
export function digitCount(m: u64): i32 {
  let n = 1;
  while (n < 19 && m >= pow10(n)) n++;
  if (n == 19 && m >= 10000000000000000000) n = 20;
  return n;
}

@inline
function absU(c: i64): u64 {
  return c < 0 ? <u64>(-c) : <u64>c;
}

export function numCompare(a: usize, b: usize): i32 {
  if (numKind(a) == N_DEC && numKind(b) == N_DEC) {
    const ca = numCoef(a), cb = numCoef(b);
    const sa: i32 = ca < 0 ? -1 : ca > 0 ? 1 : 0;
    const sb: i32 = cb < 0 ? -1 : cb > 0 ? 1 : 0;
    if (sa != sb) return sa < sb ? -1 : 1;
    if (sa == 0) return 0;
    const ea = numExp(a), eb = numExp(b);
    let r: i32;
    if (ea == eb) {
      r = ca < cb ? -1 : ca > cb ? 1 : 0;
      return r;
    }
    let ma = absU(ca), mb = absU(cb);
    const da = digitCount(ma) + ea, db = digitCount(mb) + eb;
    if (da != db) {
      r = da < db ? -1 : 1;
    } else if (ea > eb) {
      // same magnitude, so the scaled coefficient has as many digits as the other: no overflow
      ma *= pow10(ea - eb);
      r = ma < mb ? -1 : ma > mb ? 1 : 0;
    } else {
      mb *= pow10(eb - ea);
      r = ma < mb ? -1 : ma > mb ? 1 : 0;
    }
    return sa < 0 ? -r : r;
  }
  const fa = toF64(a), fb = toF64(b);
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

export function numEqual(a: usize, b: usize): bool {
  if (numKind(a) == N_DEC && numKind(b) == N_DEC) {
    return numCoef(a) == numCoef(b) && numExp(a) == numExp(b);
  }
  return toF64(a) == toF64(b);
}

// Hash on the f64 value, so numbers that compare equal across representations hash equal.
export function numHash(v: usize): u32 {
  let f = toF64(v);
  if (f == 0) f = 0; // -0
  const bits = reinterpret<u64>(f);
  return fmix(<u32>bits ^ <u32>(bits >> 32));
}

/** The 32-bit finalizer of MurmurHash3: spreads every input bit over the whole hash. */
@inline
export function fmix(h: u32): u32 {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

// f64 → the shortest decimal (≤ 17 significant digits) that reads back as the same f64.
export function fromF64(x: f64): usize {
  if (!isFinite(x)) return 0;
  if (x == 0) return makeDec(0, 0, 0);
  if (Math.floor(x) == x && Math.abs(x) < 9.0e18) return makeDec(<i64>x, 0, 0);
  const ax = Math.abs(x);
  const e10 = <i32>Math.floor(Math.log10(ax));
  for (let p = 1; p <= 17; p++) {
    const scale = p - 1 - e10; // digits after the point
    let c: f64;
    let back: f64;
    if (scale >= 0) {
      const m = scale <= 22 ? load<f64>(POW10F + (<usize>scale << 3)) : Math.pow(10, <f64>scale);
      c = Math.round(ax * m);
      back = c / m;
    } else {
      const m = -scale <= 22 ? load<f64>(POW10F + (<usize>(-scale) << 3)) : Math.pow(10, <f64>-scale);
      c = Math.round(ax / m);
      back = c * m;
    }
    if (back == ax || p == 17) {
      if (c >= 9.0e18) break;
      const ic = <i64>c;
      return makeDec(x < 0 ? -ic : ic, -scale, 0);
    }
  }
  return makeBig(x, 0, 0);
}

@inline
function mulOverflows(a: i64, b: i64): bool {
  if (a == 0 || b == 0) return false;
  const r = a * b;
  return r / b != a || (a == -1 && b == i64.MIN_VALUE) || (b == -1 && a == i64.MIN_VALUE);
}

// coef × 10^k, or false on overflow (result in scaledOut)
let scaledOut: i64 = 0;
function scaleUp(c: i64, k: i32): bool {
  if (k == 0) {
    scaledOut = c;
    return true;
  }
  if (k > 18) return c == 0 ? ((scaledOut = 0), true) : false;
  const p = <i64>pow10(k);
  if (mulOverflows(c, p)) return false;
  scaledOut = c * p;
  return true;
}

export function numAdd(a: usize, b: usize, negateB: bool): usize {
  if (numKind(a) == N_DEC && numKind(b) == N_DEC) {
    const ea = numExp(a), eb = numExp(b);
    const e = ea < eb ? ea : eb;
    if (scaleUp(numCoef(a), ea - e)) {
      const ca = scaledOut;
      if (scaleUp(numCoef(b), eb - e)) {
        let cb = scaledOut;
        if (!(negateB && cb == i64.MIN_VALUE)) {
          if (negateB) cb = -cb;
          const s = ca + cb;
          // signed overflow: operands of equal sign, result of the other sign
          if (!(((ca ^ s) & (cb ^ s)) < 0)) return makeDec(s, e, 0);
        }
      }
    }
  }
  const fb = toF64(b);
  return fromF64(toF64(a) + (negateB ? -fb : fb));
}

export function numMul(a: usize, b: usize): usize {
  if (numKind(a) == N_DEC && numKind(b) == N_DEC) {
    const ca = numCoef(a), cb = numCoef(b);
    if (!mulOverflows(ca, cb)) return makeDec(ca * cb, numExp(a) + numExp(b), 0);
  }
  return fromF64(toF64(a) * toF64(b));
}

export function numDiv(a: usize, b: usize): usize {
  if (numKind(a) == N_DEC && numKind(b) == N_DEC) {
    const cb = numCoef(b);
    if (cb == 0) return 0;
    let num = numCoef(a);
    let e = numExp(a) - numExp(b);
    for (let i = 0; i < 19; i++) {
      if (num % cb == 0 && !(num == i64.MIN_VALUE && cb == -1)) return makeDec(num / cb, e, 0);
      if (num > 922337203685477580 || num < -922337203685477580) break;
      num *= 10;
      e--;
    }
  }
  const fb = toF64(b);
  if (fb == 0) return 0;
  return fromF64(toF64(a) / fb);
}

// Truncated remainder (sign of the dividend); integers only.
export function numRem(a: usize, b: usize): usize {
  if (!toI64(a)) return 0;
  const ia = intOut;
  if (!toI64(b)) return 0;
  const ib = intOut;
  if (ib == 0) return 0;
  if (ib == -1) return makeInt(0);
  return makeInt(ia % ib);
}



export function sign(v: usize): i32 {
  if (numKind(v) == N_DEC) {
    const c = numCoef(v);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  const f = numF64(v);
  return f < 0 ? -1 : f > 0 ? 1 : 0;
}

// Parse number text (JSON grammar, validated by the caller or here). Returns 0 when invalid.
export function parseNumber(p: usize, len: i32): usize {
  const end = p + <usize>len;
  let q = p;
  let neg = false;
  if (q < end && load<u8>(q) == 45) {
    neg = true;
    q++;
  }
  if (q >= end) return 0;
  let coef: u64 = 0;
  let digits = 0; // significant digits kept in coef
  let exp: i32 = 0;
  let lossy = false;
  let floatSyntax: u8 = 0;
  let c = load<u8>(q);
  if (c == 48) {
    q++;
  } else if (c >= 49 && c <= 57) {
    while (q < end) {
      c = load<u8>(q);
      if (c < 48 || c > 57) break;
      if (digits < 18) {
        coef = coef * 10 + <u64>(c - 48);
        if (coef != 0) digits++;
      } else {
        exp++;
        if (c != 48) lossy = true;
      }
      q++;
    }
  } else {
    return 0;
  }
  if (q < end && load<u8>(q) == 46) {
    floatSyntax = 1;
    q++;
    const start = q;
    while (q < end) {
      c = load<u8>(q);
      if (c < 48 || c > 57) break;
      if (digits < 18) {
        coef = coef * 10 + <u64>(c - 48);
        if (coef != 0) digits++;
        exp--;
      } else if (c != 48) {
        lossy = true;
      }
      q++;
    }
    if (q == start) return 0;
  }
  if (q < end && (load<u8>(q) | 32) == 101) {
    floatSyntax = 1;
    q++;
    let eneg = false;
    if (q < end && (load<u8>(q) == 43 || load<u8>(q) == 45)) {
      eneg = load<u8>(q) == 45;
      q++;
    }
    const start = q;
    let ev: i32 = 0;
    while (q < end) {
      c = load<u8>(q);
      if (c < 48 || c > 57) break;
      if (ev < 100000) ev = ev * 10 + <i32>(c - 48);
      q++;
    }
    if (q == start) return 0;
    exp += eneg ? -ev : ev;
  }
  if (q != end) return 0;
  if (lossy || exp > 300 || exp < -300) {
    let f = parseF64(p, len);
    return makeBig(f, p, len);
  }
  const ic = <i64>coef;
  return makeDec(neg ? -ic : ic, exp, floatSyntax);
}

// Approximate f64 for literals beyond the exact range (the printed text stays the original).
function parseF64(p: usize, len: i32): f64 {
  const end = p + <usize>len;
  let q = p;
  let neg = false;
  if (load<u8>(q) == 45) {
    neg = true;
    q++;
  }
  let m: f64 = 0;
  let e: i32 = 0;
  while (q < end && load<u8>(q) >= 48 && load<u8>(q) <= 57) {
    m = m * 10 + <f64>(load<u8>(q) - 48);
    q++;
  }
  if (q < end && load<u8>(q) == 46) {
    q++;
    while (q < end && load<u8>(q) >= 48 && load<u8>(q) <= 57) {
      m = m * 10 + <f64>(load<u8>(q) - 48);
      e--;
      q++;
    }
  }
  if (q < end && (load<u8>(q) | 32) == 101) {
    q++;
    let eneg = false;
    if (load<u8>(q) == 43 || load<u8>(q) == 45) {
      eneg = load<u8>(q) == 45;
      q++;
    }
    let ev: i32 = 0;
    while (q < end) {
      if (ev < 100000) ev = ev * 10 + <i32>(load<u8>(q) - 48);
      q++;
    }
    e += eneg ? -ev : ev;
  }
  const f = m * Math.pow(10, <f64>e);
  return neg ? -f : f;
}
