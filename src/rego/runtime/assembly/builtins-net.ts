// net.cidr_contains: IPv4 and IPv6 addresses and networks. Addresses are held as 16 bytes, IPv4
// as IPv4-mapped IPv6 (::ffff:a.b.c.d) with its prefix length shifted by 96, so both families go
// through one comparison, as Go's net package treats them.

import { alloc } from "./heap";
import { T_STRING, typeOf, makeBool, strLen, strPtr } from "./values";

let prefixOut: i32 = 0;

function parseV4(p: usize, n: i32, out: usize): bool {
  let part = 0;
  let i = 0;
  while (part < 4) {
    if (i >= n) return false;
    let v = 0;
    let digits = 0;
    while (i < n) {
      const c = <i32>load<u8>(p + <usize>i);
      if (c < 48 || c > 57) break;
      if (digits > 0 && v == 0) return false; // leading zeros are ambiguous (octal): rejected
      v = v * 10 + (c - 48);
      if (v > 255) return false;
      digits++;
      i++;
    }
    if (digits == 0) return false;
    store<u8>(out + <usize>(12 + part), <u8>v);
    part++;
    if (part < 4) {
      if (i >= n || load<u8>(p + <usize>i) != 46) return false;
      i++;
    }
  }
  if (i != n) return false;
  memory.fill(out, 0, 10);
  store<u8>(out + 10, 0xff);
  store<u8>(out + 11, 0xff);
  return true;
}

function hexVal(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function parseV6(p: usize, n: i32, out: usize): bool {
  // groups before and after "::" are collected separately, then the gap is zero-filled
  const groups = alloc(32);
  let count = 0;
  let gapAt = -1;
  let i = 0;
  if (n >= 2 && load<u8>(p) == 58 && load<u8>(p, 1) == 58) {
    gapAt = 0;
    i = 2;
  } else if (n >= 1 && load<u8>(p) == 58) {
    return false;
  }
  while (i < n) {
    // an embedded IPv4 tail takes the last 32 bits
    let j = i;
    while (j < n && load<u8>(p + <usize>j) != 58 && load<u8>(p + <usize>j) != 46) j++;
    if (j < n && load<u8>(p + <usize>j) == 46) {
      if (count > 6) return false;
      const tmp = alloc(16);
      if (!parseV4(p + <usize>i, n - i, tmp)) return false;
      store<u16>(groups + (<usize>count << 1), (<u16>load<u8>(tmp, 12) << 8) | <u16>load<u8>(tmp, 13));
      store<u16>(groups + (<usize>(count + 1) << 1), (<u16>load<u8>(tmp, 14) << 8) | <u16>load<u8>(tmp, 15));
      count += 2;
      i = n;
      break;
    }
    let v = 0;
    let digits = 0;
    while (i < n && digits < 5) {
      const d = hexVal(<i32>load<u8>(p + <usize>i));
      if (d < 0) break;
      v = (v << 4) | d;
      digits++;
      i++;
    }
    if (digits == 0 || digits > 4 || count >= 8) return false;
    store<u16>(groups + (<usize>count << 1), <u16>v);
    count++;
    if (i == n) break;
    if (load<u8>(p + <usize>i) != 58) return false;
    i++;
    if (i < n && load<u8>(p + <usize>i) == 58) {
      if (gapAt >= 0) return false;
      gapAt = count;
      i++;
    } else if (i == n) {
      return false; // trailing single ':'
    }
  }
  if (gapAt < 0 && count != 8) return false;
  if (gapAt >= 0 && count > 7) return false;
  memory.fill(out, 0, 16);
  const tail = gapAt < 0 ? 0 : count - gapAt;
  const head = count - tail;
  for (let g = 0; g < head; g++) {
    const v = load<u16>(groups + (<usize>g << 1));
    store<u8>(out + <usize>(g * 2), <u8>(v >> 8));
    store<u8>(out + <usize>(g * 2 + 1), <u8>v);
  }
  for (let g = 0; g < tail; g++) {
    const v = load<u16>(groups + (<usize>(head + g) << 1));
    const at = 16 - (tail - g) * 2;
    store<u8>(out + <usize>at, <u8>(v >> 8));
    store<u8>(out + <usize>(at + 1), <u8>v);
  }
  return true;
}

// An address ("1.2.3.4", "::1") or network ("10.0.0.0/8"); prefix 128 for a bare address.
function parseAddr(s: usize, out: usize, allowPrefix: bool): bool {
  const p = strPtr(s);
  const n = strLen(s);
  let slash = -1;
  for (let i = 0; i < n; i++) {
    if (load<u8>(p + <usize>i) == 47) {
      slash = i;
      break;
    }
  }
  const an = slash < 0 ? n : slash;
  let isV4 = true;
  for (let i = 0; i < an; i++) if (load<u8>(p + <usize>i) == 58) isV4 = false;
  if (!(isV4 ? parseV4(p, an, out) : parseV6(p, an, out))) return false;
  if (slash < 0) {
    prefixOut = 128;
    return true;
  }
  if (!allowPrefix) return false;
  let v = 0;
  let digits = 0;
  for (let i = slash + 1; i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    if (c < 48 || c > 57 || digits > 3) return false;
    v = v * 10 + (c - 48);
    digits++;
  }
  if (digits == 0 || v > (isV4 ? 32 : 128)) return false;
  prefixOut = isV4 ? v + 96 : v;
  return true;
}

function samePrefix(a: usize, b: usize, bits: i32): bool {
  const full = bits >> 3;
  for (let i = 0; i < full; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  const rest = bits & 7;
  if (rest == 0) return true;
  const mask = <u8>(<u32>0xff << <u32>(8 - rest));
  return (load<u8>(a + <usize>full) & mask) == (load<u8>(b + <usize>full) & mask);
}

// cidr contains an address or a whole network
export function opa_bi_net_cidr_contains(cidr: usize, x: usize): usize {
  if (typeOf(cidr) != T_STRING || typeOf(x) != T_STRING) return 0;
  const a = alloc(16), b = alloc(16);
  if (!parseAddr(cidr, a, true) || prefixOut == 128 && !hasSlash(cidr)) return 0;
  const pa = prefixOut;
  if (!parseAddr(x, b, true)) return 0;
  const pb = prefixOut;
  return makeBool(pb >= pa && samePrefix(a, b, pa));
}

function hasSlash(s: usize): bool {
  const p = strPtr(s), n = strLen(s);
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) == 47) return true;
  return false;
}
