// Operators and membership: the built-ins every plan uses.

import {
  T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, typeOf, makeBool, strLen, strPtr, arrLen, arrGet,
  collLen, entKey, entVal, collFind, makeSet, setAdd, valueCompare, valueEqual, ensureSorted,
} from "./values";
import { codePointCount } from "./text";
import { numAdd, numMul, numDiv, numRem, makeInt, toI64, intOut } from "./numbers";

export function opa_bi_equal(a: usize, b: usize): usize { return makeBool(valueEqual(a, b)); }
export function opa_bi_neq(a: usize, b: usize): usize { return makeBool(!valueEqual(a, b)); }
export function opa_bi_lt(a: usize, b: usize): usize { return makeBool(valueCompare(a, b) < 0); }
export function opa_bi_lte(a: usize, b: usize): usize { return makeBool(valueCompare(a, b) <= 0); }
export function opa_bi_gt(a: usize, b: usize): usize { return makeBool(valueCompare(a, b) > 0); }
export function opa_bi_gte(a: usize, b: usize): usize { return makeBool(valueCompare(a, b) >= 0); }

@inline
function bothNumbers(a: usize, b: usize): bool {
  return typeOf(a) == T_NUMBER && typeOf(b) == T_NUMBER;
}

export function opa_bi_plus(a: usize, b: usize): usize {
  return bothNumbers(a, b) ? numAdd(a, b, false) : 0;
}

// `-` is numeric subtraction or set difference
export function opa_bi_minus(a: usize, b: usize): usize {
  if (bothNumbers(a, b)) return numAdd(a, b, true);
  if (typeOf(a) == T_SET && typeOf(b) == T_SET) {
    ensureSorted(a);
    const r = makeSet(0);
    const n = collLen(a);
    for (let i = 0; i < n; i++) {
      const x = entKey(a, i);
      if (collFind(b, x) < 0) setAdd(r, x);
    }
    return r;
  }
  return 0;
}

export function opa_bi_mul(a: usize, b: usize): usize {
  return bothNumbers(a, b) ? numMul(a, b) : 0;
}

export function opa_bi_div(a: usize, b: usize): usize {
  return bothNumbers(a, b) ? numDiv(a, b) : 0;
}

export function opa_bi_rem(a: usize, b: usize): usize {
  return bothNumbers(a, b) ? numRem(a, b) : 0;
}

export function opa_bi_count(v: usize): usize {
  switch (typeOf(v)) {
    case T_ARRAY:
      return makeInt(arrLen(v));
    case T_OBJECT:
    case T_SET:
      return makeInt(collLen(v));
    case T_STRING:
      return makeInt(codePointCount(strPtr(v), strLen(v)));
    default:
      return 0;
  }
}

// `x in coll`: membership over values
export function opa_bi_internal_member_2(x: usize, coll: usize): usize {
  switch (typeOf(coll)) {
    case T_ARRAY: {
      const n = arrLen(coll);
      for (let i = 0; i < n; i++) if (valueEqual(arrGet(coll, i), x)) return makeBool(true);
      return makeBool(false);
    }
    case T_SET:
      return makeBool(collFind(coll, x) >= 0);
    case T_OBJECT: {
      const n = collLen(coll);
      for (let i = 0; i < n; i++) if (valueEqual(entVal(coll, i), x)) return makeBool(true);
      return makeBool(false);
    }
    default:
      return makeBool(false);
  }
}

// `k, v in coll`
export function opa_bi_internal_member_3(k: usize, v: usize, coll: usize): usize {
  switch (typeOf(coll)) {
    case T_ARRAY: {
      if (typeOf(k) != T_NUMBER || !toI64(k)) return makeBool(false);
      const i = intOut;
      if (i < 0 || i >= <i64>arrLen(coll)) return makeBool(false);
      return makeBool(valueEqual(arrGet(coll, <i32>i), v));
    }
    case T_SET:
      return makeBool(valueEqual(k, v) && collFind(coll, k) >= 0);
    case T_OBJECT: {
      const j = collFind(coll, k);
      return makeBool(j >= 0 && valueEqual(entVal(coll, j), v));
    }
    default:
      return makeBool(false);
  }
}
