// Exports: the OPA Wasm ABI functions the runtime owns and the nmp_* contract used by generated code
// (see ../README.md for the table).

import { alloc, setHeap, heapTop, abortWith, opa_println } from "./heap";
import {
  T_ARRAY, T_OBJECT, T_SET, T_NUMBER, T_STRING, NULL_V, typeOf, makeBool, makeString, strLen,
  arrLen, arrGet, makeArray, arrPush, collLen, entKey, entVal, makeObject, makeSet, objInsert,
  objInsertOnce, setAdd, objGet, collFind, collRemoveAt, collClone, ensureSorted, valueCompare,
  valueEqual,
} from "./values";
import { makeInt, parseNumber, toI64, intOut, isIntegral } from "./numbers";
import { parseJSON, dumpValue, DUMP_JSON, DUMP_REGO } from "./json";
import { S_MSG_VAR, S_MSG_INSERT, S_MSG_MERGE, S_MSG_FUNC } from "./generated-strings";

@external("env", "opa_builtin0") declare function opa_builtin0(id: i32, ctx: i32): i32;
@external("env", "opa_builtin1") declare function opa_builtin1(id: i32, ctx: i32, a: i32): i32;
@external("env", "opa_builtin2") declare function opa_builtin2(id: i32, ctx: i32, a: i32, b: i32): i32;
@external("env", "opa_builtin3") declare function opa_builtin3(id: i32, ctx: i32, a: i32, b: i32, c: i32): i32;
@external("env", "opa_builtin4") declare function opa_builtin4(id: i32, ctx: i32, a: i32, b: i32, c: i32, d: i32): i32;

export const opa_wasm_abi_version: i32 = 1;
export const opa_wasm_abi_minor_version: i32 = 2;

// ---- host built-ins: thin wrappers keep every import alive and give generated code one place to call

export function nmp_host_call0(id: i32, ctx: i32): i32 { return opa_builtin0(id, ctx); }
export function nmp_host_call1(id: i32, ctx: i32, a: i32): i32 { return opa_builtin1(id, ctx, a); }
export function nmp_host_call2(id: i32, ctx: i32, a: i32, b: i32): i32 { return opa_builtin2(id, ctx, a, b); }
export function nmp_host_call3(id: i32, ctx: i32, a: i32, b: i32, c: i32): i32 { return opa_builtin3(id, ctx, a, b, c); }
export function nmp_host_call4(id: i32, ctx: i32, a: i32, b: i32, c: i32, d: i32): i32 { return opa_builtin4(id, ctx, a, b, c, d); }

export function nmp_println(cstr: usize): void { opa_println(cstr); }

// ---- heap

export function opa_malloc(size: usize): usize { return alloc(size); }
export function opa_free(_p: usize): void {}
export function opa_heap_ptr_get(): usize { return heapTop(); }
export function opa_heap_ptr_set(p: usize): void { setHeap(p); }

// ---- JSON

export function opa_json_parse(p: usize, len: i32): usize { return parseJSON(p, len, false); }
export function opa_value_parse(p: usize, len: i32): usize { return parseJSON(p, len, true); }
export function opa_json_dump(v: usize): usize { return dumpValue(v, DUMP_JSON); }
export function opa_value_dump(v: usize): usize { return dumpValue(v, DUMP_REGO); }

// ---- constructors and accessors

export function nmp_null(): usize { return NULL_V; }
export function nmp_bool(b: i32): usize { return makeBool(b != 0); }
export function nmp_int(n: i64): usize { return makeInt(n); }
export function nmp_number_ref(p: usize, len: i32): usize { return parseNumber(p, len); }
export function nmp_string_ref(p: usize, len: i32): usize { return makeString(p, len); }
export function nmp_array(cap: i32): usize { return makeArray(cap); }
export function nmp_array_append(a: usize, v: usize): void { arrPush(a, v); }
export function nmp_object(): usize { return makeObject(0); }
export function nmp_object_insert(o: usize, k: usize, v: usize): void { objInsert(o, k, v); }
export function nmp_object_insert_once(o: usize, k: usize, v: usize): i32 { return objInsertOnce(o, k, v); }
export function nmp_set(): usize { return makeSet(0); }
export function nmp_set_add(s: usize, v: usize): void { setAdd(s, v); }
export function nmp_type(v: usize): i32 { return <i32>typeOf(v); }

export function nmp_get(v: usize, key: usize): usize {
  if (v == 0 || key == 0) return 0;
  switch (typeOf(v)) {
    case T_ARRAY: {
      if (typeOf(key) != T_NUMBER || !toI64(key)) return 0;
      const i = intOut;
      if (i < 0 || i >= <i64>arrLen(v)) return 0;
      return arrGet(v, <i32>i);
    }
    case T_OBJECT:
      return objGet(v, key);
    case T_SET: {
      const i = collFind(v, key);
      return i < 0 ? 0 : entKey(v, i);
    }
    default:
      return 0;
  }
}

export function nmp_len(v: usize): i32 {
  if (v == 0) return 0;
  switch (typeOf(v)) {
    case T_ARRAY:
    case T_OBJECT:
    case T_SET:
      return collLen(v); // arrays keep their length at the same offset
    case T_STRING:
      return strLen(v);
    default:
      return 0;
  }
}

// Out-of-range indexes and non-collections (a string's nmp_len is its byte length) give 0.
export function nmp_scan_key(v: usize, i: i32): usize {
  if (v == 0 || i < 0) return 0;
  const t = typeOf(v);
  if (t == T_ARRAY) return i < arrLen(v) ? makeInt(i) : 0;
  if (t != T_OBJECT && t != T_SET) return 0;
  if (i >= collLen(v)) return 0;
  ensureSorted(v);
  return entKey(v, i);
}

export function nmp_scan_value(v: usize, i: i32): usize {
  if (v == 0 || i < 0) return 0;
  const t = typeOf(v);
  if (t == T_ARRAY) return i < arrLen(v) ? arrGet(v, i) : 0;
  if (t != T_OBJECT && t != T_SET) return 0;
  if (i >= collLen(v)) return 0;
  ensureSorted(v);
  return t == T_SET ? entKey(v, i) : entVal(v, i);
}

export function nmp_compare(a: usize, b: usize): i32 { return valueCompare(a, b); }
export function nmp_equal(a: usize, b: usize): i32 { return valueEqual(a, b) ? 1 : 0; }

// ---- merge and upsert

function mergeInner(a: usize, b: usize): usize {
  if (typeOf(a) != T_OBJECT || typeOf(b) != T_OBJECT) return a; // the left side wins below the top
  const r = collClone(a, collLen(b));
  const n = collLen(b);
  for (let i = 0; i < n; i++) {
    const k = entKey(b, i);
    const j = collFind(a, k);
    if (j < 0) objInsert(r, k, entVal(b, i));
    else objInsert(r, k, mergeInner(entVal(a, j), entVal(b, i)));
  }
  return r;
}

export function nmp_merge(a: usize, b: usize): usize {
  if (a == 0) return b;
  if (b == 0) return a;
  if (typeOf(a) != T_OBJECT || typeOf(b) != T_OBJECT) return 0;
  return mergeInner(a, b);
}

function upsertAt(node: usize, path: usize, i: i32, v: usize): usize {
  if (i == arrLen(path)) return v;
  const k = arrGet(path, i);
  let r: usize;
  let child: usize = 0;
  if (node != 0 && typeOf(node) == T_OBJECT) {
    r = collClone(node, 1);
    child = objGet(node, k);
  } else {
    r = makeObject(0);
  }
  objInsert(r, k, upsertAt(child, path, i + 1, v));
  return r;
}

export function nmp_upsert(root: usize, path: usize, v: usize): usize {
  if (path == 0 || typeOf(path) != T_ARRAY) return 0;
  return upsertAt(root, path, 0, v);
}

// ---- data mutation (outside evaluation: keeps every touched object sorted)

const ERR_OK: i32 = 0;
const ERR_INVALID_TYPE: i32 = 2;
const ERR_INVALID_PATH: i32 = 3;

export function opa_value_add_path(base: usize, path: usize, v: usize): i32 {
  if (base == 0 || typeOf(base) != T_OBJECT || path == 0 || typeOf(path) != T_ARRAY) return ERR_INVALID_TYPE;
  const n = arrLen(path);
  if (n == 0) return ERR_INVALID_PATH;
  let node = base;
  for (let i = 0; i < n - 1; i++) {
    const k = arrGet(path, i);
    let child = objGet(node, k);
    if (child == 0) {
      child = makeObject(0);
      objInsert(node, k, child);
      ensureSorted(node);
    } else if (typeOf(child) != T_OBJECT) {
      return ERR_INVALID_PATH;
    }
    node = child;
  }
  objInsert(node, arrGet(path, n - 1), v);
  ensureSorted(node);
  return ERR_OK;
}

export function opa_value_remove_path(base: usize, path: usize): i32 {
  if (base == 0 || typeOf(base) != T_OBJECT || path == 0 || typeOf(path) != T_ARRAY) return ERR_INVALID_TYPE;
  const n = arrLen(path);
  if (n == 0) return ERR_INVALID_PATH;
  let node = base;
  for (let i = 0; i < n - 1; i++) {
    node = objGet(node, arrGet(path, i));
    if (node == 0 || typeOf(node) != T_OBJECT) return ERR_OK;
  }
  const j = collFind(node, arrGet(path, n - 1));
  if (j >= 0) collRemoveAt(node, j);
  return ERR_OK;
}

// ---- evaluation contexts (old ABI path): {entrypoint, input, data, result}

export function opa_eval_ctx_new(): usize {
  const c = alloc(16);
  memory.fill(c, 0, 16);
  return c;
}
export function opa_eval_ctx_set_input(c: usize, v: usize): void { store<usize>(c, v, 4); }
export function opa_eval_ctx_set_data(c: usize, v: usize): void { store<usize>(c, v, 8); }
export function opa_eval_ctx_set_entrypoint(c: usize, e: i32): void { store<i32>(c, e); }
export function opa_eval_ctx_get_result(c: usize): usize { return load<usize>(c, 12); }
export function nmp_ctx_entrypoint(c: usize): i32 { return load<i32>(c); }
export function nmp_ctx_input(c: usize): usize { return load<usize>(c, 4); }
export function nmp_ctx_data(c: usize): usize { return load<usize>(c, 8); }
export function nmp_ctx_set_result(c: usize, v: usize): void { store<usize>(c, v, 12); }

// ---- fast path

export function nmp_eval_begin(heapPtr: usize, inputAddr: usize, inputLen: i32): usize {
  setHeap(heapPtr);
  if (inputLen <= 0) return 0;
  return parseJSON(inputAddr, inputLen, false);
}

export function nmp_eval_end(resultSet: usize): usize {
  return dumpValue(resultSet, DUMP_JSON);
}

export function nmp_abort_conflict(kind: i32): void {
  switch (kind) {
    case 0: abortWith(S_MSG_VAR); break;
    case 1: abortWith(S_MSG_INSERT); break;
    case 2: abortWith(S_MSG_MERGE); break;
    default: abortWith(S_MSG_FUNC);
  }
}
