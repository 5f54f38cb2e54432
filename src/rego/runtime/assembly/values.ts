// Value representation, constructors, hashing, equality and Rego's total order.
//
// Layouts (byte offsets; every value starts with its type code in byte 0):
//   null/boolean  8 bytes, static; boolean value at +4
//   number        see numbers.ts (24 bytes)
//   string        +4 len (bytes), +8 ptr to UTF-8 bytes (may point into parsed JSON text or constants)
//   array         +4 len, +8 cap, +12 elems (i32 value pointers)
//   object / set  +1 sorted flag, +4 len, +8 cap, +12 entries, +16 table (0 = none), +20 mask
//                 entries are {key, value, hash} triples of i32 (12 bytes; a set stores value = key);
//                 the table holds entry index + 1 per slot (open addressing, linear probing) and is
//                 built once a collection has more than SMALL (16) entries — smaller ones are scanned.
// Objects and sets built by the parser are sorted by key before they are returned, so data never
// needs to be touched afterwards; ones built during evaluation are sorted on their first ordered
// use (scan, compare, dump).

import { alloc } from "./heap";
import { fmix, numCompare, numEqual, numHash } from "./numbers";

export const T_NULL: u8 = 1;
export const T_BOOL: u8 = 2;
export const T_NUMBER: u8 = 3;
export const T_STRING: u8 = 4;
export const T_ARRAY: u8 = 5;
export const T_OBJECT: u8 = 6;
export const T_SET: u8 = 7;

export const NULL_V: usize = memory.data<u8>([1, 0, 0, 0, 0, 0, 0, 0], 8);
export const FALSE_V: usize = memory.data<u8>([2, 0, 0, 0, 0, 0, 0, 0], 8);
export const TRUE_V: usize = memory.data<u8>([2, 0, 0, 0, 1, 0, 0, 0], 8);

// Up to this many entries a collection is scanned linearly: comparing a few string lengths beats
// hashing the key, and typical request objects (headers, claims) stay below it.
const SMALL: i32 = 16;
const ENTRY: usize = 12;

@inline export function typeOf(v: usize): u8 { return load<u8>(v); }
@inline export function boolOf(v: usize): bool { return load<u8>(v, 4) != 0; }
@inline export function makeBool(b: bool): usize { return b ? TRUE_V : FALSE_V; }

// ---- strings

@inline export function strLen(v: usize): i32 { return load<i32>(v, 4); }
@inline export function strPtr(v: usize): usize { return load<usize>(v, 8); }

export function makeString(ptr: usize, len: i32): usize {
  const v = alloc(16);
  store<u32>(v, <u32>T_STRING);
  store<i32>(v, len, 4);
  store<usize>(v, ptr, 8);
  return v;
}

export function bytesCompare(pa: usize, la: i32, pb: usize, lb: i32): i32 {
  const n = la < lb ? la : lb;
  let i = 0;
  // word-at-a-time until the first differing word
  while (i + 8 <= n) {
    const wa = load<u64>(pa + <usize>i), wb = load<u64>(pb + <usize>i);
    if (wa != wb) break;
    i += 8;
  }
  while (i < n) {
    const ca = load<u8>(pa + <usize>i), cb = load<u8>(pb + <usize>i);
    if (ca != cb) return ca < cb ? -1 : 1;
    i++;
  }
  return la < lb ? -1 : la > lb ? 1 : 0;
}

export function bytesEqual(pa: usize, pb: usize, n: i32): bool {
  if (pa == pb) return true;
  let i = 0;
  while (i + 8 <= n) {
    if (load<u64>(pa + <usize>i) != load<u64>(pb + <usize>i)) return false;
    i += 8;
  }
  while (i < n) {
    if (load<u8>(pa + <usize>i) != load<u8>(pb + <usize>i)) return false;
    i++;
  }
  return true;
}

// ---- arrays

@inline export function arrLen(v: usize): i32 { return load<i32>(v, 4); }
@inline export function arrGet(v: usize, i: i32): usize { return load<usize>(load<usize>(v, 12) + (<usize>i << 2)); }

export function makeArray(cap: i32): usize {
  if (cap < 0) cap = 0;
  const v = alloc(16 + (<usize>cap << 2));
  store<u32>(v, <u32>T_ARRAY);
  store<i32>(v, 0, 4);
  store<i32>(v, cap, 8);
  store<usize>(v, v + 16, 12);
  return v;
}

export function arrPush(a: usize, x: usize): void {
  const len = load<i32>(a, 4);
  let cap = load<i32>(a, 8);
  let elems = load<usize>(a, 12);
  if (len == cap) {
    cap = cap < 4 ? 8 : cap << 1;
    const ne = alloc(<usize>cap << 2);
    memory.copy(ne, elems, <usize>len << 2);
    elems = ne;
    store<usize>(a, elems, 12);
    store<i32>(a, cap, 8);
  }
  store<usize>(elems + (<usize>len << 2), x);
  store<i32>(a, len + 1, 4);
}

// ---- objects and sets

@inline export function collLen(v: usize): i32 { return load<i32>(v, 4); }
@inline export function entKey(v: usize, i: i32): usize { return load<usize>(load<usize>(v, 12) + <usize>i * ENTRY); }
@inline export function entVal(v: usize, i: i32): usize { return load<usize>(load<usize>(v, 12) + <usize>i * ENTRY, 4); }
@inline export function isSorted(v: usize): bool { return load<u8>(v, 1) != 0; }

function makeColl(t: u8, cap: i32): usize {
  if (cap < 0) cap = 0;
  const v = alloc(24 + <usize>cap * ENTRY);
  store<u32>(v, <u32>t | (1 << 8)); // empty is sorted
  store<i32>(v, 0, 4);
  store<i32>(v, cap, 8);
  store<usize>(v, v + 24, 12);
  store<usize>(v, 0, 16);
  store<i32>(v, 0, 20);
  return v;
}

export function makeObject(cap: i32): usize { return makeColl(T_OBJECT, cap); }
export function makeSet(cap: i32): usize { return makeColl(T_SET, cap); }

function hashAt(c: usize, i: i32): u32 {
  return load<u32>(load<usize>(c, 12) + <usize>i * ENTRY, 8);
}

// Build (or rebuild) the hash index from the entries' stored hashes; computes hashes first when
// the collection had none (it was small).
function buildTable(c: usize, computeHashes: bool): void {
  const len = collLen(c);
  const entries = load<usize>(c, 12);
  if (computeHashes) {
    for (let i = 0; i < len; i++) {
      const e = entries + <usize>i * ENTRY;
      store<u32>(e, hashValue(load<usize>(e)), 8);
    }
  }
  let slots: i32 = 32;
  while (slots * 3 <= len * 4) slots <<= 1;
  const table = alloc(<usize>slots << 2);
  memory.fill(table, 0, <usize>slots << 2);
  const mask = slots - 1;
  for (let i = 0; i < len; i++) {
    let s = <i32>load<u32>(entries + <usize>i * ENTRY, 8) & mask;
    while (load<i32>(table + (<usize>s << 2)) != 0) s = (s + 1) & mask;
    store<i32>(table + (<usize>s << 2), i + 1);
  }
  store<usize>(c, table, 16);
  store<i32>(c, mask, 20);
}

// Index of the entry with key k, or -1.
export function collFind(c: usize, k: usize): i32 {
  const len = collLen(c);
  const table = load<usize>(c, 16);
  const entries = load<usize>(c, 12);
  if (table == 0) {
    if (typeOf(k) == T_STRING) {
      // string keys are the common case: compare type, length and bytes without the generic call
      const kl = strLen(k), kp = strPtr(k);
      for (let i = 0; i < len; i++) {
        const e = load<usize>(entries + <usize>i * ENTRY);
        if (load<u8>(e) == T_STRING && strLen(e) == kl && bytesEqual(strPtr(e), kp, kl)) return i;
      }
      return -1;
    }
    for (let i = 0; i < len; i++) {
      if (valueEqual(load<usize>(entries + <usize>i * ENTRY), k)) return i;
    }
    return -1;
  }
  const h = typeOf(k) == T_STRING ? bytesHash(strPtr(k), strLen(k)) : hashValue(k);
  const mask = load<i32>(c, 20);
  let s = <i32>h & mask;
  while (true) {
    const idx = load<i32>(table + (<usize>s << 2));
    if (idx == 0) return -1;
    const e = entries + <usize>(idx - 1) * ENTRY;
    if (load<u32>(e, 8) == h && valueEqual(load<usize>(e), k)) return idx - 1;
    s = (s + 1) & mask;
  }
}

// Append an entry known to be absent, keeping the index and the sorted flag up to date.
function collAppend(c: usize, k: usize, v: usize): void {
  const len = collLen(c);
  let cap = load<i32>(c, 8);
  let entries = load<usize>(c, 12);
  if (len == cap) {
    cap = cap < 4 ? 8 : cap << 1;
    const ne = alloc(<usize>cap * ENTRY);
    memory.copy(ne, entries, <usize>len * ENTRY);
    entries = ne;
    store<usize>(c, entries, 12);
    store<i32>(c, cap, 8);
  }
  if (len > 0 && isSorted(c) && keyCompare(load<usize>(entries + <usize>(len - 1) * ENTRY), k) >= 0) {
    store<u8>(c, 0, 1);
  }
  const e = entries + <usize>len * ENTRY;
  store<usize>(e, k);
  store<usize>(e, v, 4);
  store<i32>(c, len + 1, 4);
  const table = load<usize>(c, 16);
  if (table == 0) {
    store<u32>(e, 0, 8);
    if (len + 1 > SMALL) buildTable(c, true);
    return;
  }
  const h = hashValue(k);
  store<u32>(e, h, 8);
  const mask = load<i32>(c, 20);
  if ((len + 1) * 4 >= (mask + 1) * 3) {
    buildTable(c, false);
    return;
  }
  let s = <i32>h & mask;
  while (load<i32>(table + (<usize>s << 2)) != 0) s = (s + 1) & mask;
  store<i32>(table + (<usize>s << 2), len + 1);
}

export function objInsert(o: usize, k: usize, v: usize): void {
  const i = collFind(o, k);
  if (i >= 0) {
    store<usize>(load<usize>(o, 12) + <usize>i * ENTRY, v, 4);
    return;
  }
  collAppend(o, k, v);
}

// 0 inserted or equal value present, 1 conflict
export function objInsertOnce(o: usize, k: usize, v: usize): i32 {
  const i = collFind(o, k);
  if (i >= 0) return valueEqual(entVal(o, i), v) ? 0 : 1;
  collAppend(o, k, v);
  return 0;
}

export function setAdd(s: usize, x: usize): void {
  if (collFind(s, x) >= 0) return;
  collAppend(s, x, x);
}

export function objGet(o: usize, k: usize): usize {
  const i = collFind(o, k);
  return i < 0 ? 0 : entVal(o, i);
}

// Remove by index, keeping order; rebuilds the index.
export function collRemoveAt(c: usize, i: i32): void {
  const len = collLen(c);
  const entries = load<usize>(c, 12);
  const e = entries + <usize>i * ENTRY;
  memory.copy(e, e + ENTRY, <usize>(len - 1 - i) * ENTRY);
  store<i32>(c, len - 1, 4);
  if (load<usize>(c, 16) != 0) buildTable(c, false);
}

// Sort entries by key (stable merge sort) and, when asked, drop earlier duplicates of a key.
function sortEntries(c: usize, dedupe: bool): void {
  let len = collLen(c);
  const entries = load<usize>(c, 12);
  if (len > 1) {
    if (len <= 16) insertionSort(entries, len);
    else mergeSort(entries, alloc(<usize>len * ENTRY), len);
    if (dedupe) {
      // objects keep the last duplicate (JSON), sets the first (adding a present element is a no-op)
      const keepFirst = typeOf(c) == T_SET;
      let w = 0;
      for (let r = 0; r < len; r++) {
        const er = entries + <usize>r * ENTRY;
        if (keepFirst) {
          if (w > 0 && keyCompare(load<usize>(entries + <usize>(w - 1) * ENTRY), load<usize>(er)) == 0) continue;
        } else if (r + 1 < len && keyCompare(load<usize>(er), load<usize>(er + ENTRY)) == 0) continue;
        if (w != r) memory.copy(entries + <usize>w * ENTRY, er, ENTRY);
        w++;
      }
      len = w;
      store<i32>(c, len, 4);
    }
  }
  store<u8>(c, 1, 1);
}

// In place and stable: small collections (most objects in data) need no scratch memory.
function insertionSort(a: usize, n: i32): void {
  for (let i = 1; i < n; i++) {
    const e = a + <usize>i * ENTRY;
    const k = load<usize>(e), v = load<usize>(e, 4), h = load<u32>(e, 8);
    let j = i;
    while (j > 0 && keyCompare(load<usize>(a + <usize>(j - 1) * ENTRY), k) > 0) {
      memory.copy(a + <usize>j * ENTRY, a + <usize>(j - 1) * ENTRY, ENTRY);
      j--;
    }
    if (j != i) {
      const d = a + <usize>j * ENTRY;
      store<usize>(d, k);
      store<usize>(d, v, 4);
      store<u32>(d, h, 8);
    }
  }
}

function mergeSort(a: usize, tmp: usize, n: i32): void {
  // bottom-up; runs of 1 first, insertion sort would be faster for tiny n but n is small there
  let src = a, dst = tmp;
  for (let width = 1; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      let mid = lo + width;
      if (mid > n) mid = n;
      let hi = lo + (width << 1);
      if (hi > n) hi = n;
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        const ei = src + <usize>i * ENTRY, ej = src + <usize>j * ENTRY;
        if (keyCompare(load<usize>(ej), load<usize>(ei)) < 0) {
          memory.copy(dst + <usize>k * ENTRY, ej, ENTRY);
          j++;
        } else {
          memory.copy(dst + <usize>k * ENTRY, ei, ENTRY);
          i++;
        }
        k++;
      }
      if (i < mid) memory.copy(dst + <usize>k * ENTRY, src + <usize>i * ENTRY, <usize>(mid - i) * ENTRY);
      else if (j < hi) memory.copy(dst + <usize>k * ENTRY, src + <usize>j * ENTRY, <usize>(hi - j) * ENTRY);
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memory.copy(a, src, <usize>n * ENTRY);
}

// Ordered iteration needs sorted entries; only collections created during the current evaluation
// can be unsorted (the parser and the data-mutating exports sort eagerly).
export function ensureSorted(c: usize): void {
  if (isSorted(c)) return;
  sortEntries(c, false);
  if (load<usize>(c, 16) != 0) buildTable(c, false);
}

// Finish a collection whose entries were appended raw (parser): sort, drop duplicate keys (the
// last one wins, as in JSON parsers), index.
export function collFinishRaw(c: usize, sorted: bool): void {
  if (!sorted) sortEntries(c, true);
  store<u8>(c, 1, 1);
  if (collLen(c) > SMALL) buildTable(c, true);
}


// Shallow copy with its own entries and index (for copy-on-write updates of data values).
export function collClone(c: usize, extra: i32): usize {
  const len = collLen(c);
  const n = makeColl(typeOf(c), len + extra);
  memory.copy(load<usize>(n, 12), load<usize>(c, 12), <usize>len * ENTRY);
  store<i32>(n, len, 4);
  store<u8>(n, load<u8>(c, 1), 1);
  if (load<usize>(c, 16) != 0) buildTable(n, false);
  return n;
}

// ---- hashing

export function bytesHash(p: usize, n: i32): u32 {
  let h: u32 = 0x9e3779b9 ^ <u32>n;
  let i = 0;
  while (i + 4 <= n) {
    let k = load<u32>(p + <usize>i);
    k *= 0xcc9e2d51;
    k = rotl<u32>(k, 15);
    k *= 0x1b873593;
    h ^= k;
    h = rotl<u32>(h, 13);
    h = h * 5 + 0xe6546b64;
    i += 4;
  }
  let k: u32 = 0;
  let sh: u32 = 0;
  while (i < n) {
    k |= <u32>load<u8>(p + <usize>i) << sh;
    sh += 8;
    i++;
  }
  if (sh != 0) {
    k *= 0xcc9e2d51;
    k = rotl<u32>(k, 15);
    k *= 0x1b873593;
    h ^= k;
  }
  return fmix(h);
}

export function hashValue(v: usize): u32 {
  switch (typeOf(v)) {
    case T_NULL:
      return 0x2545f491;
    case T_BOOL:
      return boolOf(v) ? 0x61c88647 : 0x7f4a7c15;
    case T_NUMBER:
      return numHash(v);
    case T_STRING:
      return bytesHash(strPtr(v), strLen(v));
    case T_ARRAY: {
      let h: u32 = 0x3c6ef372;
      const n = arrLen(v);
      for (let i = 0; i < n; i++) h = fmix(h * 31 + hashValue(arrGet(v, i)));
      return h;
    }
    case T_OBJECT: {
      // order-independent so an unsorted object hashes like its sorted twin
      let h: u32 = 0xa54ff53a;
      const n = collLen(v);
      for (let i = 0; i < n; i++) h += fmix(hashValue(entKey(v, i)) * 0x27d4eb2d ^ hashValue(entVal(v, i)));
      return fmix(h);
    }
    default: {
      let h: u32 = 0x510e527f;
      const n = collLen(v);
      for (let i = 0; i < n; i++) h += fmix(hashValue(entKey(v, i)));
      return fmix(h);
    }
  }
}

// ---- equality and order

export function valueEqual(a: usize, b: usize): bool {
  if (a == b) return true;
  const t = typeOf(a);
  if (t != typeOf(b)) return false;
  switch (t) {
    case T_NULL:
      return true;
    case T_BOOL:
      return boolOf(a) == boolOf(b);
    case T_NUMBER:
      return numEqual(a, b);
    case T_STRING: {
      const n = strLen(a);
      return n == strLen(b) && bytesEqual(strPtr(a), strPtr(b), n);
    }
    case T_ARRAY: {
      const n = arrLen(a);
      if (n != arrLen(b)) return false;
      for (let i = 0; i < n; i++) if (!valueEqual(arrGet(a, i), arrGet(b, i))) return false;
      return true;
    }
    case T_OBJECT: {
      const n = collLen(a);
      if (n != collLen(b)) return false;
      for (let i = 0; i < n; i++) {
        const j = collFind(b, entKey(a, i));
        if (j < 0 || !valueEqual(entVal(a, i), entVal(b, j))) return false;
      }
      return true;
    }
    default: {
      const n = collLen(a);
      if (n != collLen(b)) return false;
      for (let i = 0; i < n; i++) if (collFind(b, entKey(a, i)) < 0) return false;
      return true;
    }
  }
}

// Key order, with the common string-string case inline.
@inline
export function keyCompare(a: usize, b: usize): i32 {
  if (load<u8>(a) == T_STRING && load<u8>(b) == T_STRING) return bytesCompare(strPtr(a), strLen(a), strPtr(b), strLen(b));
  return valueCompare(a, b);
}

export function valueCompare(a: usize, b: usize): i32 {
  if (a == b) return 0;
  const ta = typeOf(a), tb = typeOf(b);
  if (ta != tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case T_NULL:
      return 0;
    case T_BOOL: {
      const x = <i32>boolOf(a), y = <i32>boolOf(b);
      return x - y;
    }
    case T_NUMBER:
      return numCompare(a, b);
    case T_STRING:
      return bytesCompare(strPtr(a), strLen(a), strPtr(b), strLen(b));
    case T_ARRAY: {
      const na = arrLen(a), nb = arrLen(b);
      const n = na < nb ? na : nb;
      for (let i = 0; i < n; i++) {
        const c = valueCompare(arrGet(a, i), arrGet(b, i));
        if (c != 0) return c;
      }
      return na < nb ? -1 : na > nb ? 1 : 0;
    }
    default: {
      // objects: key by key, then value; sets: element by element; then length
      ensureSorted(a);
      ensureSorted(b);
      const na = collLen(a), nb = collLen(b);
      const n = na < nb ? na : nb;
      for (let i = 0; i < n; i++) {
        let c = valueCompare(entKey(a, i), entKey(b, i));
        if (c != 0) return c;
        if (ta == T_OBJECT) {
          c = valueCompare(entVal(a, i), entVal(b, i));
          if (c != 0) return c;
        }
      }
      return na < nb ? -1 : na > nb ? 1 : 0;
    }
  }
}
