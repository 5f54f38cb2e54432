// Digests and HMACs over a string's UTF-8 bytes, as lowercase hex: crypto.md5, crypto.sha1,
// crypto.sha256, crypto.sha512, crypto.hmac.md5/sha1/sha256/sha512, and crypto.hmac.equal
// (comparison in time independent of where the inputs differ).

import { alloc } from "./heap";
import { T_STRING, typeOf, makeBool, makeString, strLen, strPtr } from "./values";

const ALG_MD5: i32 = 0;
const ALG_SHA1: i32 = 1;
const ALG_SHA256: i32 = 2;
const ALG_SHA512: i32 = 3;

const K256 = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const K512 = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
  0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
  0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
  0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
  0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
  0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
  0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
  0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
  0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
  0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
  0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
  0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
  0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
]);

// MD5 per-round shift amounts and sine-derived constants
const MD5S = memory.data<u8>([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21,
  6, 10, 15, 21, 6, 10, 15, 21,
]);
const MD5K = memory.data<u32>([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
]);

@inline function blockSize(alg: i32): i32 { return alg == ALG_SHA512 ? 128 : 64; }
@inline function digestSize(alg: i32): i32 { return alg == ALG_MD5 ? 16 : alg == ALG_SHA1 ? 20 : alg == ALG_SHA256 ? 32 : 64; }

// Message padding into a fresh buffer: 0x80, zeros, then the bit length (little-endian for MD5,
// big-endian otherwise; 128-bit for SHA-512).
function pad(p: usize, n: i32, alg: i32): usize {
  const bs = blockSize(alg);
  const lenBytes = alg == ALG_SHA512 ? 16 : 8;
  let total = n + 1 + lenBytes;
  total = (total + bs - 1) / bs * bs;
  padLen = total;
  const b = alloc(<usize>total);
  memory.copy(b, p, <usize>n);
  memory.fill(b + <usize>n, 0, <usize>(total - n));
  store<u8>(b + <usize>n, 0x80);
  const bits: u64 = <u64>n << 3;
  if (alg == ALG_MD5) {
    store<u64>(b + <usize>(total - 8), bits);
  } else {
    store<u64>(b + <usize>(total - 8), bswap<u64>(bits));
  }
  return b;
}
let padLen: i32 = 0;

@inline function be32(p: usize): u32 { return bswap<u32>(load<u32>(p)); }

// Digest of [p, p+n) into out (digestSize bytes).
function digest(alg: i32, p: usize, n: i32, out: usize): void {
  const m = pad(p, n, alg);
  const total = padLen;
  if (alg == ALG_MD5) {
    let a0: u32 = 0x67452301, b0: u32 = 0xefcdab89, c0: u32 = 0x98badcfe, d0: u32 = 0x10325476;
    for (let off = 0; off < total; off += 64) {
      const blk = m + <usize>off;
      let a = a0, b = b0, c = c0, d = d0;
      for (let i = 0; i < 64; i++) {
        let f: u32;
        let g: i32;
        if (i < 16) { f = (b & c) | (~b & d); g = i; }
        else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
        else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
        else { f = c ^ (b | ~d); g = (7 * i) & 15; }
        f = f + a + load<u32>(MD5K + (<usize>i << 2)) + load<u32>(blk + (<usize>g << 2));
        a = d;
        d = c;
        c = b;
        b = b + rotl<u32>(f, <u32>load<u8>(MD5S + <usize>i));
      }
      a0 += a; b0 += b; c0 += c; d0 += d;
    }
    store<u32>(out, a0); store<u32>(out, b0, 4); store<u32>(out, c0, 8); store<u32>(out, d0, 12);
    return;
  }
  if (alg == ALG_SHA1) {
    let h0: u32 = 0x67452301, h1: u32 = 0xefcdab89, h2: u32 = 0x98badcfe, h3: u32 = 0x10325476, h4: u32 = 0xc3d2e1f0;
    const w = alloc(80 * 4);
    for (let off = 0; off < total; off += 64) {
      for (let i = 0; i < 16; i++) store<u32>(w + (<usize>i << 2), be32(m + <usize>(off + i * 4)));
      for (let i = 16; i < 80; i++) {
        const x = load<u32>(w + (<usize>(i - 3) << 2)) ^ load<u32>(w + (<usize>(i - 8) << 2)) ^ load<u32>(w + (<usize>(i - 14) << 2)) ^ load<u32>(w + (<usize>(i - 16) << 2));
        store<u32>(w + (<usize>i << 2), rotl<u32>(x, 1));
      }
      let a = h0, b = h1, c = h2, d = h3, e = h4;
      for (let i = 0; i < 80; i++) {
        let f: u32, k: u32;
        if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
        else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
        else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
        else { f = b ^ c ^ d; k = 0xca62c1d6; }
        const t = rotl<u32>(a, 5) + f + e + k + load<u32>(w + (<usize>i << 2));
        e = d; d = c; c = rotl<u32>(b, 30); b = a; a = t;
      }
      h0 += a; h1 += b; h2 += c; h3 += d; h4 += e;
    }
    store<u32>(out, bswap<u32>(h0)); store<u32>(out, bswap<u32>(h1), 4); store<u32>(out, bswap<u32>(h2), 8);
    store<u32>(out, bswap<u32>(h3), 12); store<u32>(out, bswap<u32>(h4), 16);
    return;
  }
  if (alg == ALG_SHA256) {
    const h = alloc(32);
    store<u32>(h, 0x6a09e667); store<u32>(h, 0xbb67ae85, 4); store<u32>(h, 0x3c6ef372, 8); store<u32>(h, 0xa54ff53a, 12);
    store<u32>(h, 0x510e527f, 16); store<u32>(h, 0x9b05688c, 20); store<u32>(h, 0x1f83d9ab, 24); store<u32>(h, 0x5be0cd19, 28);
    const w = alloc(64 * 4);
    for (let off = 0; off < total; off += 64) {
      for (let i = 0; i < 16; i++) store<u32>(w + (<usize>i << 2), be32(m + <usize>(off + i * 4)));
      for (let i = 16; i < 64; i++) {
        const w15 = load<u32>(w + (<usize>(i - 15) << 2)), w2 = load<u32>(w + (<usize>(i - 2) << 2));
        const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >> 3);
        const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >> 10);
        store<u32>(w + (<usize>i << 2), load<u32>(w + (<usize>(i - 16) << 2)) + s0 + load<u32>(w + (<usize>(i - 7) << 2)) + s1);
      }
      let a = load<u32>(h), b = load<u32>(h, 4), c = load<u32>(h, 8), d = load<u32>(h, 12);
      let e = load<u32>(h, 16), f = load<u32>(h, 20), g = load<u32>(h, 24), hh = load<u32>(h, 28);
      for (let i = 0; i < 64; i++) {
        const S1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
        const ch = (e & f) ^ (~e & g);
        const t1 = hh + S1 + ch + load<u32>(K256 + (<usize>i << 2)) + load<u32>(w + (<usize>i << 2));
        const S0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
        const maj = (a & b) ^ (a & c) ^ (b & c);
        const t2 = S0 + maj;
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
      }
      store<u32>(h, load<u32>(h) + a); store<u32>(h, load<u32>(h, 4) + b, 4); store<u32>(h, load<u32>(h, 8) + c, 8);
      store<u32>(h, load<u32>(h, 12) + d, 12); store<u32>(h, load<u32>(h, 16) + e, 16); store<u32>(h, load<u32>(h, 20) + f, 20);
      store<u32>(h, load<u32>(h, 24) + g, 24); store<u32>(h, load<u32>(h, 28) + hh, 28);
    }
    for (let i = 0; i < 8; i++) store<u32>(out + (<usize>i << 2), bswap<u32>(load<u32>(h + (<usize>i << 2))));
    return;
  }
  // SHA-512
  const h = alloc(64);
  store<u64>(h, 0x6a09e667f3bcc908); store<u64>(h, 0xbb67ae8584caa73b, 8); store<u64>(h, 0x3c6ef372fe94f82b, 16);
  store<u64>(h, 0xa54ff53a5f1d36f1, 24); store<u64>(h, 0x510e527fade682d1, 32); store<u64>(h, 0x9b05688c2b3e6c1f, 40);
  store<u64>(h, 0x1f83d9abfb41bd6b, 48); store<u64>(h, 0x5be0cd19137e2179, 56);
  const w = alloc(80 * 8);
  for (let off = 0; off < total; off += 128) {
    for (let i = 0; i < 16; i++) store<u64>(w + (<usize>i << 3), bswap<u64>(load<u64>(m + <usize>(off + i * 8))));
    for (let i = 16; i < 80; i++) {
      const w15 = load<u64>(w + (<usize>(i - 15) << 3)), w2 = load<u64>(w + (<usize>(i - 2) << 3));
      const s0 = rotr<u64>(w15, 1) ^ rotr<u64>(w15, 8) ^ (w15 >> 7);
      const s1 = rotr<u64>(w2, 19) ^ rotr<u64>(w2, 61) ^ (w2 >> 6);
      store<u64>(w + (<usize>i << 3), load<u64>(w + (<usize>(i - 16) << 3)) + s0 + load<u64>(w + (<usize>(i - 7) << 3)) + s1);
    }
    let a = load<u64>(h), b = load<u64>(h, 8), c = load<u64>(h, 16), d = load<u64>(h, 24);
    let e = load<u64>(h, 32), f = load<u64>(h, 40), g = load<u64>(h, 48), hh = load<u64>(h, 56);
    for (let i = 0; i < 80; i++) {
      const S1 = rotr<u64>(e, 14) ^ rotr<u64>(e, 18) ^ rotr<u64>(e, 41);
      const ch = (e & f) ^ (~e & g);
      const t1 = hh + S1 + ch + load<u64>(K512 + (<usize>i << 3)) + load<u64>(w + (<usize>i << 3));
      const S0 = rotr<u64>(a, 28) ^ rotr<u64>(a, 34) ^ rotr<u64>(a, 39);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = S0 + maj;
      hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    store<u64>(h, load<u64>(h) + a); store<u64>(h, load<u64>(h, 8) + b, 8); store<u64>(h, load<u64>(h, 16) + c, 16);
    store<u64>(h, load<u64>(h, 24) + d, 24); store<u64>(h, load<u64>(h, 32) + e, 32); store<u64>(h, load<u64>(h, 40) + f, 40);
    store<u64>(h, load<u64>(h, 48) + g, 48); store<u64>(h, load<u64>(h, 56) + hh, 56);
  }
  for (let i = 0; i < 8; i++) store<u64>(out + (<usize>i << 3), bswap<u64>(load<u64>(h + (<usize>i << 3))));
}

const HEXD: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

function hexString(p: usize, n: i32): usize {
  const b = alloc(<usize>n * 2);
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + <usize>i);
    store<u8>(b + <usize>(2 * i), load<u8>(HEXD + <usize>(c >> 4)));
    store<u8>(b + <usize>(2 * i + 1), load<u8>(HEXD + <usize>(c & 15)));
  }
  return makeString(b, n * 2);
}

function hashHex(alg: i32, s: usize): usize {
  if (typeOf(s) != T_STRING) return 0;
  const out = alloc(64);
  digest(alg, strPtr(s), strLen(s), out);
  return hexString(out, digestSize(alg));
}

// RFC 2104: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), keys longer than a block hashed first.
function hmacHex(alg: i32, msg: usize, key: usize): usize {
  if (typeOf(msg) != T_STRING || typeOf(key) != T_STRING) return 0;
  const bs = blockSize(alg), ds = digestSize(alg);
  const k = alloc(<usize>bs);
  memory.fill(k, 0, <usize>bs);
  if (strLen(key) > bs) digest(alg, strPtr(key), strLen(key), k);
  else memory.copy(k, strPtr(key), <usize>strLen(key));
  const n = strLen(msg);
  const inner = alloc(<usize>(bs + n));
  for (let i = 0; i < bs; i++) store<u8>(inner + <usize>i, load<u8>(k + <usize>i) ^ 0x36);
  memory.copy(inner + <usize>bs, strPtr(msg), <usize>n);
  const ih = alloc(64);
  digest(alg, inner, bs + n, ih);
  const outer = alloc(<usize>(bs + ds));
  for (let i = 0; i < bs; i++) store<u8>(outer + <usize>i, load<u8>(k + <usize>i) ^ 0x5c);
  memory.copy(outer + <usize>bs, ih, <usize>ds);
  const oh = alloc(64);
  digest(alg, outer, bs + ds, oh);
  return hexString(oh, ds);
}

export function opa_bi_crypto_md5(s: usize): usize { return hashHex(ALG_MD5, s); }
export function opa_bi_crypto_sha1(s: usize): usize { return hashHex(ALG_SHA1, s); }
export function opa_bi_crypto_sha256(s: usize): usize { return hashHex(ALG_SHA256, s); }
export function opa_bi_crypto_sha512(s: usize): usize { return hashHex(ALG_SHA512, s); }
export function opa_bi_crypto_hmac_md5(m: usize, k: usize): usize { return hmacHex(ALG_MD5, m, k); }
export function opa_bi_crypto_hmac_sha1(m: usize, k: usize): usize { return hmacHex(ALG_SHA1, m, k); }
export function opa_bi_crypto_hmac_sha256(m: usize, k: usize): usize { return hmacHex(ALG_SHA256, m, k); }
export function opa_bi_crypto_hmac_sha512(m: usize, k: usize): usize { return hmacHex(ALG_SHA512, m, k); }

// Equality that reads every byte whatever the contents, so timing does not reveal a prefix.
export function opa_bi_crypto_hmac_equal(a: usize, b: usize): usize {
  if (typeOf(a) != T_STRING || typeOf(b) != T_STRING) return 0;
  const n = strLen(a);
  if (n != strLen(b)) return makeBool(false);
  let diff: u32 = 0;
  for (let i = 0; i < n; i++) diff |= <u32>(load<u8>(strPtr(a) + <usize>i) ^ load<u8>(strPtr(b) + <usize>i));
  return makeBool(diff == 0);
}
