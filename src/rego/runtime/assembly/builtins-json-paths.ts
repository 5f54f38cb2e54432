// json.filter and json.remove: paths are "a/b/c" strings (JSON-pointer escapes ~0 and ~1, a leading
// "/" optional) or arrays of segments; array elements are addressed by index ("0" or 0).
// The paths become a trie of objects whose leaves are null: a leaf selects the whole subtree.

import {
  NULL_V, T_NULL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, typeOf, makeString, strLen, strPtr,
  arrLen, arrGet, makeArray, arrPush, collLen, entKey, entVal, makeObject, objInsert, objGet,
  ensureSorted,
} from "./values";
import { toI64, intOut, parseNumber } from "./numbers";
import { alloc } from "./heap";

// Split "a/b~1c" into segment strings (unescaping ~1 → "/" and ~0 → "~").
function splitPath(s: usize): usize {
  const p = strPtr(s);
  let n = strLen(s);
  let i = 0;
  if (n > 0 && load<u8>(p) == 47) i = 1;
  const segs = makeArray(0);
  if (i >= n) return segs;
  while (true) {
    let j = i;
    while (j < n && load<u8>(p + <usize>j) != 47) j++;
    // unescape into a fresh buffer only when the segment has a '~'
    let hasTilde = false;
    for (let k = i; k < j; k++) if (load<u8>(p + <usize>k) == 126) hasTilde = true;
    if (!hasTilde) {
      arrPush(segs, makeString(p + <usize>i, j - i));
    } else {
      const b = alloc(<usize>(j - i));
      let w = b;
      let k = i;
      while (k < j) {
        const c = load<u8>(p + <usize>k);
        if (c == 126 && k + 1 < j && (load<u8>(p + <usize>k + 1) == 49 || load<u8>(p + <usize>k + 1) == 48)) {
          store<u8>(w++, load<u8>(p + <usize>k + 1) == 49 ? 47 : 126);
          k += 2;
        } else {
          store<u8>(w++, c);
          k++;
        }
      }
      arrPush(segs, makeString(b, <i32>(w - b)));
    }
    if (j >= n) break;
    i = j + 1;
  }
  return segs;
}

// Trie from an array or set of paths; 0 when a path is malformed.
function buildTrie(paths: usize): usize {
  const t = typeOf(paths);
  if (t != T_ARRAY && t != T_SET) return 0;
  const root = makeObject(0);
  const n = arrLen(paths);
  for (let i = 0; i < n; i++) {
    const path = t == T_ARRAY ? arrGet(paths, i) : entKey(paths, i);
    let segs: usize;
    if (typeOf(path) == T_STRING) segs = splitPath(path);
    else if (typeOf(path) == T_ARRAY) segs = path;
    else return 0;
    const m = arrLen(segs);
    let node = root;
    for (let k = 0; k < m; k++) {
      if (typeOf(node) == T_NULL) break; // a shorter path already selects this subtree
      const seg = arrGet(segs, k);
      const child = objGet(node, seg);
      if (k == m - 1) {
        objInsert(node, seg, NULL_V);
      } else if (child == 0) {
        const c = makeObject(0);
        objInsert(node, seg, c);
        node = c;
      } else {
        node = child;
      }
    }
    if (m == 0) return NULL_V; // the empty path selects everything
  }
  return root;
}

// The trie child for array index i: the key "i" or the number i.
function childForIndex(trie: usize, i: i32): usize {
  const n = collLen(trie);
  for (let k = 0; k < n; k++) {
    const key = entKey(trie, k);
    let idx: usize = 0;
    if (typeOf(key) == T_NUMBER) idx = key;
    else if (typeOf(key) == T_STRING) idx = parseNumber(strPtr(key), strLen(key));
    if (idx != 0 && toI64(idx) && intOut == <i64>i) return entVal(trie, k);
  }
  return 0;
}

function filterWith(v: usize, trie: usize): usize {
  if (typeOf(trie) == T_NULL) return v;
  const t = typeOf(v);
  if (t == T_OBJECT) {
    ensureSorted(v);
    const r = makeObject(0);
    const n = collLen(v);
    for (let i = 0; i < n; i++) {
      const child = objGet(trie, entKey(v, i));
      if (child == 0) continue;
      const f = filterWith(entVal(v, i), child);
      if (f != 0) objInsert(r, entKey(v, i), f);
    }
    return r;
  }
  if (t == T_ARRAY) {
    const r = makeArray(0);
    const n = arrLen(v);
    for (let i = 0; i < n; i++) {
      const child = childForIndex(trie, i);
      if (child == 0) continue;
      const f = filterWith(arrGet(v, i), child);
      if (f != 0) arrPush(r, f);
    }
    return r;
  }
  return 0; // a path continues below a scalar: nothing there
}

function removeWith(v: usize, trie: usize): usize {
  if (typeOf(trie) == T_NULL) return 0;
  const t = typeOf(v);
  if (t == T_OBJECT) {
    ensureSorted(v);
    const r = makeObject(0);
    const n = collLen(v);
    for (let i = 0; i < n; i++) {
      const child = objGet(trie, entKey(v, i));
      if (child == 0) {
        objInsert(r, entKey(v, i), entVal(v, i));
        continue;
      }
      const kept = removeWith(entVal(v, i), child);
      if (kept != 0) objInsert(r, entKey(v, i), kept);
    }
    return r;
  }
  if (t == T_ARRAY) {
    const r = makeArray(0);
    const n = arrLen(v);
    for (let i = 0; i < n; i++) {
      const child = childForIndex(trie, i);
      if (child == 0) {
        arrPush(r, arrGet(v, i));
        continue;
      }
      const kept = removeWith(arrGet(v, i), child);
      if (kept != 0) arrPush(r, kept);
    }
    return r;
  }
  return v;
}

export function opa_bi_json_filter(o: usize, paths: usize): usize {
  if (typeOf(o) != T_OBJECT) return 0;
  const trie = buildTrie(paths);
  if (trie == 0) return 0;
  const r = filterWith(o, trie);
  return r == 0 ? makeObject(0) : r;
}

export function opa_bi_json_remove(o: usize, paths: usize): usize {
  if (typeOf(o) != T_OBJECT) return 0;
  const trie = buildTrie(paths);
  if (trie == 0) return 0;
  const r = removeWith(o, trie);
  return r == 0 ? makeObject(0) : r;
}
