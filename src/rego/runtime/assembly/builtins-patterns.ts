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

import { regexPrepare, regexSearch, matchStart, matchEnd, matchCaps, ngroups, gnames } from "./regex";
import { makeString, makeArray, arrPush, bytesEqual } from "./values";
import { toI64, intOut } from "./numbers";
import { T_NUMBER } from "./values";
import { decodeAt, cpLen } from "./text";

// Successive non-overlapping leftmost-first matches, as Go's FindAllStringIndex: an empty match
// right after the previous match is skipped. Records of {start, end, captures} land in a fresh
// vector; returns the count, or -1 for an unsupported pattern.
let boundsOut: usize = 0;
function allMatches(pattern: usize, value: usize, limit: i32): i32 {
  const p = strPtr(value), n = strLen(value);
  if (!regexPrepare(strPtr(pattern), strLen(pattern), p, n)) return -1;
  let cap = 8;
  boundsOut = alloc(<usize>cap * 12);
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
        const nb = alloc(<usize>cap * 24);
        memory.copy(nb, boundsOut, <usize>cap * 12);
        boundsOut = nb;
        cap <<= 1;
      }
      const r = boundsOut + <usize>count * 12;
      store<i32>(r, s);
      store<i32>(r, e, 4);
      store<usize>(r, matchCaps, 8);
      count++;
    }
  }
  return count;
}

@inline function mStart(i: i32): i32 { return load<i32>(boundsOut + <usize>i * 12); }
@inline function mEnd(i: i32): i32 { return load<i32>(boundsOut + <usize>i * 12, 4); }
@inline function mCaps(i: i32): usize { return load<usize>(boundsOut + <usize>i * 12, 8); }

export function opa_bi_regex_find_n(pattern: usize, value: usize, n: usize): usize {
  if (typeOf(pattern) != T_STRING || typeOf(value) != T_STRING || typeOf(n) != T_NUMBER || !toI64(n)) return 0;
  const limit = intOut < 0 ? -1 : intOut > 0x7fffffff ? 0x7fffffff : <i32>intOut;
  const count = allMatches(pattern, value, limit);
  if (count < 0) return 0;
  const r = makeArray(count);
  for (let i = 0; i < count; i++) arrPush(r, makeString(strPtr(value) + <usize>mStart(i), mEnd(i) - mStart(i)));
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
    end = mStart(i);
    if (mEnd(i) != 0) arrPush(r, makeString(p + <usize>beg, end - beg));
    beg = mEnd(i);
  }
  if (end != n) arrPush(r, makeString(p + <usize>beg, n - beg));
  return r;
}

// [[match, group 1, …], …] as Go's FindAllStringSubmatch; a group that did not take part is "".
export function opa_bi_regex_find_all_string_submatch_n(pattern: usize, value: usize, n: usize): usize {
  if (typeOf(pattern) != T_STRING || typeOf(value) != T_STRING || typeOf(n) != T_NUMBER || !toI64(n)) return 0;
  const limit = intOut < 0 ? -1 : intOut > 0x7fffffff ? 0x7fffffff : <i32>intOut;
  const count = allMatches(pattern, value, limit);
  if (count < 0) return 0;
  const p = strPtr(value);
  const r = makeArray(count);
  for (let i = 0; i < count; i++) {
    const caps = mCaps(i);
    const row = makeArray(ngroups + 1);
    for (let g = 0; g <= ngroups; g++) {
      const s = load<i32>(caps + (<usize>(2 * g) << 2)), e = load<i32>(caps + (<usize>(2 * g + 1) << 2));
      arrPush(row, s < 0 || e < 0 ? makeString(p, 0) : makeString(p + <usize>s, e - s));
    }
    arrPush(r, row);
  }
  return r;
}

@inline
function isNameByte(c: u8): bool {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95;
}

// Capture index for a template name: digits are an index, other names look up named groups;
// -1 when there is no such group (Go then inserts nothing).
function groupIndex(np: usize, nl: i32): i32 {
  let numeric = true;
  let v = 0;
  for (let i = 0; i < nl; i++) {
    const c = load<u8>(np + <usize>i);
    if (c < 48 || c > 57) {
      numeric = false;
      break;
    }
    if (v < 100000) v = v * 10 + <i32>(c - 48);
  }
  if (numeric) return v <= ngroups ? v : -1;
  for (let g = 1; g <= ngroups; g++) {
    const gl = load<i32>(gnames + (<usize>g << 3), 4);
    if (gl == nl && bytesEqual(load<usize>(gnames + (<usize>g << 3)), np, nl)) return g;
  }
  return -1;
}

// Go's Regexp.Expand: $name or ${name} (the longest run of letters, digits and '_'), $$ for '$';
// a malformed reference is copied as text.
function expandInto(w: usize, repl: usize, rn: i32, text: usize, caps: usize): usize {
  let i = 0;
  while (i < rn) {
    const c = load<u8>(repl + <usize>i);
    if (c != 36 || i + 1 >= rn) {
      store<u8>(w++, c);
      i++;
      continue;
    }
    const d = load<u8>(repl + <usize>i + 1);
    if (d == 36) {
      store<u8>(w++, 36);
      i += 2;
      continue;
    }
    let ns = i + 1, ne = ns, after = ns;
    if (d == 123) {
      ns = i + 2;
      ne = ns;
      while (ne < rn && isNameByte(load<u8>(repl + <usize>ne))) ne++;
      if (ne >= rn || load<u8>(repl + <usize>ne) != 125 || ne == ns) {
        store<u8>(w++, 36);
        i++;
        continue;
      }
      after = ne + 1;
    } else {
      while (ne < rn && isNameByte(load<u8>(repl + <usize>ne))) ne++;
      if (ne == ns) {
        store<u8>(w++, 36);
        i++;
        continue;
      }
      after = ne;
    }
    const g = groupIndex(repl + <usize>ns, ne - ns);
    if (g >= 0) {
      const s = load<i32>(caps + (<usize>(2 * g) << 2)), e = load<i32>(caps + (<usize>(2 * g + 1) << 2));
      if (s >= 0 && e >= 0) {
        memory.copy(w, text + <usize>s, <usize>(e - s));
        w += <usize>(e - s);
      }
    }
    i = after;
  }
  return w;
}

// As Go's Regexp.ReplaceAllString, with $-references expanded as Regexp.Expand does.
export function opa_bi_regex_replace(value: usize, pattern: usize, repl: usize): usize {
  if (typeOf(value) != T_STRING || typeOf(pattern) != T_STRING || typeOf(repl) != T_STRING) return 0;
  const rp = strPtr(repl), rn = strLen(repl);
  const p = strPtr(value), n = strLen(value);
  if (!regexPrepare(strPtr(pattern), strLen(pattern), p, n)) return 0;
  // an expansion is at most the template plus every group's text per reference: bound by n × rn
  let cap = n + 16;
  let out = alloc(<usize>cap);
  let w = out;
  let searchPos = 0;
  let lastMatchEnd = 0;
  while (searchPos <= n) {
    if (!regexSearch(searchPos)) break;
    const s = matchStart, e = matchEnd;
    const need = <i32>(w - out) + (s - lastMatchEnd) + rn * (n + 1) + (n - s) + 1;
    if (need > cap) {
      const ncap = need * 2;
      const nb = alloc(<usize>ncap);
      memory.copy(nb, out, w - out);
      w = nb + (w - out);
      out = nb;
      cap = ncap;
    }
    memory.copy(w, p + <usize>lastMatchEnd, <usize>(s - lastMatchEnd));
    w += <usize>(s - lastMatchEnd);
    // no replacement for an empty match right after another match
    if (e > lastMatchEnd || s == 0) w = expandInto(w, rp, rn, p, matchCaps);
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
  if (<i32>(w - out) + (n - lastMatchEnd) > cap) {
    const nb = alloc(w - out + <usize>(n - lastMatchEnd));
    memory.copy(nb, out, w - out);
    w = nb + (w - out);
    out = nb;
  }
  memory.copy(w, p + <usize>lastMatchEnd, <usize>(n - lastMatchEnd));
  w += <usize>(n - lastMatchEnd);
  return makeString(out, <i32>(w - out));
}
