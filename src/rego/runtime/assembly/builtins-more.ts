// Further string, number and graph built-ins: strings.any_prefix_match, strings.any_suffix_match,
// strings.count, strings.replace_n, strings.reverse, indexof_n, numbers.range_step,
// graph.reachable.

import { alloc } from "./heap";
import {
  T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, typeOf, makeBool, makeString, strLen, strPtr,
  arrLen, arrGet, makeArray, arrPush, collLen, entKey, entVal, makeSet, setAdd, collFind,
  ensureSorted, bytesEqual,
} from "./values";
import { makeInt, toI64, intOut } from "./numbers";
import { codePointCount, decodeAt, cpLen, findBytes } from "./text";

// A string, or an array/set of strings: element count, or -1 when anything is not a string.
function stringsCount(v: usize): i32 {
  const t = typeOf(v);
  if (t == T_STRING) return 1;
  if (t != T_ARRAY && t != T_SET) return -1;
  const n = arrLen(v);
  for (let i = 0; i < n; i++) if (typeOf(stringAt(v, i)) != T_STRING) return -1;
  return n;
}

@inline
function stringAt(v: usize, i: i32): usize {
  const t = typeOf(v);
  return t == T_STRING ? v : t == T_ARRAY ? arrGet(v, i) : entKey(v, i);
}

function anyAffixMatch(search: usize, base: usize, suffix: bool): usize {
  const ns = stringsCount(search), nb = stringsCount(base);
  if (ns < 0 || nb < 0) return 0;
  for (let i = 0; i < ns; i++) {
    const s = stringAt(search, i);
    const sl = strLen(s);
    for (let j = 0; j < nb; j++) {
      const b = stringAt(base, j);
      const bl = strLen(b);
      if (bl > sl) continue;
      const at = suffix ? strPtr(s) + <usize>(sl - bl) : strPtr(s);
      if (bytesEqual(at, strPtr(b), bl)) return makeBool(true);
    }
  }
  return makeBool(false);
}

export function opa_bi_strings_any_prefix_match(search: usize, base: usize): usize {
  return anyAffixMatch(search, base, false);
}

export function opa_bi_strings_any_suffix_match(search: usize, base: usize): usize {
  return anyAffixMatch(search, base, true);
}

// Non-overlapping occurrences; an empty substring occurs before each code point and at the end.
export function opa_bi_strings_count(s: usize, sub: usize): usize {
  if (typeOf(s) != T_STRING || typeOf(sub) != T_STRING) return 0;
  const n = strLen(s), m = strLen(sub);
  if (m == 0) return makeInt(codePointCount(strPtr(s), n) + 1);
  let c = 0;
  let from = 0;
  while (true) {
    const j = findBytes(strPtr(s), n, strPtr(sub), m, from);
    if (j < 0) break;
    c++;
    from = j + m;
  }
  return makeInt(c);
}

// One left-to-right pass; at each position the first key (in key order) that matches wins.
export function opa_bi_strings_replace_n(patterns: usize, s: usize): usize {
  if (typeOf(patterns) != T_OBJECT || typeOf(s) != T_STRING) return 0;
  ensureSorted(patterns);
  const np = collLen(patterns);
  for (let k = 0; k < np; k++) {
    if (typeOf(entKey(patterns, k)) != T_STRING || typeOf(entVal(patterns, k)) != T_STRING) return 0;
  }
  const p = strPtr(s), n = strLen(s);
  // worst case every byte is replaced by the longest replacement
  let longest = 1;
  for (let k = 0; k < np; k++) {
    const l = strLen(entVal(patterns, k));
    if (l > longest) longest = l;
  }
  const out = alloc(<usize>n * <usize>longest + 1);
  let w = out;
  let i = 0;
  while (i < n) {
    let hit = -1;
    for (let k = 0; k < np; k++) {
      const key = entKey(patterns, k);
      const kl = strLen(key);
      if (kl > 0 && kl <= n - i && bytesEqual(p + <usize>i, strPtr(key), kl)) {
        hit = k;
        break;
      }
    }
    if (hit < 0) {
      store<u8>(w++, load<u8>(p + <usize>i));
      i++;
      continue;
    }
    const r = entVal(patterns, hit);
    memory.copy(w, strPtr(r), <usize>strLen(r));
    w += <usize>strLen(r);
    i += strLen(entKey(patterns, hit));
  }
  return makeString(out, <i32>(w - out));
}

export function opa_bi_strings_reverse(s: usize): usize {
  if (typeOf(s) != T_STRING) return 0;
  const p = strPtr(s), n = strLen(s);
  const out = alloc(<usize>n);
  let i = 0;
  while (i < n) {
    decodeAt(p, n, i);
    const l = cpLen;
    memory.copy(out + <usize>(n - i - l), p + <usize>i, <usize>l);
    i += l;
  }
  return makeString(out, n);
}

// Every code point index where sub starts (overlapping matches included).
export function opa_bi_indexof_n(s: usize, sub: usize): usize {
  if (typeOf(s) != T_STRING || typeOf(sub) != T_STRING) return 0;
  const p = strPtr(s), n = strLen(s);
  const r = makeArray(0);
  let from = 0;
  while (from <= n) {
    const j = findBytes(p, n, strPtr(sub), strLen(sub), from);
    if (j < 0) break;
    arrPush(r, makeInt(codePointCount(p, j)));
    if (j >= n) break;
    decodeAt(p, n, j);
    from = j + cpLen;
  }
  return r;
}

export function opa_bi_numbers_range_step(a: usize, b: usize, step: usize): usize {
  if (typeOf(a) != T_NUMBER || typeOf(b) != T_NUMBER || typeOf(step) != T_NUMBER) return 0;
  if (!toI64(a)) return 0;
  const x = intOut;
  if (!toI64(b)) return 0;
  const y = intOut;
  if (!toI64(step)) return 0;
  const st = intOut;
  if (st <= 0) return 0;
  const span = x <= y ? y - x : x - y;
  if (span < 0 || span / st > 10000000) return 0;
  const r = makeArray(<i32>(span / st + 1));
  if (x <= y) {
    for (let i = x; i <= y; i += st) arrPush(r, makeInt(i));
  } else {
    for (let i = x; i >= y; i -= st) arrPush(r, makeInt(i));
  }
  return r;
}

// Nodes reachable from `initial` (inclusive) along edges given as arrays or sets; nodes that are
// not keys of the graph are not reached.
export function opa_bi_graph_reachable(graph: usize, initial: usize): usize {
  if (typeOf(graph) != T_OBJECT) return 0;
  const ti = typeOf(initial);
  if (ti != T_ARRAY && ti != T_SET) return 0;
  const reached = makeSet(0);
  const queue = makeArray(0);
  const n0 = arrLen(initial);
  for (let i = 0; i < n0; i++) arrPush(queue, ti == T_ARRAY ? arrGet(initial, i) : entKey(initial, i));
  let head = 0;
  while (head < arrLen(queue)) {
    const node = arrGet(queue, head++);
    if (collFind(reached, node) >= 0) continue;
    const j = collFind(graph, node);
    if (j < 0) continue;
    const edges = entVal(graph, j);
    const te = typeOf(edges);
    if (te != T_ARRAY && te != T_SET) return 0;
    setAdd(reached, node);
    const m = arrLen(edges);
    for (let k = 0; k < m; k++) arrPush(queue, te == T_ARRAY ? arrGet(edges, k) : entKey(edges, k));
  }
  return reached;
}

import { valueEqual } from "./values";

// Objects recursively (every key of sub present, values subsets); sets by membership; arrays as a
// contiguous run; an array super with a set sub by membership; anything else by equality.
function isSubset(sup: usize, sub: usize): bool {
  const ta = typeOf(sup), tb = typeOf(sub);
  if (ta == T_OBJECT && tb == T_OBJECT) {
    const n = collLen(sub);
    for (let i = 0; i < n; i++) {
      const j = collFind(sup, entKey(sub, i));
      if (j < 0 || !isSubset(entVal(sup, j), entVal(sub, i))) return false;
    }
    return true;
  }
  if (ta == T_SET && tb == T_SET) {
    const n = collLen(sub);
    for (let i = 0; i < n; i++) if (collFind(sup, entKey(sub, i)) < 0) return false;
    return true;
  }
  if (ta == T_ARRAY && tb == T_ARRAY) {
    const n = arrLen(sup), m = arrLen(sub);
    if (m == 0) return true;
    for (let s = 0; s + m <= n; s++) {
      let k = 0;
      while (k < m && valueEqual(arrGet(sup, s + k), arrGet(sub, k))) k++;
      if (k == m) return true;
    }
    return false;
  }
  if (ta == T_ARRAY && tb == T_SET) {
    const n = collLen(sub), m = arrLen(sup);
    for (let i = 0; i < n; i++) {
      const x = entKey(sub, i);
      let found = false;
      for (let j = 0; j < m; j++) {
        if (valueEqual(arrGet(sup, j), x)) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }
  return valueEqual(sup, sub);
}

export function opa_bi_object_subset(sup: usize, sub: usize): usize {
  const ta = typeOf(sup), tb = typeOf(sub);
  const ok = (ta == T_OBJECT && tb == T_OBJECT) || (ta == T_SET && tb == T_SET) || (ta == T_ARRAY && (tb == T_ARRAY || tb == T_SET));
  if (!ok) return 0;
  return makeBool(isSubset(sup, sub));
}
