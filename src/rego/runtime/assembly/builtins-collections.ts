// Array, object, set and type built-ins.

import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, typeOf, makeBool, makeString,
  arrLen, arrGet, makeArray, arrPush, collLen, entKey, entVal, makeObject, makeSet, objInsert,
  setAdd, collFind, collClone, ensureSorted, valueEqual,
} from "./values";
import { toI64, intOut } from "./numbers";
import {
  S_TN_NULL, S_TN_NULL_LEN, S_TN_BOOLEAN, S_TN_BOOLEAN_LEN, S_TN_NUMBER, S_TN_NUMBER_LEN,
  S_TN_STRING, S_TN_STRING_LEN, S_TN_ARRAY, S_TN_ARRAY_LEN, S_TN_OBJECT, S_TN_OBJECT_LEN, S_TN_SET,
  S_TN_SET_LEN,
} from "./generated-strings";

// ---- types

export function opa_bi_is_number(x: usize): usize { return makeBool(typeOf(x) == T_NUMBER); }
export function opa_bi_is_string(x: usize): usize { return makeBool(typeOf(x) == T_STRING); }
export function opa_bi_is_boolean(x: usize): usize { return makeBool(typeOf(x) == T_BOOL); }
export function opa_bi_is_array(x: usize): usize { return makeBool(typeOf(x) == T_ARRAY); }
export function opa_bi_is_set(x: usize): usize { return makeBool(typeOf(x) == T_SET); }
export function opa_bi_is_object(x: usize): usize { return makeBool(typeOf(x) == T_OBJECT); }
export function opa_bi_is_null(x: usize): usize { return makeBool(typeOf(x) == T_NULL); }

export function opa_bi_type_name(x: usize): usize {
  switch (typeOf(x)) {
    case T_NULL: return makeString(S_TN_NULL, S_TN_NULL_LEN);
    case T_BOOL: return makeString(S_TN_BOOLEAN, S_TN_BOOLEAN_LEN);
    case T_NUMBER: return makeString(S_TN_NUMBER, S_TN_NUMBER_LEN);
    case T_STRING: return makeString(S_TN_STRING, S_TN_STRING_LEN);
    case T_ARRAY: return makeString(S_TN_ARRAY, S_TN_ARRAY_LEN);
    case T_OBJECT: return makeString(S_TN_OBJECT, S_TN_OBJECT_LEN);
    default: return makeString(S_TN_SET, S_TN_SET_LEN);
  }
}

// ---- arrays

export function opa_bi_array_concat(a: usize, b: usize): usize {
  if (typeOf(a) != T_ARRAY || typeOf(b) != T_ARRAY) return 0;
  const na = arrLen(a), nb = arrLen(b);
  const r = makeArray(na + nb);
  for (let i = 0; i < na; i++) arrPush(r, arrGet(a, i));
  for (let i = 0; i < nb; i++) arrPush(r, arrGet(b, i));
  return r;
}

export function opa_bi_array_slice(a: usize, start: usize, stop: usize): usize {
  if (typeOf(a) != T_ARRAY || typeOf(start) != T_NUMBER || typeOf(stop) != T_NUMBER) return 0;
  if (!toI64(start)) return 0;
  let s = intOut;
  if (!toI64(stop)) return 0;
  let e = intOut;
  const n = <i64>arrLen(a);
  if (s < 0) s = 0;
  if (e > n) e = n;
  if (s >= e) return makeArray(0);
  const r = makeArray(<i32>(e - s));
  for (let i = <i32>s; i < <i32>e; i++) arrPush(r, arrGet(a, i));
  return r;
}

export function opa_bi_array_reverse(a: usize): usize {
  if (typeOf(a) != T_ARRAY) return 0;
  const n = arrLen(a);
  const r = makeArray(n);
  for (let i = n - 1; i >= 0; i--) arrPush(r, arrGet(a, i));
  return r;
}

// ---- objects

function lookup(v: usize, k: usize): usize {
  switch (typeOf(v)) {
    case T_OBJECT: {
      const i = collFind(v, k);
      return i < 0 ? 0 : entVal(v, i);
    }
    case T_ARRAY: {
      if (typeOf(k) != T_NUMBER || !toI64(k)) return 0;
      const i = intOut;
      return i >= 0 && i < <i64>arrLen(v) ? arrGet(v, <i32>i) : 0;
    }
    case T_SET: {
      const i = collFind(v, k);
      return i < 0 ? 0 : entKey(v, i);
    }
    default:
      return 0;
  }
}

// An array key is a path into nested collections.
export function opa_bi_object_get(o: usize, key: usize, dflt: usize): usize {
  if (typeOf(o) != T_OBJECT) return 0;
  if (typeOf(key) == T_ARRAY) {
    let cur = o;
    const n = arrLen(key);
    for (let i = 0; i < n; i++) {
      cur = lookup(cur, arrGet(key, i));
      if (cur == 0) return dflt;
    }
    return cur;
  }
  const i = collFind(o, key);
  return i < 0 ? dflt : entVal(o, i);
}

export function opa_bi_object_keys(o: usize): usize {
  if (typeOf(o) != T_OBJECT) return 0;
  ensureSorted(o);
  const n = collLen(o);
  const s = makeSet(n);
  for (let i = 0; i < n; i++) setAdd(s, entKey(o, i));
  return s;
}

// keys given as an array, a set, or an object's keys
function keyCount(ks: usize): i32 {
  const t = typeOf(ks);
  if (t == T_ARRAY) return arrLen(ks);
  if (t == T_SET || t == T_OBJECT) return collLen(ks);
  return -1;
}

@inline
function keyAt(ks: usize, i: i32): usize {
  return typeOf(ks) == T_ARRAY ? arrGet(ks, i) : entKey(ks, i);
}

function keysContain(ks: usize, k: usize): bool {
  const t = typeOf(ks);
  if (t == T_ARRAY) {
    const n = arrLen(ks);
    for (let i = 0; i < n; i++) if (valueEqual(arrGet(ks, i), k)) return true;
    return false;
  }
  return collFind(ks, k) >= 0;
}


export function opa_bi_object_remove(o: usize, ks: usize): usize {
  if (typeOf(o) != T_OBJECT || keyCount(ks) < 0) return 0;
  ensureSorted(o);
  const n = collLen(o);
  const r = makeObject(n);
  for (let i = 0; i < n; i++) {
    const k = entKey(o, i);
    if (!keysContain(ks, k)) objInsert(r, k, entVal(o, i));
  }
  return r;
}

export function opa_bi_object_filter(o: usize, ks: usize): usize {
  if (typeOf(o) != T_OBJECT || keyCount(ks) < 0) return 0;
  ensureSorted(o);
  const n = collLen(o);
  const r = makeObject(0);
  for (let i = 0; i < n; i++) {
    const k = entKey(o, i);
    if (keysContain(ks, k)) objInsert(r, k, entVal(o, i));
  }
  return r;
}

function unionObjects(a: usize, b: usize): usize {
  const r = collClone(a, collLen(b));
  const n = collLen(b);
  for (let i = 0; i < n; i++) {
    const k = entKey(b, i);
    const vb = entVal(b, i);
    const j = collFind(a, k);
    if (j >= 0) {
      const va = entVal(a, j);
      if (typeOf(va) == T_OBJECT && typeOf(vb) == T_OBJECT) {
        objInsert(r, k, unionObjects(va, vb));
        continue;
      }
    }
    objInsert(r, k, vb);
  }
  return r;
}

// b wins on conflicts; nested objects are unioned recursively
export function opa_bi_object_union(a: usize, b: usize): usize {
  if (typeOf(a) != T_OBJECT || typeOf(b) != T_OBJECT) return 0;
  return unionObjects(a, b);
}

// ---- sets

export function opa_bi_or(a: usize, b: usize): usize {
  if (typeOf(a) != T_SET || typeOf(b) != T_SET) return 0;
  const r = collClone(a, collLen(b));
  const n = collLen(b);
  for (let i = 0; i < n; i++) setAdd(r, entKey(b, i));
  return r;
}

export function opa_bi_and(a: usize, b: usize): usize {
  if (typeOf(a) != T_SET || typeOf(b) != T_SET) return 0;
  ensureSorted(a);
  const r = makeSet(0);
  const n = collLen(a);
  for (let i = 0; i < n; i++) {
    const x = entKey(a, i);
    if (collFind(b, x) >= 0) setAdd(r, x);
  }
  return r;
}

export function opa_bi_union(ss: usize): usize {
  if (typeOf(ss) != T_SET) return 0;
  const r = makeSet(0);
  const n = collLen(ss);
  for (let i = 0; i < n; i++) {
    const s = entKey(ss, i);
    if (typeOf(s) != T_SET) return 0;
    const m = collLen(s);
    for (let j = 0; j < m; j++) setAdd(r, entKey(s, j));
  }
  return r;
}

export function opa_bi_intersection(ss: usize): usize {
  if (typeOf(ss) != T_SET) return 0;
  const n = collLen(ss);
  for (let i = 0; i < n; i++) if (typeOf(entKey(ss, i)) != T_SET) return 0;
  if (n == 0) return makeSet(0);
  let acc = entKey(ss, 0);
  for (let i = 1; i < n; i++) acc = opa_bi_and(acc, entKey(ss, i));
  return acc == entKey(ss, 0) ? collClone(acc, 0) : acc;
}

// object.union over an array of objects, later ones winning
export function opa_bi_object_union_n(objs: usize): usize {
  if (typeOf(objs) != T_ARRAY) return 0;
  const n = arrLen(objs);
  let acc = makeObject(0);
  for (let i = 0; i < n; i++) {
    const o = arrGet(objs, i);
    if (typeOf(o) != T_OBJECT) return 0;
    acc = unionObjects(acc, o);
  }
  return acc;
}
