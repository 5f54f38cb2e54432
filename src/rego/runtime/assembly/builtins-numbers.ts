// Numeric and aggregate built-ins: abs round ceil floor numbers.range sum product max min sort.

import {
  T_NUMBER, T_ARRAY, T_SET, typeOf, arrLen, arrGet, makeArray, arrPush, collLen, entKey,
  ensureSorted, valueCompare,
} from "./values";
import {
  N_DEC, numKind, numCoef, numExp, numF64, makeDec, makeInt, fromF64, numAdd, numMul, pow10,
  toI64, intOut,
} from "./numbers";
import { alloc } from "./heap";

export function opa_bi_abs(x: usize): usize {
  if (typeOf(x) != T_NUMBER) return 0;
  if (numKind(x) == N_DEC) {
    const c = numCoef(x);
    if (c >= 0) return x;
    if (c != i64.MIN_VALUE) return makeDec(-c, numExp(x), 0);
  }
  return fromF64(Math.abs(numF64OrDec(x)));
}

function numF64OrDec(x: usize): f64 {
  if (numKind(x) == N_DEC) {
    const e = numExp(x);
    return <f64>numCoef(x) * Math.pow(10, <f64>e);
  }
  return numF64(x);
}

// mode: 0 round half away from zero, 1 ceil, 2 floor
function roundTo(x: usize, mode: i32): usize {
  if (typeOf(x) != T_NUMBER) return 0;
  if (numKind(x) != N_DEC) {
    const f = numF64(x);
    const r = mode == 1 ? Math.ceil(f) : mode == 2 ? Math.floor(f) : (f < 0 ? -Math.floor(-f + 0.5) : Math.floor(f + 0.5));
    return fromF64(r);
  }
  const e = numExp(x);
  const c = numCoef(x);
  if (e >= 0) return makeDec(c, e, 0);
  if (-e > 18) {
    // |x| < 1 here
    if (mode == 1) return makeInt(c > 0 ? 1 : 0);
    if (mode == 2) return makeInt(c < 0 ? -1 : 0);
    return makeInt(0);
  }
  const p = <i64>pow10(-e);
  let q = c / p;
  const r = c % p;
  if (r != 0) {
    if (mode == 1) {
      if (r > 0) q++;
    } else if (mode == 2) {
      if (r < 0) q--;
    } else {
      const twice = (r < 0 ? -r : r) * 2; // < 2 * 10^18 fits in i64
      if (twice >= p) q += r < 0 ? -1 : 1;
    }
  }
  return makeInt(q);
}

export function opa_bi_round(x: usize): usize { return roundTo(x, 0); }
export function opa_bi_ceil(x: usize): usize { return roundTo(x, 1); }
export function opa_bi_floor(x: usize): usize { return roundTo(x, 2); }

const RANGE_LIMIT: i64 = 10000000;

export function opa_bi_numbers_range(a: usize, b: usize): usize {
  if (typeOf(a) != T_NUMBER || typeOf(b) != T_NUMBER) return 0;
  if (!toI64(a)) return 0;
  const x = intOut;
  if (!toI64(b)) return 0;
  const y = intOut;
  const n = x <= y ? y - x + 1 : x - y + 1;
  if (n > RANGE_LIMIT || n < 0) return 0;
  const r = makeArray(<i32>n);
  if (x <= y) {
    for (let i = x; i <= y; i++) arrPush(r, makeInt(i));
  } else {
    for (let i = x; i >= y; i--) arrPush(r, makeInt(i));
  }
  return r;
}

// Elements of an array or set, for aggregates: count in aggN, element i via aggAt.
@inline
function isColl(v: usize): bool {
  const t = typeOf(v);
  return t == T_ARRAY || t == T_SET;
}

@inline
function aggAt(v: usize, i: i32): usize {
  return typeOf(v) == T_ARRAY ? arrGet(v, i) : entKey(v, i);
}

export function opa_bi_sum(v: usize): usize {
  if (!isColl(v)) return 0;
  const n = arrLen(v);
  let acc = makeInt(0);
  for (let i = 0; i < n; i++) {
    const x = aggAt(v, i);
    if (typeOf(x) != T_NUMBER) return 0;
    acc = numAdd(acc, x, false);
    if (acc == 0) return 0;
  }
  return acc;
}

export function opa_bi_product(v: usize): usize {
  if (!isColl(v)) return 0;
  const n = arrLen(v);
  let acc = makeInt(1);
  for (let i = 0; i < n; i++) {
    const x = aggAt(v, i);
    if (typeOf(x) != T_NUMBER) return 0;
    acc = numMul(acc, x);
    if (acc == 0) return 0;
  }
  return acc;
}

function extreme(v: usize, want: i32): usize {
  if (!isColl(v)) return 0;
  const n = arrLen(v);
  if (n == 0) return 0;
  let best = aggAt(v, 0);
  for (let i = 1; i < n; i++) {
    const x = aggAt(v, i);
    if (valueCompare(x, best) == want) best = x;
  }
  return best;
}

export function opa_bi_max(v: usize): usize { return extreme(v, 1); }
export function opa_bi_min(v: usize): usize { return extreme(v, -1); }

// Stable merge sort of an i32 vector of values.
function sortValues(p: usize, n: i32): void {
  if (n < 2) return;
  const tmp = alloc(<usize>n << 2);
  let src = p, dst = tmp;
  for (let width = 1; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      let mid = lo + width;
      if (mid > n) mid = n;
      let hi = lo + (width << 1);
      if (hi > n) hi = n;
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        const a = load<usize>(src + (<usize>i << 2)), b = load<usize>(src + (<usize>j << 2));
        if (valueCompare(b, a) < 0) {
          store<usize>(dst + (<usize>k << 2), b);
          j++;
        } else {
          store<usize>(dst + (<usize>k << 2), a);
          i++;
        }
        k++;
      }
      while (i < mid) store<usize>(dst + (<usize>(k++) << 2), load<usize>(src + (<usize>(i++) << 2)));
      while (j < hi) store<usize>(dst + (<usize>(k++) << 2), load<usize>(src + (<usize>(j++) << 2)));
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != p) memory.copy(p, src, <usize>n << 2);
}

export function opa_bi_sort(v: usize): usize {
  const t = typeOf(v);
  if (t == T_SET) {
    ensureSorted(v);
    const n = collLen(v);
    const r = makeArray(n);
    for (let i = 0; i < n; i++) arrPush(r, entKey(v, i));
    return r;
  }
  if (t != T_ARRAY) return 0;
  const n = arrLen(v);
  const r = makeArray(n);
  for (let i = 0; i < n; i++) arrPush(r, arrGet(v, i));
  sortValues(load<usize>(r, 12), n);
  return r;
}
