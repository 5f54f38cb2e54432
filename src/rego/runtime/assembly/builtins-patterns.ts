// regex.match, regex.is_valid and glob.match over the NFA matcher in regex.ts.

import { alloc } from "./heap";
import { T_NULL, T_STRING, T_ARRAY, typeOf, makeBool, strLen, strPtr, arrLen, arrGet } from "./values";
import { regexMatch, globMatch } from "./regex";
import { S_DOT } from "./generated-strings";

export function opa_bi_regex_match(pattern: usize, value: usize): usize {
  if (typeOf(pattern) != T_STRING || typeOf(value) != T_STRING) return 0;
  const r = regexMatch(strPtr(pattern), strLen(pattern), strPtr(value), strLen(value));
  return r < 0 ? 0 : makeBool(r == 1);
}

// the deprecated name of regex.match
export function opa_bi_re_match(pattern: usize, value: usize): usize {
  return opa_bi_regex_match(pattern, value);
}

export function opa_bi_regex_is_valid(pattern: usize): usize {
  if (typeOf(pattern) != T_STRING) return makeBool(false);
  return makeBool(regexMatch(strPtr(pattern), strLen(pattern), 0, 0) >= 0);
}

// delimiters: null → none; [] → ["."]; otherwise one-character strings
export function opa_bi_glob_match(pattern: usize, delimiters: usize, value: usize): usize {
  if (typeOf(pattern) != T_STRING || typeOf(value) != T_STRING) return 0;
  const t = typeOf(delimiters);
  let n = 0;
  let dl: usize = alloc(8);
  if (t == T_ARRAY) {
    n = arrLen(delimiters);
    if (n == 0) {
      n = 1;
      store<usize>(dl, S_DOT);
      store<i32>(dl, 1, 4);
    } else {
      dl = alloc(<usize>n << 3);
      for (let i = 0; i < n; i++) {
        const d = arrGet(delimiters, i);
        if (typeOf(d) != T_STRING) return 0;
        store<usize>(dl + (<usize>i << 3), strPtr(d));
        store<i32>(dl + (<usize>i << 3), strLen(d), 4);
      }
    }
  } else if (t != T_NULL) {
    return 0;
  }
  const r = globMatch(strPtr(pattern), strLen(pattern), dl, n, strPtr(value), strLen(value));
  return r < 0 ? 0 : makeBool(r == 1);
}
