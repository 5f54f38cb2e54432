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

import { regexPrepare, regexSearch, matchStart, matchEnd } from "./regex";
import { makeString, makeArray, arrPush } from "./values";
import { toI64, intOut } from "./numbers";
import { T_NUMBER } from "./values";
import { decodeAt, cpLen } from "./text";

// Successive non-overlapping leftmost-first matches, as Go's FindAllStringIndex: an empty match
// right after the previous match is skipped. Bounds land in a fresh i32 vector (start, end pairs);
// returns the count, or -1 for an unsupported pattern.
let boundsOut: usize = 0;
function allMatches(pattern: usize, value: usize, limit: i32): i32 {
  const p = strPtr(value), n = strLen(value);
  if (!regexPrepare(strPtr(pattern), strLen(pattern), p, n)) return -1;
  let cap = 8;
  boundsOut = alloc(<usize>cap << 3);
  let count = 0;
  let pos = 0;
  let prevEnd = -1;
  while ((limit < 0 || count < limit) && pos <= n) {
    if (!regexSearch(pos)) break;
    const s = matchStart, e = matchEnd;
    let accept = true;
    if (e == s) {
      if (s == prevEnd) accept = false;
      if (pos < n) {
        decodeAt(p, n, pos);
        pos += cpLen;
      } else {
        pos = n + 1;
      }
    } else {
      pos = e;
    }
    prevEnd = e;
    if (accept) {
      if (count == cap) {
        const nb = alloc(<usize>cap << 4);
        memory.copy(nb, boundsOut, <usize>cap << 3);
        boundsOut = nb;
        cap <<= 1;
      }
      store<i32>(boundsOut + (<usize>count << 3), s);
      store<i32>(boundsOut + (<usize>count << 3), e, 4);
      count++;
    }
  }
  return count;
}

export function opa_bi_regex_find_n(pattern: usize, value: usize, n: usize): usize {
  if (typeOf(pattern) != T_STRING || typeOf(value) != T_STRING || typeOf(n) != T_NUMBER || !toI64(n)) return 0;
  const limit = intOut < 0 ? -1 : intOut > 0x7fffffff ? 0x7fffffff : <i32>intOut;
  const count = allMatches(pattern, value, limit);
  if (count < 0) return 0;
  const r = makeArray(count);
  for (let i = 0; i < count; i++) {
    const s = load<i32>(boundsOut + (<usize>i << 3)), e = load<i32>(boundsOut + (<usize>i << 3), 4);
    arrPush(r, makeString(strPtr(value) + <usize>s, e - s));
  }
  return r;
}

// As Go's Regexp.Split(s, -1).
export function opa_bi_regex_split(pattern: usize, value: usize): usize {
  if (typeOf(pattern) != T_STRING || typeOf(value) != T_STRING) return 0;
  const p = strPtr(value), n = strLen(value);
  const r = makeArray(0);
  if (strLen(pattern) > 0 && n == 0) {
    arrPush(r, makeString(p, 0));
    return r;
  }
  const count = allMatches(pattern, value, -1);
  if (count < 0) return 0;
  let beg = 0, end = 0;
  for (let i = 0; i < count; i++) {
    const s = load<i32>(boundsOut + (<usize>i << 3)), e = load<i32>(boundsOut + (<usize>i << 3), 4);
    end = s;
    if (e != 0) arrPush(r, makeString(p + <usize>beg, end - beg));
    beg = e;
  }
  if (end != n) arrPush(r, makeString(p + <usize>beg, n - beg));
  return r;
}

// As Go's Regexp.ReplaceAllString. Replacements that reference groups ($1, ${name}) need capture
// positions the NFA does not track: a replacement containing '$' makes the call undefined.
export function opa_bi_regex_replace(value: usize, pattern: usize, repl: usize): usize {
  if (typeOf(value) != T_STRING || typeOf(pattern) != T_STRING || typeOf(repl) != T_STRING) return 0;
  const rp = strPtr(repl), rn = strLen(repl);
  for (let i = 0; i < rn; i++) if (load<u8>(rp + <usize>i) == 36) return 0;
  const p = strPtr(value), n = strLen(value);
  if (!regexPrepare(strPtr(pattern), strLen(pattern), p, n)) return 0;
  // first pass: collect the bounds, so the output can be sized exactly
  let cap = 8;
  let bounds = alloc(<usize>cap << 3);
  let count = 0;
  let searchPos = 0;
  let lastMatchEnd = 0;
  let outLen = 0;
  while (searchPos <= n) {
    if (!regexSearch(searchPos)) break;
    const s = matchStart, e = matchEnd;
    outLen += s - lastMatchEnd;
    // no replacement for an empty match right after another match
    if (e > lastMatchEnd || s == 0) {
      if (count == cap) {
        const nb = alloc(<usize>cap << 4);
        memory.copy(nb, bounds, <usize>cap << 3);
        bounds = nb;
        cap <<= 1;
      }
      store<i32>(bounds + (<usize>count << 3), s);
      store<i32>(bounds + (<usize>count << 3), e, 4);
      count++;
      outLen += rn;
    } else {
      // keep the skipped span in the output: mark it with a negative entry
      if (count == cap) {
        const nb = alloc(<usize>cap << 4);
        memory.copy(nb, bounds, <usize>cap << 3);
        bounds = nb;
        cap <<= 1;
      }
      store<i32>(bounds + (<usize>count << 3), -1 - s);
      store<i32>(bounds + (<usize>count << 3), e, 4);
      count++;
    }
    lastMatchEnd = e;
    let width = 1;
    if (searchPos < n) {
      decodeAt(p, n, searchPos);
      width = cpLen;
    }
    if (searchPos + width > e) searchPos += width;
    else if (searchPos + 1 > e) searchPos++;
    else searchPos = e;
  }
  outLen += n - lastMatchEnd;
  const out = alloc(<usize>outLen);
  let w = out;
  let last = 0;
  for (let i = 0; i < count; i++) {
    let s = load<i32>(bounds + (<usize>i << 3));
    const e = load<i32>(bounds + (<usize>i << 3), 4);
    const replaced = s >= 0;
    if (!replaced) s = -1 - s;
    memory.copy(w, p + <usize>last, <usize>(s - last));
    w += <usize>(s - last);
    if (replaced) {
      memory.copy(w, rp, <usize>rn);
      w += <usize>rn;
    }
    last = e;
  }
  memory.copy(w, p + <usize>last, <usize>(n - last));
  w += <usize>(n - last);
  return makeString(out, <i32>(w - out));
}
