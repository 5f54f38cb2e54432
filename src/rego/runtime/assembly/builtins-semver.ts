// semver.is_valid and semver.compare per Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH with
// optional -prerelease and +build; numeric parts without leading zeros; build metadata ignored
// in comparisons; a prerelease sorts before its release.

import { T_STRING, typeOf, makeBool, strLen, strPtr, bytesCompare } from "./values";
import { makeInt } from "./numbers";

// Parsed parts of the last version: core numbers and the prerelease byte range.
let vMajor: u64 = 0;
let vMinor: u64 = 0;
let vPatch: u64 = 0;
let vPre: usize = 0;
let vPreLen: i32 = 0;

@inline function isDigit(c: u8): bool { return c >= 48 && c <= 57; }
@inline function isIdentByte(c: u8): bool { return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45; }

let numOut: u64 = 0;
// A numeric identifier at [i, end): digits only, no leading zero unless "0".
function numericPart(p: usize, i: i32, end: i32): bool {
  if (i >= end) return false;
  if (load<u8>(p + <usize>i) == 48 && end - i > 1) return false;
  let v: u64 = 0;
  for (let k = i; k < end; k++) {
    const c = load<u8>(p + <usize>k);
    if (!isDigit(c)) return false;
    if (v > 1844674407370955160) return false;
    v = v * 10 + <u64>(c - 48);
  }
  numOut = v;
  return true;
}

// Dot-separated identifiers in [i, end): non-empty; numeric ones without leading zeros if numeric.
function identifiers(p: usize, i: i32, end: i32, numericRule: bool): bool {
  if (i >= end) return false;
  let start = i;
  for (let k = i; k <= end; k++) {
    if (k == end || load<u8>(p + <usize>k) == 46) {
      if (k == start) return false;
      let allDigits = true;
      for (let j = start; j < k; j++) {
        const c = load<u8>(p + <usize>j);
        if (!isIdentByte(c)) return false;
        if (!isDigit(c)) allDigits = false;
      }
      if (numericRule && allDigits && load<u8>(p + <usize>start) == 48 && k - start > 1) return false;
      start = k + 1;
    }
  }
  return true;
}

function parseVersion(s: usize): bool {
  const p = strPtr(s), n = strLen(s);
  let plus = n;
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) == 43) { plus = i; break; }
  let dash = plus;
  for (let i = 0; i < plus; i++) if (load<u8>(p + <usize>i) == 45) { dash = i; break; }
  // core: three numeric parts
  let d1 = -1, d2 = -1;
  for (let i = 0; i < dash; i++) {
    if (load<u8>(p + <usize>i) == 46) {
      if (d1 < 0) d1 = i;
      else if (d2 < 0) d2 = i;
      else return false;
    }
  }
  if (d2 < 0) return false;
  if (!numericPart(p, 0, d1)) return false;
  vMajor = numOut;
  if (!numericPart(p, d1 + 1, d2)) return false;
  vMinor = numOut;
  if (!numericPart(p, d2 + 1, dash)) return false;
  vPatch = numOut;
  vPre = 0;
  vPreLen = 0;
  if (dash < plus) {
    if (!identifiers(p, dash + 1, plus, true)) return false;
    vPre = p + <usize>(dash + 1);
    vPreLen = plus - dash - 1;
  }
  if (plus < n && !identifiers(p, plus + 1, n, false)) return false;
  return true;
}

export function opa_bi_semver_is_valid(x: usize): usize {
  return makeBool(typeOf(x) == T_STRING && parseVersion(x));
}

@inline function cmpU(a: u64, b: u64): i32 { return a < b ? -1 : a > b ? 1 : 0; }

// Prerelease precedence: identifiers left to right; numeric ones numerically and below
// alphanumeric ones; a shorter list that is a prefix sorts first.
function comparePre(a: usize, an: i32, b: usize, bn: i32): i32 {
  let i = 0, j = 0;
  while (i < an && j < bn) {
    let ie = i;
    while (ie < an && load<u8>(a + <usize>ie) != 46) ie++;
    let je = j;
    while (je < bn && load<u8>(b + <usize>je) != 46) je++;
    let aNum = true, bNum = true;
    for (let k = i; k < ie; k++) if (!isDigit(load<u8>(a + <usize>k))) aNum = false;
    for (let k = j; k < je; k++) if (!isDigit(load<u8>(b + <usize>k))) bNum = false;
    let c: i32;
    if (aNum && bNum) {
      c = ie - i < je - j ? -1 : ie - i > je - j ? 1 : bytesCompare(a + <usize>i, ie - i, b + <usize>j, je - j);
    } else if (aNum) {
      c = -1;
    } else if (bNum) {
      c = 1;
    } else {
      c = bytesCompare(a + <usize>i, ie - i, b + <usize>j, je - j);
    }
    if (c != 0) return c;
    i = ie + 1;
    j = je + 1;
  }
  const aDone = i >= an, bDone = j >= bn;
  return aDone && bDone ? 0 : aDone ? -1 : 1;
}

export function opa_bi_semver_compare(a: usize, b: usize): usize {
  if (typeOf(a) != T_STRING || typeOf(b) != T_STRING) return 0;
  if (!parseVersion(a)) return 0;
  const aMaj = vMajor, aMin = vMinor, aPat = vPatch, aPre = vPre, aPreLen = vPreLen;
  if (!parseVersion(b)) return 0;
  let c = cmpU(aMaj, vMajor);
  if (c == 0) c = cmpU(aMin, vMinor);
  if (c == 0) c = cmpU(aPat, vPatch);
  if (c == 0) {
    if (aPreLen == 0 && vPreLen == 0) c = 0;
    else if (aPreLen == 0) c = 1;
    else if (vPreLen == 0) c = -1;
    else c = comparePre(aPre, aPreLen, vPre, vPreLen);
  }
  return makeInt(c);
}
