// Encoding built-ins: base64, base64url, json.marshal/unmarshal/is_valid, urlquery.

import { alloc } from "./heap";
import { T_STRING, typeOf, makeBool, makeString, strLen, strPtr } from "./values";
import { parseJSON, dumpToBytes, dumpStart, DUMP_JSON } from "./json";
import { S_B64, S_B64URL } from "./generated-strings";

function b64encode(s: usize, alphabet: usize): usize {
  if (typeOf(s) != T_STRING) return 0;
  const p = strPtr(s), n = strLen(s);
  const outLen = ((n + 2) / 3) * 4;
  const b = alloc(<usize>outLen);
  let w = b;
  let i = 0;
  while (i + 3 <= n) {
    const x = (<u32>load<u8>(p + <usize>i) << 16) | (<u32>load<u8>(p + <usize>i + 1) << 8) | <u32>load<u8>(p + <usize>i + 2);
    store<u8>(w, load<u8>(alphabet + <usize>(x >> 18)));
    store<u8>(w, load<u8>(alphabet + <usize>((x >> 12) & 63)), 1);
    store<u8>(w, load<u8>(alphabet + <usize>((x >> 6) & 63)), 2);
    store<u8>(w, load<u8>(alphabet + <usize>(x & 63)), 3);
    w += 4;
    i += 3;
  }
  const rest = n - i;
  if (rest > 0) {
    let x = <u32>load<u8>(p + <usize>i) << 16;
    if (rest == 2) x |= <u32>load<u8>(p + <usize>i + 1) << 8;
    store<u8>(w, load<u8>(alphabet + <usize>(x >> 18)));
    store<u8>(w, load<u8>(alphabet + <usize>((x >> 12) & 63)), 1);
    store<u8>(w, rest == 2 ? load<u8>(alphabet + <usize>((x >> 6) & 63)) : 61, 2);
    store<u8>(w, 61, 3);
  }
  return makeString(b, outLen);
}

function b64digit(c: u8, url: bool): i32 {
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 71;
  if (c >= 48 && c <= 57) return c + 4;
  if (url) {
    if (c == 45) return 62;
    if (c == 95) return 63;
  } else {
    if (c == 43) return 62;
    if (c == 47) return 63;
  }
  return -1;
}

// Padding is required for standard base64; base64url accepts it with or without.
function b64decode(s: usize, url: bool): usize {
  if (typeOf(s) != T_STRING) return 0;
  const p = strPtr(s);
  let n = strLen(s);
  let pad = 0;
  while (n > 0 && load<u8>(p + <usize>(n - 1)) == 61 && pad < 2) {
    n--;
    pad++;
  }
  if (!url || pad > 0) {
    if ((n + pad) % 4 != 0) return 0;
  }
  if (n % 4 == 1) return 0;
  const b = alloc(<usize>((n / 4) * 3 + 3));
  let w = b;
  let acc: u32 = 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const d = b64digit(load<u8>(p + <usize>i), url);
    if (d < 0) return 0;
    acc = (acc << 6) | <u32>d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      store<u8>(w++, <u8>(acc >> <u32>bits));
    }
  }
  // leftover bits must be zero (canonical encoding)
  if ((acc & ((1 << <u32>bits) - 1)) != 0) return 0;
  return makeString(b, <i32>(w - b));
}

export function opa_bi_base64_encode(s: usize): usize { return b64encode(s, S_B64); }
export function opa_bi_base64_decode(s: usize): usize { return b64decode(s, false); }
export function opa_bi_base64url_encode(s: usize): usize { return b64encode(s, S_B64URL); }
export function opa_bi_base64url_decode(s: usize): usize { return b64decode(s, true); }

export function opa_bi_json_marshal(v: usize): usize {
  const n = dumpToBytes(v, DUMP_JSON);
  return makeString(dumpStart(), n);
}

export function opa_bi_json_unmarshal(s: usize): usize {
  if (typeOf(s) != T_STRING) return 0;
  return parseJSON(strPtr(s), strLen(s), false);
}

export function opa_bi_json_is_valid(s: usize): usize {
  if (typeOf(s) != T_STRING) return 0;
  return makeBool(parseJSON(strPtr(s), strLen(s), false) != 0);
}

const HEXU: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 65, 66, 67, 68, 69, 70]);

// As Go's url.QueryEscape: unreserved bytes stay, space becomes '+', the rest %XX.
export function opa_bi_urlquery_encode(s: usize): usize {
  if (typeOf(s) != T_STRING) return 0;
  const p = strPtr(s), n = strLen(s);
  const b = alloc(<usize>n * 3);
  let w = b;
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + <usize>i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 95 || c == 46 || c == 126) {
      store<u8>(w++, c);
    } else if (c == 32) {
      store<u8>(w++, 43);
    } else {
      store<u8>(w, 37);
      store<u8>(w, load<u8>(HEXU + <usize>(c >> 4)), 1);
      store<u8>(w, load<u8>(HEXU + <usize>(c & 15)), 2);
      w += 3;
    }
  }
  return makeString(b, <i32>(w - b));
}

function hexVal(c: u8): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function opa_bi_urlquery_decode(s: usize): usize {
  if (typeOf(s) != T_STRING) return 0;
  const p = strPtr(s), n = strLen(s);
  const b = alloc(<usize>n);
  let w = b;
  let i = 0;
  while (i < n) {
    const c = load<u8>(p + <usize>i);
    if (c == 37) {
      if (i + 2 >= n) return 0;
      const h = hexVal(load<u8>(p + <usize>i + 1)), l = hexVal(load<u8>(p + <usize>i + 2));
      if (h < 0 || l < 0) return 0;
      store<u8>(w++, <u8>((h << 4) | l));
      i += 3;
    } else {
      store<u8>(w++, c == 43 ? 32 : c);
      i++;
    }
  }
  return makeString(b, <i32>(w - b));
}

export function opa_bi_base64_is_valid(s: usize): usize {
  if (typeOf(s) != T_STRING) return 0;
  return makeBool(b64decode(s, false) != 0);
}

const HEXL: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

export function opa_bi_hex_encode(s: usize): usize {
  if (typeOf(s) != T_STRING) return 0;
  const p = strPtr(s), n = strLen(s);
  const b = alloc(<usize>n * 2);
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + <usize>i);
    store<u8>(b + <usize>(2 * i), load<u8>(HEXL + <usize>(c >> 4)));
    store<u8>(b + <usize>(2 * i + 1), load<u8>(HEXL + <usize>(c & 15)));
  }
  return makeString(b, n * 2);
}

export function opa_bi_hex_decode(s: usize): usize {
  if (typeOf(s) != T_STRING) return 0;
  const p = strPtr(s), n = strLen(s);
  if (n & 1) return 0;
  const b = alloc(<usize>(n >> 1));
  for (let i = 0; i < n; i += 2) {
    const h = hexVal(load<u8>(p + <usize>i)), l = hexVal(load<u8>(p + <usize>i + 1));
    if (h < 0 || l < 0) return 0;
    store<u8>(b + <usize>(i >> 1), <u8>((h << 4) | l));
  }
  return makeString(b, n >> 1);
}
