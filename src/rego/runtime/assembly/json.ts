// JSON text ⇄ values. Parsing is strict (anything but one JSON value surrounded by whitespace → 0).
// Strings without escapes point into the parsed text instead of being copied: the SDK never frees
// or overwrites a buffer it has parsed (data text stays below the data heap pointer, input text
// stays below the evaluation heap), and skipping the copy halves the work for large data.
// With `regoSyntax`, the parser also accepts Rego set literals (`{1, 2}`, `set()`), and the dumper
// writes sets that way (opa_value_parse / opa_value_dump).

import { alloc, heapTop, ensureMemory } from "./heap";
import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, NULL_V, TRUE_V, FALSE_V,
  typeOf, boolOf, strLen, strPtr, makeString, arrLen, arrGet, makeArray, collLen,
  entKey, entVal, makeObject, makeSet, collFinishRaw, ensureSorted, keyCompare,
} from "./values";
import {
  N_BIG, parseNumber, numKind, numFloatSyntax, numExp, numCoef, numF64, numTextPtr, numTextLen,
  pow10, digitCount,
} from "./numbers";

export const DUMP_JSON: i32 = 0;
export const DUMP_REGO: i32 = 1; // sets as {..} / set(), compact
export const DUMP_PRETTY: i32 = 2; // Rego with ", " and ": " (how OPA prints values in sprintf)

let mode: i32 = DUMP_JSON;
let keepFloatSyntax: bool = true;

let pp: usize = 0;
let pend: usize = 0;
let rego: bool = false;
let depth: i32 = 0;
// Deeper documents are rejected: recursion deeper than a few thousand levels overflows the
// engine's native stack, which would surface as an exception instead of a parse error.
const MAX_DEPTH: i32 = 1000;

// Children of the collections being parsed wait on a scratch stack, so every array and object is
// allocated once at its final size (no growth copies, no slack) when its closing bracket is seen.
let sbuf: usize = 0;
let scap: i32 = 0;
let stop: i32 = 0;

@inline
function spush(v: usize): void {
  if (stop == scap) sgrow();
  store<usize>(sbuf + (<usize>stop << 2), v);
  stop++;
}

function sgrow(): void {
  const ncap = scap << 1;
  const nb = alloc(<usize>ncap << 2);
  memory.copy(nb, sbuf, <usize>stop << 2);
  sbuf = nb;
  scap = ncap;
}

// Move the top `pairs` key/value pairs (or single elements when `single`) into collection c.
function takeEntries(c: usize, base: i32, single: bool): void {
  const n = single ? stop - base : (stop - base) >> 1;
  const entries = load<usize>(c, 12);
  let r = sbuf + (<usize>base << 2);
  for (let i = 0; i < n; i++) {
    const e = entries + <usize>i * 12;
    const k = load<usize>(r);
    store<usize>(e, k);
    if (single) {
      store<usize>(e, k, 4);
      r += 4;
    } else {
      store<usize>(e, load<usize>(r, 4), 4);
      r += 8;
    }
    store<u32>(e, 0, 8);
  }
  store<i32>(c, n, 4);
  stop = base;
}

export function parseJSON(p: usize, len: i32, regoSyntax: bool): usize {
  // a fresh scratch stack per parse: one left from an earlier evaluation's heap may be gone
  scap = 256;
  sbuf = alloc(<usize>scap << 2);
  stop = 0;
  pp = p;
  pend = p + <usize>len;
  rego = regoSyntax;
  depth = 0;
  const v = parseValue();
  if (v == 0) return 0;
  skipWs();
  if (pp != pend) return 0;
  return v;
}

@inline
function skipWs(): void {
  while (pp < pend) {
    const c = load<u8>(pp);
    if (c != 32 && c != 10 && c != 13 && c != 9) return;
    pp++;
  }
}

function expectWord(w0: u8, w1: u8, w2: u8, w3: u8, n: i32): bool {
  if (pp + <usize>n > pend) return false;
  if (load<u8>(pp) != w0 || load<u8>(pp, 1) != w1 || load<u8>(pp, 2) != w2) return false;
  if (n == 4 && load<u8>(pp, 3) != w3) return false;
  pp += <usize>n;
  return true;
}

function parseValue(): usize {
  skipWs();
  if (pp >= pend) return 0;
  const c = load<u8>(pp);
  switch (c) {
    case 123: // {
      return parseObject();
    case 91: // [
      return parseArray();
    case 34: // "
      return parseString();
    case 116: // t
      if (expectWord(116, 114, 117, 101, 4)) return TRUE_V;
      return 0;
    case 102: // f
      if (pp + 5 <= pend && load<u8>(pp, 1) == 97 && load<u8>(pp, 2) == 108 && load<u8>(pp, 3) == 115 && load<u8>(pp, 4) == 101) {
        pp += 5;
        return FALSE_V;
      }
      return 0;
    case 110: // n
      if (expectWord(110, 117, 108, 108, 4)) return NULL_V;
      return 0;
    case 115: // s → set()
      if (rego && pp + 5 <= pend && load<u8>(pp, 1) == 101 && load<u8>(pp, 2) == 116 && load<u8>(pp, 3) == 40 && load<u8>(pp, 4) == 41) {
        pp += 5;
        return makeSet(0);
      }
      return 0;
    default:
      if (c == 45 || (c >= 48 && c <= 57)) return parseNum();
      return 0;
  }
}

function parseNum(): usize {
  const start = pp;
  while (pp < pend) {
    const c = load<u8>(pp);
    if ((c >= 48 && c <= 57) || c == 45 || c == 43 || c == 46 || c == 101 || c == 69) pp++;
    else break;
  }
  return parseNumber(start, <i32>(pp - start));
}

function parseString(): usize {
  pp++; // opening quote
  const start = pp;
  // eight bytes at a time while none is a quote, a backslash or a control character
  while (pp + 8 <= pend) {
    const w = load<u64>(pp);
    const q = w ^ 0x2222222222222222;
    const b = w ^ 0x5c5c5c5c5c5c5c5c;
    const special = ((q - 0x0101010101010101) & ~q) | ((b - 0x0101010101010101) & ~b) | ((w - 0x2020202020202020) & ~w);
    if ((special & 0x8080808080808080) != 0) break;
    pp += 8;
  }
  while (pp < pend) {
    const c = load<u8>(pp);
    if (c == 34) {
      const v = makeString(start, <i32>(pp - start));
      pp++;
      return v;
    }
    if (c == 92 || c < 32) break;
    pp++;
  }
  if (pp >= pend || load<u8>(pp) < 32) return 0;
  // escapes present: decode into a fresh buffer no longer than the raw text
  let q = pp;
  while (q < pend && load<u8>(q) != 34) {
    if (load<u8>(q) == 92) q++;
    q++;
  }
  if (q >= pend) return 0;
  const buf = alloc(q - start);
  const prefix = pp - start;
  memory.copy(buf, start, prefix);
  let w = buf + prefix;
  while (true) {
    if (pp >= pend) return 0;
    let c = load<u8>(pp);
    if (c == 34) break;
    if (c < 32) return 0;
    if (c != 92) {
      store<u8>(w++, c);
      pp++;
      continue;
    }
    pp++;
    if (pp >= pend) return 0;
    c = load<u8>(pp++);
    switch (c) {
      case 34: store<u8>(w++, 34); break;
      case 92: store<u8>(w++, 92); break;
      case 47: store<u8>(w++, 47); break;
      case 98: store<u8>(w++, 8); break;
      case 102: store<u8>(w++, 12); break;
      case 110: store<u8>(w++, 10); break;
      case 114: store<u8>(w++, 13); break;
      case 116: store<u8>(w++, 9); break;
      case 117: {
        let cp = hex4();
        if (cp < 0) return 0;
        if (cp >= 0xd800 && cp < 0xdc00) {
          // a pair when an escaped low surrogate follows; a lone surrogate becomes U+FFFD (UTF-8
          // cannot hold it) and whatever follows is decoded on its own
          const hi = cp;
          cp = 0xfffd;
          if (pp + 6 <= pend && load<u8>(pp) == 92 && load<u8>(pp, 1) == 117) {
            const save = pp;
            pp += 2;
            const lo = hex4();
            if (lo >= 0xdc00 && lo <= 0xdfff) cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
            else pp = save;
          }
        } else if (cp >= 0xdc00 && cp < 0xe000) {
          cp = 0xfffd;
        }
        w = putUtf8(w, cp);
        break;
      }
      default:
        return 0;
    }
  }
  pp++;
  return makeString(buf, <i32>(w - buf));
}

function hex4(): i32 {
  if (pp + 4 > pend) return -1;
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const c = <i32>load<u8>(pp++);
    let d: i32;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return -1;
    v = (v << 4) | d;
  }
  return v;
}

export function putUtf8(w: usize, cp: i32): usize {
  if (cp < 0x80) {
    store<u8>(w, <u8>cp);
    return w + 1;
  }
  if (cp < 0x800) {
    store<u8>(w, <u8>(0xc0 | (cp >> 6)));
    store<u8>(w, <u8>(0x80 | (cp & 63)), 1);
    return w + 2;
  }
  if (cp < 0x10000) {
    store<u8>(w, <u8>(0xe0 | (cp >> 12)));
    store<u8>(w, <u8>(0x80 | ((cp >> 6) & 63)), 1);
    store<u8>(w, <u8>(0x80 | (cp & 63)), 2);
    return w + 3;
  }
  store<u8>(w, <u8>(0xf0 | (cp >> 18)));
  store<u8>(w, <u8>(0x80 | ((cp >> 12) & 63)), 1);
  store<u8>(w, <u8>(0x80 | ((cp >> 6) & 63)), 2);
  store<u8>(w, <u8>(0x80 | (cp & 63)), 3);
  return w + 4;
}

function parseArray(): usize {
  if (++depth > MAX_DEPTH) return 0;
  pp++;
  skipWs();
  if (pp < pend && load<u8>(pp) == 93) {
    pp++;
    depth--;
    return makeArray(0);
  }
  const base = stop;
  while (true) {
    const v = parseValue();
    if (v == 0) return 0;
    spush(v);
    skipWs();
    if (pp >= pend) return 0;
    const c = load<u8>(pp++);
    if (c == 44) continue;
    if (c == 93) break;
    return 0;
  }
  const n = stop - base;
  const a = makeArray(n);
  memory.copy(load<usize>(a, 12), sbuf + (<usize>base << 2), <usize>n << 2);
  store<i32>(a, n, 4);
  stop = base;
  depth--;
  return a;
}

function parseObject(): usize {
  if (++depth > MAX_DEPTH) return 0;
  pp++;
  skipWs();
  if (pp < pend && load<u8>(pp) == 125) {
    pp++;
    depth--;
    return makeObject(0);
  }
  const first = parseValue();
  if (first == 0) return 0;
  if (!rego && typeOf(first) != T_STRING) return 0;
  skipWs();
  if (pp >= pend) return 0;
  if (load<u8>(pp) != 58) {
    if (!rego) return 0;
    return parseSetRest(first);
  }
  const base = stop;
  let k = first;
  let prev: usize = 0;
  let sorted = true;
  while (true) {
    // at ':'
    pp++;
    const v = parseValue();
    if (v == 0) return 0;
    if (sorted && prev != 0 && keyCompare(prev, k) >= 0) sorted = false;
    spush(k);
    spush(v);
    prev = k;
    skipWs();
    if (pp >= pend) return 0;
    const c = load<u8>(pp++);
    if (c == 125) break;
    if (c != 44) return 0;
    skipWs();
    k = parseValue();
    if (k == 0) return 0;
    if (!rego && typeOf(k) != T_STRING) return 0;
    skipWs();
    if (pp >= pend || load<u8>(pp) != 58) return 0;
  }
  const o = makeObject((stop - base) >> 1);
  takeEntries(o, base, false);
  collFinishRaw(o, sorted);
  depth--;
  return o;
}

function parseSetRest(first: usize): usize {
  const base = stop;
  spush(first);
  let prev = first;
  let sorted = true;
  while (true) {
    skipWs();
    if (pp >= pend) return 0;
    const c = load<u8>(pp++);
    if (c == 125) break;
    if (c != 44) return 0;
    const v = parseValue();
    if (v == 0) return 0;
    if (sorted && keyCompare(prev, v) >= 0) sorted = false;
    spush(v);
    prev = v;
  }
  const s = makeSet(stop - base);
  takeEntries(s, base, true);
  collFinishRaw(s, sorted);
  depth--;
  return s;
}

// ---- dumping

// The writer appends at the top of the heap and owns it until `finish`, so output grows in place
// without copying; values that need sorting while being dumped are sorted beforehand.
let wbuf: usize = 0;
let wpos: usize = 0;

@inline
function need(n: usize): void {
  ensureMemory(wpos + n);
}

@inline
function put(c: u8): void {
  store<u8>(wpos++, c);
}

function putBytes(p: usize, n: i32): void {
  need(<usize>n);
  memory.copy(wpos, p, <usize>n);
  wpos += <usize>n;
}

const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

function putQuoted(p: usize, n: i32): void {
  need(<usize>n * 6 + 2);
  put(34);
  const end = p + <usize>n;
  while (p < end) {
    const c = load<u8>(p++);
    if (c >= 32 && c != 34 && c != 92) {
      put(c);
      continue;
    }
    put(92);
    switch (c) {
      case 34: put(34); break;
      case 92: put(92); break;
      case 10: put(110); break;
      case 13: put(114); break;
      case 9: put(116); break;
      case 8: put(98); break;
      case 12: put(102); break;
      default:
        put(117);
        put(48);
        put(48);
        put(load<u8>(HEX + (<usize>c >> 4)));
        put(load<u8>(HEX + (<usize>c & 15)));
    }
  }
  put(34);
}

function putUint(m: u64): void {
  const n = digitCount(m);
  need(<usize>n);
  let i = n;
  while (i > 0) {
    i--;
    store<u8>(wpos + <usize>i, <u8>(48 + m % 10));
    m /= 10;
  }
  wpos += <usize>n;
}

function putNumber(v: usize): void {
  if (numKind(v) == N_BIG) {
    const tp = numTextPtr(v);
    if (tp != 0) {
      putBytes(tp, numTextLen(v));
    } else {
      putF64Sci(numF64(v));
    }
    return;
  }
  const c = numCoef(v);
  const e = numExp(v);
  need(48);
  if (c < 0) put(45);
  const m: u64 = c < 0 ? <u64>(-c) : <u64>c;
  if (e >= 0) {
    if (e > 21) {
      // far too many zeros to spell out: d.ddde+N
      putSci(m, e);
      return;
    }
    putUint(m);
    need(<usize>e + 2);
    for (let i = 0; i < e; i++) put(48);
    if (keepFloatSyntax && numFloatSyntax(v) != 0) {
      put(46);
      put(48);
    }
    return;
  }
  const nd = digitCount(m);
  const frac = -e;
  if (frac > 30) {
    putSci(m, e);
    return;
  }
  if (nd > frac) {
    const p = pow10(frac);
    putUint(m / p);
    put(46);
    putPadded(m % p, frac);
  } else {
    put(48);
    put(46);
    putPadded(m, frac);
  }
}

function putPadded(m: u64, width: i32): void {
  need(<usize>width);
  let i = width;
  while (i > 0) {
    i--;
    store<u8>(wpos + <usize>i, <u8>(48 + m % 10));
    m /= 10;
  }
  wpos += <usize>width;
}

function putSci(m: u64, e: i32): void {
  const nd = digitCount(m);
  const lead = m / pow10(nd - 1);
  putUint(lead);
  if (nd > 1) {
    put(46);
    putPadded(m % pow10(nd - 1), nd - 1);
  }
  need(8);
  put(101);
  const ex = e + nd - 1;
  if (ex < 0) put(45);
  else put(43);
  putUint(<u64>(ex < 0 ? -ex : ex));
}

function putF64Sci(f: f64): void {
  // only reached for computed values outside the exact range
  if (f < 0) {
    need(1);
    put(45);
    f = -f;
  }
  let e = <i32>Math.floor(Math.log10(f));
  let m = <u64>Math.round(f / Math.pow(10, <f64>(e - 16)));
  while (m > 0 && m % 10 == 0) m /= 10;
  putSci(m, e - (digitCount(m) - 1));
}

function sortDeep(v: usize): void {
  const t = typeOf(v);
  if (t == T_ARRAY) {
    const n = arrLen(v);
    for (let i = 0; i < n; i++) sortDeep(arrGet(v, i));
  } else if (t == T_OBJECT || t == T_SET) {
    ensureSorted(v);
    const n = collLen(v);
    for (let i = 0; i < n; i++) {
      sortDeep(entKey(v, i));
      if (t == T_OBJECT) sortDeep(entVal(v, i));
    }
  }
}

function putComma(): void {
  need(2);
  put(44);
  if (mode == DUMP_PRETTY) put(32);
}

function putValue(v: usize): void {
  switch (typeOf(v)) {
    case T_NULL:
      putBytes(LIT_NULL, 4);
      return;
    case T_BOOL:
      if (boolOf(v)) putBytes(LIT_TRUE, 4);
      else putBytes(LIT_FALSE, 5);
      return;
    case T_NUMBER:
      putNumber(v);
      return;
    case T_STRING:
      putQuoted(strPtr(v), strLen(v));
      return;
    case T_ARRAY: {
      need(1);
      put(91);
      const n = arrLen(v);
      for (let i = 0; i < n; i++) {
        if (i > 0) putComma();
        putValue(arrGet(v, i));
      }
      need(1);
      put(93);
      return;
    }
    case T_OBJECT: {
      need(1);
      put(123);
      const n = collLen(v);
      for (let i = 0; i < n; i++) {
        if (i > 0) putComma();
        const k = entKey(v, i);
        if (typeOf(k) == T_STRING) {
          putQuoted(strPtr(k), strLen(k));
        } else {
          putKeyAsString(k);
        }
        need(2);
        put(58);
        if (mode == DUMP_PRETTY) put(32);
        putValue(entVal(v, i));
      }
      need(1);
      put(125);
      return;
    }
    default: {
      const n = collLen(v);
      const regoSet = mode != DUMP_JSON;
      if (regoSet && n == 0) {
        putBytes(LIT_SET, 5);
        return;
      }
      need(1);
      put(regoSet ? 123 : 91);
      for (let i = 0; i < n; i++) {
        if (i > 0) putComma();
        putValue(entKey(v, i));
      }
      need(1);
      put(regoSet ? 125 : 93);
    }
  }
}

// JSON has only string keys: other keys are written as the JSON text of the key, quoted.
function putKeyAsString(k: usize): void {
  const start = wpos;
  putValue(k);
  const len = <i32>(wpos - start);
  const copy = wpos + 8;
  ensureMemory(copy + <usize>len);
  memory.copy(copy, start, <usize>len);
  wpos = start;
  putQuoted(copy, len);
}

const LIT_NULL = memory.data<u8>([110, 117, 108, 108]);
const LIT_TRUE = memory.data<u8>([116, 114, 117, 101]);
const LIT_FALSE = memory.data<u8>([102, 97, 108, 115, 101]);
const LIT_SET = memory.data<u8>([115, 101, 116, 40, 41]);

// Dump to a NUL-terminated string at the top of the heap; returns its address.
export function dumpValue(v: usize, m: i32): usize {
  if (v == 0) v = NULL_V; // undefined has no JSON form; never dump whatever lies at address 0
  sortDeep(v);
  mode = m;
  keepFloatSyntax = true;
  wbuf = heapTop();
  wpos = wbuf;
  putValue(v);
  need(1);
  put(0);
  alloc(wpos - wbuf); // claim what was written (alloc returns wbuf: nothing else allocated meanwhile)
  return wbuf;
}

// Dump without the NUL terminator; returns the length (for json.marshal and friends). The bytes
// start at the returned `dumpStart()`.
export function dumpToBytes(v: usize, m: i32): i32 {
  sortDeep(v);
  mode = m;
  keepFloatSyntax = true;
  wbuf = heapTop();
  wpos = wbuf;
  putValue(v);
  const n = <i32>(wpos - wbuf);
  alloc(<usize>n);
  return n;
}

export function dumpStart(): usize {
  return wbuf;
}

// The text of a number at the top of the heap (see dumpStart); without `floatSyntax`, `2.0` is `2`.
export function putNumberText(v: usize, floatSyntax: bool): i32 {
  keepFloatSyntax = floatSyntax;
  wbuf = heapTop();
  wpos = wbuf;
  putNumber(v);
  keepFloatSyntax = true;
  const n = <i32>(wpos - wbuf);
  alloc(<usize>n);
  return n;
}
