// UTF-8 helpers shared by the built-ins.

import { bytesEqual } from "./values";

// Number of code points in a UTF-8 byte range.
export function codePointCount(p: usize, n: i32): i32 {
  let c = 0;
  for (let i = 0; i < n; i++) {
    if ((load<u8>(p + <usize>i) & 0xc0) != 0x80) c++;
  }
  return c;
}

// Byte offset of code point index `cp` (clamped to n).
export function byteOffsetOf(p: usize, n: i32, cp: i32): i32 {
  let i = 0;
  let c = 0;
  while (i < n) {
    if ((load<u8>(p + <usize>i) & 0xc0) != 0x80) {
      if (c == cp) return i;
      c++;
    }
    i++;
  }
  return n;
}

// Decode the code point at byte i; its byte length is left in cpLen.
export let cpLen: i32 = 1;
export function decodeAt(p: usize, n: i32, i: i32): i32 {
  const b0 = <i32>load<u8>(p + <usize>i);
  if (b0 < 0x80) {
    cpLen = 1;
    return b0;
  }
  if (b0 >= 0xf0 && i + 3 < n) {
    cpLen = 4;
    return ((b0 & 7) << 18) | ((<i32>load<u8>(p + <usize>i + 1) & 63) << 12) | ((<i32>load<u8>(p + <usize>i + 2) & 63) << 6) | (<i32>load<u8>(p + <usize>i + 3) & 63);
  }
  if (b0 >= 0xe0 && i + 2 < n) {
    cpLen = 3;
    return ((b0 & 15) << 12) | ((<i32>load<u8>(p + <usize>i + 1) & 63) << 6) | (<i32>load<u8>(p + <usize>i + 2) & 63);
  }
  if (b0 >= 0xc0 && i + 1 < n) {
    cpLen = 2;
    return ((b0 & 31) << 6) | (<i32>load<u8>(p + <usize>i + 1) & 63);
  }
  cpLen = 1;
  return 0xfffd;
}

// Byte index of needle in haystack at or after `from`, or -1.
export function findBytes(hp: usize, hn: i32, np: usize, nn: i32, from: i32): i32 {
  if (nn == 0) return from <= hn ? from : -1;
  const first = load<u8>(np);
  const last = hn - nn;
  for (let i = from; i <= last; i++) {
    if (load<u8>(hp + <usize>i) == first && bytesEqual(hp + <usize>i, np, nn)) return i;
  }
  return -1;
}
