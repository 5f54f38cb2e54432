// String built-ins. Strings are UTF-8; positions and lengths visible to Rego are in code points.

import { alloc } from "./heap";
import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_SET, typeOf, boolOf, makeBool, makeString, strLen,
  strPtr, arrLen, arrGet, makeArray, arrPush, entKey, ensureSorted, bytesEqual,
} from "./values";
import {
  makeInt, makeDec, parseNumber, toI64, intOut, numKind, numCoef, numExp, N_DEC, pow10, fromF64,
  toF64,
} from "./numbers";
import { codePointCount, byteOffsetOf, decodeAt, cpLen, findBytes } from "./text";
import { S_HEX } from "./generated-strings";
import { putUtf8 } from "./json";

@inline
function isStr(v: usize): bool {
  return typeOf(v) == T_STRING;
}

export function opa_bi_contains(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub)) return 0;
  return makeBool(findBytes(strPtr(s), strLen(s), strPtr(sub), strLen(sub), 0) >= 0);
}

export function opa_bi_startswith(s: usize, p: usize): usize {
  if (!isStr(s) || !isStr(p)) return 0;
  const n = strLen(p);
  return makeBool(n <= strLen(s) && bytesEqual(strPtr(s), strPtr(p), n));
}

export function opa_bi_endswith(s: usize, p: usize): usize {
  if (!isStr(s) || !isStr(p)) return 0;
  const n = strLen(p), m = strLen(s);
  return makeBool(n <= m && bytesEqual(strPtr(s) + <usize>(m - n), strPtr(p), n));
}

// Simple (one code point to one code point) case mapping for ASCII, Latin-1, Latin Extended-A,
// Greek, Cyrillic and fullwidth Latin; other code points pass through unchanged.
function caseMap(c: i32, upper: bool): i32 {
  if (c < 0x80) {
    if (upper) return c >= 97 && c <= 122 ? c - 32 : c;
    return c >= 65 && c <= 90 ? c + 32 : c;
  }
  if (c < 0x100) {
    if (upper) {
      if (c >= 0xe0 && c <= 0xfe && c != 0xf7) return c - 32;
      if (c == 0xff) return 0x178;
      if (c == 0xb5) return 0x39c;
      return c;
    }
    return c >= 0xc0 && c <= 0xde && c != 0xd7 ? c + 32 : c;
  }
  if (c < 0x180) {
    if (c == 0x130) return upper ? c : 0x69;
    if (c == 0x131) return upper ? 0x49 : c;
    if (c == 0x178) return upper ? c : 0xff;
    if (c == 0x17f) return upper ? 0x53 : c;
    if (c == 0x138 || c == 0x149) return c;
    // pairs start on even code points, except between 0x139-0x148 and 0x179-0x17e
    const oddUpper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e);
    const isUpper = oddUpper ? (c & 1) == 1 : (c & 1) == 0;
    if (upper) return isUpper ? c : c - 1;
    return isUpper ? c + 1 : c;
  }
  if (c >= 0x370 && c < 0x400) {
    if (upper) {
      if (c >= 0x3b1 && c <= 0x3c9) return c == 0x3c2 ? 0x3a3 : c - 32;
      if (c == 0x3ac) return 0x386;
      if (c >= 0x3ad && c <= 0x3af) return c - 37;
      if (c == 0x3cc) return 0x38c;
      if (c == 0x3cd || c == 0x3ce) return c - 63;
      return c;
    }
    if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) return c + 32;
    if (c == 0x386) return 0x3ac;
    if (c >= 0x388 && c <= 0x38a) return c + 37;
    if (c == 0x38c) return 0x3cc;
    if (c == 0x38e || c == 0x38f) return c + 63;
    return c;
  }
  if (c >= 0x400 && c < 0x500) {
    if (c < 0x410) return upper ? c : c + 80;
    if (c < 0x430) return upper ? c : c + 32;
    if (c < 0x450) return upper ? c - 32 : c;
    if (c < 0x460) return upper ? c - 80 : c;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) || (c >= 0x4d0 && c <= 0x4ff)) {
      const isUpper = (c & 1) == 0;
      if (upper) return isUpper ? c : c - 1;
      return isUpper ? c + 1 : c;
    }
    return c;
  }
  if (c >= 0xff21 && c <= 0xff3a) return upper ? c : c + 32;
  if (c >= 0xff41 && c <= 0xff5a) return upper ? c - 32 : c;
  return c;
}

function mapCase(s: usize, upper: bool): usize {
  if (!isStr(s)) return 0;
  const n = strLen(s);
  const p = strPtr(s);
  // no mapping here makes a UTF-8 sequence longer
  const b = alloc(<usize>n);
  let w = b;
  let i = 0;
  while (i < n) {
    const c = load<u8>(p + <usize>i);
    if (c < 0x80) {
      let m = c;
      if (upper) {
        if (c >= 97 && c <= 122) m -= 32;
      } else if (c >= 65 && c <= 90) {
        m += 32;
      }
      store<u8>(w++, m);
      i++;
      continue;
    }
    const cp = decodeAt(p, n, i);
    const len = cpLen;
    const m = caseMap(cp, upper);
    if (m == cp) {
      memory.copy(w, p + <usize>i, <usize>len);
      w += <usize>len;
    } else {
      w = putUtf8(w, m);
    }
    i += len;
  }
  return makeString(b, <i32>(w - b));
}

export function opa_bi_lower(s: usize): usize { return mapCase(s, false); }
export function opa_bi_upper(s: usize): usize { return mapCase(s, true); }

export function opa_bi_split(s: usize, d: usize): usize {
  if (!isStr(s) || !isStr(d)) return 0;
  const p = strPtr(s), n = strLen(s);
  const dp = strPtr(d), dn = strLen(d);
  const r = makeArray(0);
  if (dn == 0) {
    // every code point on its own
    let i = 0;
    while (i < n) {
      decodeAt(p, n, i);
      arrPush(r, makeString(p + <usize>i, cpLen));
      i += cpLen;
    }
    return r;
  }
  let start = 0;
  while (true) {
    const j = findBytes(p, n, dp, dn, start);
    if (j < 0) break;
    arrPush(r, makeString(p + <usize>start, j - start));
    start = j + dn;
  }
  arrPush(r, makeString(p + <usize>start, n - start));
  return r;
}

// Growable output buffer on top of the heap (nothing else allocates while it is in use).
let ob: usize = 0;
let on: i32 = 0;
let ocap: i32 = 0;

function outBegin(cap: i32): void {
  if (cap < 16) cap = 16;
  ob = alloc(<usize>cap);
  on = 0;
  ocap = cap;
}

function outReserve(n: i32): void {
  if (on + n <= ocap) return;
  let cap = ocap << 1;
  while (cap < on + n) cap <<= 1;
  const nb = alloc(<usize>cap);
  memory.copy(nb, ob, <usize>on);
  ob = nb;
  ocap = cap;
}

function outBytes(p: usize, n: i32): void {
  outReserve(n);
  memory.copy(ob + <usize>on, p, <usize>n);
  on += n;
}

function outByte(c: u8): void {
  outReserve(1);
  store<u8>(ob + <usize>on, c);
  on++;
}

function outString(): usize {
  return makeString(ob, on);
}

export function opa_bi_replace(s: usize, old: usize, nw: usize): usize {
  if (!isStr(s) || !isStr(old) || !isStr(nw)) return 0;
  const p = strPtr(s), n = strLen(s);
  const op = strPtr(old), onl = strLen(old);
  const np = strPtr(nw), nn = strLen(nw);
  outBegin(n + nn);
  if (onl == 0) {
    // an empty pattern matches before every code point and at the end
    let i = 0;
    outBytes(np, nn);
    while (i < n) {
      decodeAt(p, n, i);
      outBytes(p + <usize>i, cpLen);
      outBytes(np, nn);
      i += cpLen;
    }
    return outString();
  }
  let start = 0;
  while (true) {
    const j = findBytes(p, n, op, onl, start);
    if (j < 0) break;
    outBytes(p + <usize>start, j - start);
    outBytes(np, nn);
    start = j + onl;
  }
  outBytes(p + <usize>start, n - start);
  return outString();
}

function cutsetHas(cp: usize, cn: i32, c: i32): bool {
  let i = 0;
  while (i < cn) {
    const x = decodeAt(cp, cn, i);
    if (x == c) return true;
    i += cpLen;
  }
  return false;
}

// Byte length of the UTF-8 sequence ending just before byte `end`.
function lastCpStart(p: usize, end: i32): i32 {
  let i = end - 1;
  while (i > 0 && (load<u8>(p + <usize>i) & 0xc0) == 0x80) i--;
  return i;
}

// mode bit 1: left, bit 2: right
function trimWith(s: usize, cut: usize, mode: i32): usize {
  if (!isStr(s) || !isStr(cut)) return 0;
  const p = strPtr(s);
  let a = 0, b = strLen(s);
  const cp = strPtr(cut), cn = strLen(cut);
  if (mode & 1) {
    while (a < b) {
      const c = decodeAt(p, b, a);
      if (!cutsetHas(cp, cn, c)) break;
      a += cpLen;
    }
  }
  if (mode & 2) {
    while (b > a) {
      const i = lastCpStart(p, b);
      const c = decodeAt(p, b, i);
      if (!cutsetHas(cp, cn, c)) break;
      b = i;
    }
  }
  return makeString(p + <usize>a, b - a);
}

export function opa_bi_trim(s: usize, c: usize): usize { return trimWith(s, c, 3); }
export function opa_bi_trim_left(s: usize, c: usize): usize { return trimWith(s, c, 1); }
export function opa_bi_trim_right(s: usize, c: usize): usize { return trimWith(s, c, 2); }

export function opa_bi_trim_prefix(s: usize, pre: usize): usize {
  if (!isStr(s) || !isStr(pre)) return 0;
  const n = strLen(pre);
  if (n <= strLen(s) && bytesEqual(strPtr(s), strPtr(pre), n)) return makeString(strPtr(s) + <usize>n, strLen(s) - n);
  return s;
}

export function opa_bi_trim_suffix(s: usize, suf: usize): usize {
  if (!isStr(s) || !isStr(suf)) return 0;
  const n = strLen(suf), m = strLen(s);
  if (n <= m && bytesEqual(strPtr(s) + <usize>(m - n), strPtr(suf), n)) return makeString(strPtr(s), m - n);
  return s;
}

// Unicode White_Space, as Go's unicode.IsSpace
function isSpace(c: i32): bool {
  if (c <= 0x20) return c == 0x20 || (c >= 9 && c <= 13);
  if (c < 0x85) return false;
  return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
    c == 0x202f || c == 0x205f || c == 0x3000;
}

export function opa_bi_trim_space(s: usize): usize {
  if (!isStr(s)) return 0;
  const p = strPtr(s);
  let a = 0, b = strLen(s);
  while (a < b) {
    const c = decodeAt(p, b, a);
    if (!isSpace(c)) break;
    a += cpLen;
  }
  while (b > a) {
    const i = lastCpStart(p, b);
    if (!isSpace(decodeAt(p, b, i))) break;
    b = i;
  }
  return makeString(p + <usize>a, b - a);
}

export function opa_bi_substring(s: usize, start: usize, len: usize): usize {
  if (!isStr(s) || typeOf(start) != T_NUMBER || typeOf(len) != T_NUMBER) return 0;
  if (!toI64(start)) return 0;
  const st = intOut;
  if (!toI64(len)) return 0;
  const ln = intOut;
  if (st < 0) return 0;
  const p = strPtr(s), n = strLen(s);
  const total = <i64>codePointCount(p, n);
  if (st >= total) return makeString(p, 0);
  const a = byteOffsetOf(p, n, <i32>st);
  let b = n;
  if (ln >= 0 && st + ln < total) b = a + byteOffsetOf(p + <usize>a, n - a, <i32>ln);
  return makeString(p + <usize>a, b - a);
}

export function opa_bi_indexof(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub)) return 0;
  const j = findBytes(strPtr(s), strLen(s), strPtr(sub), strLen(sub), 0);
  if (j < 0) return makeInt(-1);
  return makeInt(codePointCount(strPtr(s), j));
}

export function opa_bi_concat(d: usize, coll: usize): usize {
  if (!isStr(d)) return 0;
  const t = typeOf(coll);
  if (t != T_ARRAY && t != T_SET) return 0;
  if (t == T_SET) ensureSorted(coll);
  const n = arrLen(coll);
  const dn = strLen(d);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = t == T_ARRAY ? arrGet(coll, i) : entKey(coll, i);
    if (!isStr(x)) return 0;
    total += strLen(x) + (i > 0 ? dn : 0);
  }
  const b = alloc(<usize>total);
  let w = b;
  for (let i = 0; i < n; i++) {
    const x = t == T_ARRAY ? arrGet(coll, i) : entKey(coll, i);
    if (i > 0) {
      memory.copy(w, strPtr(d), <usize>dn);
      w += <usize>dn;
    }
    memory.copy(w, strPtr(x), <usize>strLen(x));
    w += <usize>strLen(x);
  }
  return makeString(b, total);
}

// ---- numbers ⇄ text

function putUnsigned(m: u64, base: u32): void {
  const tmp = alloc(72);
  let i = 0;
  do {
    store<u8>(tmp + <usize>i, load<u8>(S_HEX + <usize>(m % base)));
    m /= base;
    i++;
  } while (m != 0);
  outReserve(i);
  while (i > 0) {
    i--;
    outByte(load<u8>(tmp + <usize>i));
  }
}

export function opa_bi_format_int(x: usize, base: usize): usize {
  if (typeOf(x) != T_NUMBER || typeOf(base) != T_NUMBER || !toI64(base)) return 0;
  const b = intOut;
  if (b != 2 && b != 8 && b != 10 && b != 16) return 0;
  // truncate toward zero
  let v: i64;
  if (numKind(x) == N_DEC && numExp(x) < 0) {
    const e = -numExp(x);
    v = e > 18 ? 0 : numCoef(x) / <i64>pow10(e);
  } else if (toI64(x)) {
    v = intOut;
  } else {
    const f = toF64(x);
    if (!(f > -9.2e18 && f < 9.2e18)) return 0;
    v = <i64>f;
  }
  outBegin(24);
  if (v < 0) outByte(45);
  putUnsigned(v < 0 ? <u64>(-v) : <u64>v, <u32>b);
  return outString();
}

export function opa_bi_to_number(x: usize): usize {
  switch (typeOf(x)) {
    case T_NULL:
      return makeInt(0);
    case T_BOOL:
      return makeInt(boolOf(x) ? 1 : 0);
    case T_NUMBER:
      return x;
    case T_STRING:
      return parseNumber(strPtr(x), strLen(x));
    default:
      return 0;
  }
}

// ---- sprintf: %s %v %d %f (with optional precision) %t %q %x %X %o %b and %%; other verbs make it
// undefined

import { dumpToBytes, dumpStart, putNumberText, DUMP_PRETTY } from "./json";

function outValue(v: usize, top: bool): void {
  if (top && typeOf(v) == T_STRING) {
    outBytes(strPtr(v), strLen(v));
    return;
  }
  if (top && typeOf(v) == T_NUMBER) {
    // Go formats a top-level integral number without a fraction
    outNumber(v, false);
    return;
  }
  // the dumper writes at the top of the heap: move the output buffer out of its way first
  const n = dumpToBytes(v, DUMP_PRETTY);
  outBytes(dumpStart(), n);
}

function outNumber(v: usize, floatSyntax: bool): void {
  const n = putNumberText(v, floatSyntax);
  outBytes(dumpStart(), n);
}

function outFixed(v: usize, prec: i32): bool {
  let num = v;
  if (numKind(num) != N_DEC) {
    num = fromF64(toF64(num));
    if (num == 0 || numKind(num) != N_DEC) return false;
  }
  const c = numCoef(num);
  const e = numExp(num);
  // scale to exactly prec fractional digits, rounding half away from zero
  let m: u64 = c < 0 ? <u64>(-c) : <u64>c;
  const shift = e + prec; // multiply by 10^shift
  if (shift >= 0) {
    if (shift > 18) return false;
    const p = pow10(shift);
    if (m != 0 && m > 0xffffffffffffffff / p) return false;
    m *= p;
  } else {
    const d = -shift;
    if (d > 19) {
      m = 0;
    } else {
      const p: u64 = d == 19 ? <u64>10000000000000000000 : pow10(d);
      const r = m % p;
      m /= p;
      if (r >= p - r) m++;
    }
  }
  if (c < 0 && m != 0) outByte(45);
  const intPart = prec > 0 ? m / pow10(prec) : m;
  putUnsigned(intPart, 10);
  if (prec > 0) {
    outByte(46);
    const frac = m % pow10(prec);
    const tmp = alloc(<usize>prec);
    let f = frac;
    for (let i = prec - 1; i >= 0; i--) {
      store<u8>(tmp + <usize>i, <u8>(48 + f % 10));
      f /= 10;
    }
    outBytes(tmp, prec);
  }
  return true;
}

function outBase(a: usize, verb: u8): bool {
  const upper = verb == 88;
  if (typeOf(a) == T_STRING && (verb == 120 || upper)) {
    const p = strPtr(a), n = strLen(a);
    outReserve(n * 2);
    for (let i = 0; i < n; i++) {
      const c = load<u8>(p + <usize>i);
      const hi = load<u8>(S_HEX + <usize>(c >> 4)), lo = load<u8>(S_HEX + <usize>(c & 15));
      outByte(upper && hi > 57 ? hi - 32 : hi);
      outByte(upper && lo > 57 ? lo - 32 : lo);
    }
    return true;
  }
  if (typeOf(a) != T_NUMBER || !toI64(a)) return false;
  const v = intOut;
  if (v < 0) outByte(45);
  const start = on;
  putUnsigned(v < 0 ? <u64>(-v) : <u64>v, verb == 111 ? 8 : verb == 98 ? 2 : 16);
  if (upper) {
    for (let i = start; i < on; i++) {
      const c = load<u8>(ob + <usize>i);
      if (c >= 97) store<u8>(ob + <usize>i, c - 32);
    }
  }
  return true;
}

export function opa_bi_sprintf(fmt: usize, args: usize): usize {
  if (!isStr(fmt) || typeOf(args) != T_ARRAY) return 0;
  const p = strPtr(fmt), n = strLen(fmt);
  const nargs = arrLen(args);
  let ai = 0;
  outBegin(n + 16);
  let i = 0;
  while (i < n) {
    const c = load<u8>(p + <usize>i);
    if (c != 37) {
      outByte(c);
      i++;
      continue;
    }
    i++;
    if (i >= n) return 0;
    let prec = -1;
    if (load<u8>(p + <usize>i) == 46) {
      i++;
      prec = 0;
      while (i < n && load<u8>(p + <usize>i) >= 48 && load<u8>(p + <usize>i) <= 57) {
        prec = prec * 10 + <i32>(load<u8>(p + <usize>i) - 48);
        i++;
      }
      if (i >= n || prec > 18) return 0;
    }
    const verb = load<u8>(p + <usize>i);
    i++;
    if (verb == 37) {
      outByte(37);
      continue;
    }
    if (ai >= nargs) return 0;
    const a = arrGet(args, ai++);
    switch (verb) {
      case 115: // s
      case 118: // v
        outValue(a, true);
        break;
      case 100: // d
        if (typeOf(a) != T_NUMBER) return 0;
        outNumber(a, false);
        break;
      case 102: // f
        if (typeOf(a) != T_NUMBER) return 0;
        if (!outFixed(a, prec < 0 ? 6 : prec)) return 0;
        break;
      case 116: // t
        if (typeOf(a) != T_BOOL) return 0;
        outValue(a, true);
        break;
      case 113: // q: a quoted string
        if (typeOf(a) != T_STRING) return 0;
        outValue(a, false);
        break;
      case 120: // x: hex of an integer or of a string's bytes
      case 88: // X
      case 111: // o
      case 98: // b
        if (!outBase(a, verb)) return 0;
        break;
      default:
        return 0;
    }
  }
  return outString();
}
