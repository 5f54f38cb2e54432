// Pattern matching for regex.match and glob.match: a pattern is parsed to a small syntax tree,
// compiled to an NFA program and run as a Thompson simulation (no backtracking), so matching time
// is linear in pattern × text whatever the pattern — as RE2, which OPA uses, guarantees.
//
// Supported RE2 syntax: literals and escapes (\. \\ \n \t \r \f \v \xhh \x{h…}), `.`, classes
// `[…]` / `[^…]` with ranges, \d \w \s \D \W \S (also inside classes) and [:alpha:]-style POSIX
// classes, groups `( )` `(?: )` `(?P<n> )` `(?<n> )`, alternation, quantifiers * + ? {n} {n,} {n,m}
// (lazy forms too; counts ≤ 1000), anchors ^ $ \A \z, \b \B, flags (?i) (?s) (?m) and (?flags: ).
// Case folding covers ASCII letters. Anything else (\p{…} Unicode classes, backreferences,
// lookaround) is reported as unsupported and the built-in is undefined.

import { alloc } from "./heap";
import { decodeAt, cpLen } from "./text";

// ---- syntax tree: nodes of 20 bytes {kind, a, b, c, d}

const K_CHAR: i32 = 1; // a = code point
const K_ANY: i32 = 2; // a = 1 when it matches newline too
const K_CLASS: i32 = 3; // a = ranges ptr, b = range count, c = negated
const K_CAT: i32 = 4; // a, b children
const K_ALT: i32 = 5; // a, b children
const K_REPEAT: i32 = 6; // a child, b min, c max (-1 = unbounded)
const K_EMPTY: i32 = 7;
const K_ASSERT: i32 = 8; // a = assertion code
const K_GROUP: i32 = 9; // a child, b capture index (1-based)

const A_BOT: i32 = 1; // beginning of text
const A_EOT: i32 = 2; // end of text
const A_BOL: i32 = 3; // beginning of line (multiline ^)
const A_EOL: i32 = 4; // end of line (multiline $)
const A_WORDB: i32 = 5;
const A_NWORDB: i32 = 6;

function node(kind: i32, a: i32, b: i32, c: i32): usize {
  const n = alloc(20);
  store<i32>(n, kind);
  store<i32>(n, a, 4);
  store<i32>(n, b, 8);
  store<i32>(n, c, 12);
  store<i32>(n, 0, 16);
  return n;
}

// ---- parser state

let src: usize = 0;
let srcLen: i32 = 0;
let pos: i32 = 0;
let failed: bool = false;
let fCase: bool = false; // (?i)
let fDotNl: bool = false; // (?s)
let fMulti: bool = false; // (?m)
let groupDepth: i32 = 0;
// capture groups: count and names ({ptr, len} per index from 1; len -1 when unnamed)
export let ngroups: i32 = 0;
export let gnames: usize = 0;
let gcap: i32 = 0;

function newGroup(namePtr: usize, nameLen: i32): i32 {
  ngroups++;
  if (ngroups >= gcap) {
    const ncap = gcap < 8 ? 8 : gcap << 1;
    const nb = alloc(<usize>ncap << 3);
    if (gcap > 0) memory.copy(nb, gnames, <usize>gcap << 3);
    gnames = nb;
    gcap = ncap;
  }
  store<usize>(gnames + (<usize>ngroups << 3), namePtr);
  store<i32>(gnames + (<usize>ngroups << 3), nameLen, 4);
  return ngroups;
}
// Recursion limits: patterns may come from requests, and deep recursion would overflow the
// native stack instead of making the call undefined.
const MAX_GROUP_DEPTH: i32 = 200;
const MAX_GEN_DEPTH: i32 = 1000;
let genDepth: i32 = 0;

// range buffer for the class being parsed
let rbuf: usize = 0;
let rcount: i32 = 0;
let rcap: i32 = 0;

function fail(): usize {
  failed = true;
  return 0;
}

@inline
function peek(): i32 {
  return pos < srcLen ? <i32>load<u8>(src + <usize>pos) : -1;
}

function nextCp(): i32 {
  const c = decodeAt(src, srcLen, pos);
  pos += cpLen;
  return c;
}

function cat(a: usize, b: usize): usize {
  if (a == 0) return b;
  if (b == 0) return a;
  return node(K_CAT, <i32>a, <i32>b, 0);
}

function parseAlt(): usize {
  let left = parseConcat();
  if (failed) return 0;
  while (peek() == 124) {
    pos++;
    const right = parseConcat();
    if (failed) return 0;
    left = node(K_ALT, <i32>(left == 0 ? node(K_EMPTY, 0, 0, 0) : left), <i32>(right == 0 ? node(K_EMPTY, 0, 0, 0) : right), 0);
  }
  return left;
}

function parseConcat(): usize {
  let acc: usize = 0;
  while (pos < srcLen) {
    const c = peek();
    if (c == 124 || c == 41) break;
    const atom = parseRepeat();
    if (failed) return 0;
    acc = cat(acc, atom);
  }
  return acc;
}

function parseRepeat(): usize {
  let atom = parseAtom();
  if (failed) return 0;
  while (pos < srcLen) {
    const c = peek();
    let min = 0, max = 0;
    if (c == 42) {
      min = 0;
      max = -1;
      pos++;
    } else if (c == 43) {
      min = 1;
      max = -1;
      pos++;
    } else if (c == 63) {
      min = 0;
      max = 1;
      pos++;
    } else if (c == 123) {
      const save = pos;
      pos++;
      min = parseInt();
      if (min < 0) {
        // not a counted repetition: a literal brace
        pos = save;
        break;
      }
      if (peek() == 44) {
        pos++;
        if (peek() == 125) max = -1;
        else {
          max = parseInt();
          if (max < 0) {
            pos = save;
            break;
          }
        }
      } else {
        max = min;
      }
      if (peek() != 125) {
        pos = save;
        break;
      }
      pos++;
      if (min > 1000 || max > 1000 || (max >= 0 && max < min)) return fail();
    } else {
      break;
    }
    if (atom == 0) return fail(); // nothing to repeat
    let lazy = 0;
    if (peek() == 63) {
      // lazy: the same yes/no answer, but match bounds prefer fewer repetitions
      pos++;
      lazy = 1;
    }
    atom = node(K_REPEAT, <i32>atom, min, max);
    store<i32>(atom, lazy, 16);
  }
  return atom;
}

function parseInt(): i32 {
  let v = -1;
  while (pos < srcLen) {
    const c = peek();
    if (c < 48 || c > 57) break;
    v = (v < 0 ? 0 : v) * 10 + (c - 48);
    if (v > 100000) v = 100000;
    pos++;
  }
  return v;
}

function charNode(c: i32): usize {
  if (fCase && isAsciiLetter(c)) {
    classBegin();
    addRange(c | 32, c | 32);
    addRange(c & ~32, c & ~32);
    return classEnd(false);
  }
  return node(K_CHAR, c, 0, 0);
}

@inline
function isAsciiLetter(c: i32): bool {
  const l = c | 32;
  return l >= 97 && l <= 122;
}

function parseAtom(): usize {
  const c = peek();
  switch (c) {
    case 40: // (
      return parseGroup();
    case 91: // [
      return parseClass();
    case 46: // .
      pos++;
      return node(K_ANY, fDotNl ? 1 : 0, 0, 0);
    case 94: // ^
      pos++;
      return node(K_ASSERT, fMulti ? A_BOL : A_BOT, 0, 0);
    case 36: // $
      pos++;
      return node(K_ASSERT, fMulti ? A_EOL : A_EOT, 0, 0);
    case 92: // backslash
      return parseEscape();
    case 42:
    case 43:
    case 63:
      return fail(); // quantifier without operand
    default:
      return charNode(nextCp());
  }
}

function parseGroup(): usize {
  pos++;
  if (++groupDepth > MAX_GROUP_DEPTH) return fail();
  const saveCase = fCase, saveDot = fDotNl, saveMulti = fMulti;
  let group = 0;
  if (peek() == 63) {
    pos++;
    const c = peek();
    if (c == 80 || c == 60) {
      // (?P<name>re) or (?<name>re)
      if (c == 80) pos++;
      if (peek() != 60) return fail();
      pos++;
      const nameStart = pos;
      while (pos < srcLen && peek() != 62) pos++;
      if (peek() != 62 || pos == nameStart) return fail();
      group = newGroup(src + <usize>nameStart, pos - nameStart);
      pos++;
    } else {
      // flags: (?is) for the rest of the group, or (?is:re)
      let on = true;
      while (true) {
        const f = peek();
        if (f == 105) fCase = on;
        else if (f == 115) fDotNl = on;
        else if (f == 109) fMulti = on;
        else if (f == 85) {
          // ungreedy: irrelevant for a yes/no match
        } else if (f == 45 && on) on = false;
        else break;
        pos++;
      }
      const f = peek();
      if (f == 41) {
        // flags apply to the rest of the enclosing group
        pos++;
        groupDepth--;
        return node(K_EMPTY, 0, 0, 0);
      }
      if (f != 58) return fail();
      pos++;
    }
  } else {
    group = newGroup(0, -1);
  }
  const inner = parseAlt();
  if (failed) return 0;
  if (peek() != 41) return fail();
  pos++;
  groupDepth--;
  fCase = saveCase;
  fDotNl = saveDot;
  fMulti = saveMulti;
  const body = inner == 0 ? node(K_EMPTY, 0, 0, 0) : inner;
  return group > 0 ? node(K_GROUP, <i32>body, group, 0) : body;
}

// ---- classes

function classBegin(): void {
  rcap = 16;
  rbuf = alloc(<usize>rcap << 3);
  rcount = 0;
}

function addRange(lo: i32, hi: i32): void {
  if (rcount == rcap) {
    const nb = alloc(<usize>rcap << 4);
    memory.copy(nb, rbuf, <usize>rcap << 3);
    rbuf = nb;
    rcap <<= 1;
  }
  store<i32>(rbuf + (<usize>rcount << 3), lo);
  store<i32>(rbuf + (<usize>rcount << 3), hi, 4);
  rcount++;
}

function addFolded(lo: i32, hi: i32): void {
  addRange(lo, hi);
  if (!fCase) return;
  // ASCII case variants of the overlap with a-z / A-Z
  const l1 = lo > 97 ? lo : 97, h1 = hi < 122 ? hi : 122;
  if (l1 <= h1) addRange(l1 - 32, h1 - 32);
  const l2 = lo > 65 ? lo : 65, h2 = hi < 90 ? hi : 90;
  if (l2 <= h2) addRange(l2 + 32, h2 + 32);
}

function classEnd(negated: bool): usize {
  return node(K_CLASS, <i32>rbuf, rcount, negated ? 1 : 0);
}

// Perl class letter → ranges added (negated ones as their complement); false if not one.
function addPerlClass(letter: i32): bool {
  switch (letter) {
    case 100: // d
      addRange(48, 57);
      return true;
    case 68: // D
      addRange(0, 47);
      addRange(58, 0x10ffff);
      return true;
    case 119: // w
      addRange(48, 57);
      addRange(65, 90);
      addRange(95, 95);
      addRange(97, 122);
      return true;
    case 87: // W
      addRange(0, 47);
      addRange(58, 64);
      addRange(91, 94);
      addRange(96, 96);
      addRange(123, 0x10ffff);
      return true;
    case 115: // s
      addRange(9, 10);
      addRange(12, 13);
      addRange(32, 32);
      return true;
    case 83: // S
      addRange(0, 8);
      addRange(11, 11);
      addRange(14, 31);
      addRange(33, 0x10ffff);
      return true;
    default:
      return false;
  }
}

// A single-character escape (after the backslash); -1 when unsupported.
function escapeChar(): i32 {
  const c = peek();
  if (c < 0) return -1;
  pos++;
  switch (c) {
    case 110: return 10; // n
    case 116: return 9; // t
    case 114: return 13; // r
    case 102: return 12; // f
    case 118: return 11; // v
    case 97: return 7; // a
    case 48: return 0; // \0 is not RE2, but octal \0 is: treat as NUL
    case 120: { // x
      if (peek() == 123) {
        pos++;
        let v = 0, n = 0;
        while (peek() >= 0 && peek() != 125) {
          const d = hexDigit(peek());
          if (d < 0 || n > 6) return -1;
          v = (v << 4) | d;
          n++;
          pos++;
        }
        if (peek() != 125 || n == 0 || v > 0x10ffff) return -1;
        pos++;
        return v;
      }
      if (pos + 2 > srcLen) return -1;
      const h = hexDigit(peek()), l = hexDigit(<i32>load<u8>(src + <usize>pos + 1));
      if (h < 0 || l < 0) return -1;
      pos += 2;
      return (h << 4) | l;
    }
    default:
      // escaped punctuation stands for itself; escaped letters and digits are reserved
      if (c < 128 && !((c >= 48 && c <= 57) || (c | 32) >= 97 && (c | 32) <= 122)) return c;
      return -1;
  }
}

function hexDigit(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function parseEscape(): usize {
  pos++;
  const c = peek();
  if (c < 0) return fail();
  switch (c) {
    case 65: // \A
      pos++;
      return node(K_ASSERT, A_BOT, 0, 0);
    case 122: // \z
      pos++;
      return node(K_ASSERT, A_EOT, 0, 0);
    case 98: // \b
      pos++;
      return node(K_ASSERT, A_WORDB, 0, 0);
    case 66: // \B
      pos++;
      return node(K_ASSERT, A_NWORDB, 0, 0);
    default:
  }
  classBegin();
  if (addPerlClass(c)) {
    pos++;
    return classEnd(false);
  }
  const e = escapeChar();
  if (e < 0) return fail();
  return charNode(e);
}

// POSIX class name at pos (after "[:"); adds ranges, returns false if unknown.
function addPosixClass(): bool {
  const start = pos;
  while (pos < srcLen && peek() != 58) pos++;
  if (pos + 1 >= srcLen || load<u8>(src + <usize>pos + 1) != 93) return false;
  const n = pos - start;
  const p = src + <usize>start;
  pos += 2;
  const c0 = <i32>load<u8>(p);
  if (n == 5) {
    const c1 = <i32>load<u8>(p, 1);
    if (c0 == 97 && c1 == 108 && load<u8>(p, 2) == 112) { addRange(65, 90); addRange(97, 122); return true; } // alpha
    if (c0 == 97 && c1 == 108 && load<u8>(p, 2) == 110) { addRange(48, 57); addRange(65, 90); addRange(97, 122); return true; } // alnum
    if (c0 == 100) { addRange(48, 57); return true; } // digit
    if (c0 == 115) { addRange(9, 13); addRange(32, 32); return true; } // space
    if (c0 == 117) { addRange(65, 90); return true; } // upper
    if (c0 == 108) { addRange(97, 122); return true; } // lower
    if (c0 == 112 && c1 == 117) { addRange(33, 47); addRange(58, 64); addRange(91, 96); addRange(123, 126); return true; } // punct
    if (c0 == 98) { addRange(9, 9); addRange(32, 32); return true; } // blank
    if (c0 == 112 && c1 == 114) { addRange(32, 126); return true; } // print
    if (c0 == 103) { addRange(33, 126); return true; } // graph
    if (c0 == 99) { addRange(0, 31); addRange(127, 127); return true; } // cntrl
    if (c0 == 97 && c1 == 115) { addRange(0, 127); return true; } // ascii
  }
  if (n == 6 && c0 == 120) { addRange(48, 57); addRange(65, 70); addRange(97, 102); return true; } // xdigit
  if (n == 4 && c0 == 119) { addRange(48, 57); addRange(65, 90); addRange(95, 95); addRange(97, 122); return true; } // word
  return false;
}

function parseClass(): usize {
  pos++;
  classBegin();
  let negated = false;
  if (peek() == 94) {
    negated = true;
    pos++;
  }
  let first = true;
  while (true) {
    if (pos >= srcLen) return fail();
    const c = peek();
    if (c == 93 && !first) {
      pos++;
      break;
    }
    first = false;
    if (c == 91 && pos + 1 < srcLen && load<u8>(src + <usize>pos + 1) == 58) {
      pos += 2;
      if (!addPosixClass()) return fail();
      continue;
    }
    let lo: i32;
    if (c == 92) {
      pos++;
      if (addPerlClass(peek())) {
        pos++;
        continue;
      }
      lo = escapeChar();
      if (lo < 0) return fail();
    } else {
      lo = nextCp();
    }
    let hi = lo;
    if (peek() == 45 && pos + 1 < srcLen && load<u8>(src + <usize>pos + 1) != 93) {
      pos++;
      if (peek() == 92) {
        pos++;
        hi = escapeChar();
        if (hi < 0) return fail();
      } else {
        hi = nextCp();
      }
      if (hi < lo) return fail();
    }
    addFolded(lo, hi);
  }
  return classEnd(negated);
}

// ---- program: instructions of 12 bytes {op, x, y}

const OP_CHAR: i32 = 1;
const OP_ANY: i32 = 2; // x = 1 matches newline
const OP_CLASS: i32 = 3; // x ranges, y = count | negated << 31
const OP_SPLIT: i32 = 4;
const OP_JMP: i32 = 5;
const OP_ASSERT: i32 = 6;
const OP_MATCH: i32 = 7;
const OP_SAVE: i32 = 8; // x = capture slot

const MAX_PROG: i32 = 20000;

let prog: usize = 0;
let plen: i32 = 0;
let pcap: i32 = 0;

function emit(op: i32, x: i32, y: i32): i32 {
  if (plen == pcap) {
    const ncap = pcap << 1;
    const np = alloc(<usize>ncap * 12);
    memory.copy(np, prog, <usize>plen * 12);
    prog = np;
    pcap = ncap;
  }
  const at = prog + <usize>plen * 12;
  store<i32>(at, op);
  store<i32>(at, x, 4);
  store<i32>(at, y, 8);
  return plen++;
}

@inline
function patch(pc: i32, x: i32, y: i32): void {
  const at = prog + <usize>pc * 12;
  store<i32>(at, x, 4);
  store<i32>(at, y, 8);
}

function gen(n: usize): void {
  if (failed) return;
  if (plen > MAX_PROG || genDepth > MAX_GEN_DEPTH) {
    failed = true;
    return;
  }
  genDepth++;
  genNode(n);
  genDepth--;
}

function genNode(n: usize): void {
  const k = load<i32>(n);
  const a = load<i32>(n, 4), b = load<i32>(n, 8), c = load<i32>(n, 12);
  switch (k) {
    case K_CHAR:
      emit(OP_CHAR, a, 0);
      return;
    case K_ANY:
      emit(OP_ANY, a, 0);
      return;
    case K_CLASS:
      emit(OP_CLASS, a, b | (c << 31));
      return;
    case K_CAT: {
      // sequences are left-deep trees as long as the pattern: walk the spine instead of recursing
      let count = 0;
      let m = n;
      while (load<i32>(m) == K_CAT) {
        count++;
        m = <usize>load<i32>(m, 4);
      }
      const rights = alloc(<usize>count << 2);
      m = n;
      for (let i = 0; i < count; i++) {
        store<usize>(rights + (<usize>i << 2), <usize>load<i32>(m, 8));
        m = <usize>load<i32>(m, 4);
      }
      gen(m);
      for (let i = count - 1; i >= 0; i--) gen(load<usize>(rights + (<usize>i << 2)));
      return;
    }
    case K_ALT: {
      const split = emit(OP_SPLIT, 0, 0);
      gen(<usize>a);
      const jmp = emit(OP_JMP, 0, 0);
      const second = plen;
      gen(<usize>b);
      patch(split, split + 1, second);
      patch(jmp, plen, 0);
      return;
    }
    case K_REPEAT: {
      const child = <usize>a;
      const lazy = load<i32>(n, 16) != 0;
      for (let i = 0; i < b; i++) gen(child);
      if (c < 0) {
        // x*: L: split body, end; body; jmp L (a split's first target has priority)
        const l = emit(OP_SPLIT, 0, 0);
        gen(child);
        emit(OP_JMP, l, 0);
        if (lazy) patch(l, plen, l + 1);
        else patch(l, l + 1, plen);
      } else {
        for (let i = b; i < c; i++) {
          const s = emit(OP_SPLIT, 0, 0);
          gen(child);
          if (lazy) patch(s, plen, s + 1);
          else patch(s, s + 1, plen);
        }
      }
      return;
    }
    case K_ASSERT:
      emit(OP_ASSERT, a, 0);
      return;
    case K_GROUP:
      emit(OP_SAVE, b * 2, 0);
      gen(<usize>a);
      emit(OP_SAVE, b * 2 + 1, 0);
      return;
    default:
      return; // K_EMPTY
  }
}

function compile(tree: usize): bool {
  pcap = 64;
  prog = alloc(<usize>pcap * 12);
  plen = 0;
  if (tree != 0) gen(tree);
  emit(OP_MATCH, 0, 0);
  return !failed && plen <= MAX_PROG;
}

// ---- simulation

let clist: usize = 0;
let nlist: usize = 0;
let ccount: i32 = 0;
let ncount: i32 = 0;
let marks: usize = 0;
let gen_: u32 = 0;
let stack: usize = 0;

// text context for assertions
let tp: usize = 0;
let tn: i32 = 0;

@inline
function isWordByte(c: i32): bool {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95;
}

function assertHolds(kind: i32, i: i32): bool {
  switch (kind) {
    case A_BOT: return i == 0;
    case A_EOT: return i == tn;
    case A_BOL: return i == 0 || load<u8>(tp + <usize>i - 1) == 10;
    case A_EOL: return i == tn || load<u8>(tp + <usize>i) == 10;
    default: {
      const before = i > 0 && isWordByte(<i32>load<u8>(tp + <usize>i - 1));
      const after = i < tn && isWordByte(<i32>load<u8>(tp + <usize>i));
      return kind == A_WORDB ? before != after : before == after;
    }
  }
}

// Follow the epsilon closure of pc at text offset i into the list; true when it reaches MATCH.
function addThread(list: usize, isNext: bool, pc0: i32, i: i32): bool {
  let sp = 0;
  store<i32>(stack, pc0);
  sp = 1;
  let matched = false;
  while (sp > 0) {
    sp--;
    const pc = load<i32>(stack + (<usize>sp << 2));
    const m = marks + (<usize>pc << 2);
    if (load<u32>(m) == gen_) continue;
    store<u32>(m, gen_);
    const at = prog + <usize>pc * 12;
    const op = load<i32>(at);
    switch (op) {
      case OP_JMP:
        store<i32>(stack + (<usize>(sp++) << 2), load<i32>(at, 4));
        break;
      case OP_SPLIT:
        // push the second branch first so the first is explored first
        store<i32>(stack + (<usize>(sp++) << 2), load<i32>(at, 8));
        store<i32>(stack + (<usize>(sp++) << 2), load<i32>(at, 4));
        break;
      case OP_ASSERT:
        if (assertHolds(load<i32>(at, 4), i)) store<i32>(stack + (<usize>(sp++) << 2), pc + 1);
        break;
      case OP_SAVE:
        store<i32>(stack + (<usize>(sp++) << 2), pc + 1);
        break;
      case OP_MATCH:
        matched = true;
        break;
      default:
        if (isNext) {
          store<i32>(list + (<usize>ncount << 2), pc);
          ncount++;
        } else {
          store<i32>(list + (<usize>ccount << 2), pc);
          ccount++;
        }
    }
  }
  return matched;
}

function classHas(at: usize, c: i32): bool {
  const ranges = <usize>load<i32>(at, 4);
  const y = load<u32>(at, 8);
  const n = <i32>(y & 0x7fffffff);
  let hit = false;
  for (let i = 0; i < n; i++) {
    const r = ranges + (<usize>i << 3);
    if (c >= load<i32>(r) && c <= load<i32>(r, 4)) {
      hit = true;
      break;
    }
  }
  return (y >> 31) != 0 ? !hit : hit;
}

// Run the compiled program over text; `anchored` starts only at offset 0.
function run(p: usize, n: i32, anchored: bool): bool {
  tp = p;
  tn = n;
  clist = alloc(<usize>plen << 2);
  nlist = alloc(<usize>plen << 2);
  marks = alloc(<usize>plen << 2);
  memory.fill(marks, 0, <usize>plen << 2);
  stack = alloc(<usize>(plen * 2 + 2) << 2);
  gen_ = 1;
  ccount = 0;
  if (addThread(clist, false, 0, 0)) return true;
  let i = 0;
  while (i < n) {
    const c = decodeAt(p, n, i);
    const step = cpLen;
    gen_++;
    ncount = 0;
    for (let t = 0; t < ccount; t++) {
      const pc = load<i32>(clist + (<usize>t << 2));
      const at = prog + <usize>pc * 12;
      const op = load<i32>(at);
      let ok = false;
      if (op == OP_CHAR) ok = load<i32>(at, 4) == c;
      else if (op == OP_ANY) ok = c != 10 || load<i32>(at, 4) != 0;
      else if (op == OP_CLASS) ok = classHas(at, c);
      if (ok && addThread(nlist, true, pc + 1, i + step)) return true;
    }
    i += step;
    if (!anchored && addThread(nlist, true, 0, i)) return true;
    const t = clist;
    clist = nlist;
    nlist = t;
    ccount = ncount;
    if (ccount == 0 && anchored) return false;
  }
  return false;
}

// ---- leftmost-first match bounds (regex.find_n, regex.split)
//
// Threads carry the offset where their match started; lists hold (pc, start) pairs in priority
// order. A thread reaching MATCH records the match and cuts every lower-priority thread, and no
// new start is seeded once a match exists; the surviving higher-priority threads may still
// replace it with their own (preferred) match. This is RE2's leftmost-first rule, the same match
// bounds as Perl or JavaScript.

let bl: usize = 0; // current list: {pc, caps} pairs of i32
let bn: usize = 0; // next list
let blc: i32 = 0;
let bnc: i32 = 0;
export let matchStart: i32 = -1;
export let matchEnd: i32 = -1;
// capture slots of the last match: 2 × (ngroups + 1) offsets, -1 when a group did not take part
export let matchCaps: usize = 0;
let ncaps: i32 = 2;

// Capture vectors are immutable once made: a SAVE copies before writing, so threads can share them.
function newCaps(start: i32): usize {
  const c = alloc(<usize>ncaps << 2);
  memory.fill(c, 0xff, <usize>ncaps << 2);
  store<i32>(c, start);
  return c;
}

function withSlot(caps: usize, slot: i32, v: i32): usize {
  const c = alloc(<usize>ncaps << 2);
  memory.copy(c, caps, <usize>ncaps << 2);
  store<i32>(c + (<usize>slot << 2), v);
  return c;
}

// Epsilon closure into the next list; true when MATCH was reached (the rest is cut).
function addBounded(pc0: i32, caps0: usize, i: i32): bool {
  store<i32>(stack, pc0);
  store<usize>(stack, caps0, 4);
  let sp = 1;
  while (sp > 0) {
    sp--;
    const se = stack + (<usize>sp << 3);
    const pc = load<i32>(se);
    const caps = load<usize>(se, 4);
    const m = marks + (<usize>pc << 2);
    if (load<u32>(m) == gen_) continue;
    store<u32>(m, gen_);
    const at = prog + <usize>pc * 12;
    const op = load<i32>(at);
    switch (op) {
      case OP_JMP:
        pushState(sp++, load<i32>(at, 4), caps);
        break;
      case OP_SPLIT:
        pushState(sp++, load<i32>(at, 8), caps);
        pushState(sp++, load<i32>(at, 4), caps);
        break;
      case OP_ASSERT:
        if (assertHolds(load<i32>(at, 4), i)) pushState(sp++, pc + 1, caps);
        break;
      case OP_SAVE: {
        const slot = load<i32>(at, 4);
        pushState(sp++, pc + 1, slot < ncaps ? withSlot(caps, slot, i) : caps);
        break;
      }
      case OP_MATCH:
        matchCaps = withSlot(caps, 1, i);
        matchStart = load<i32>(caps);
        matchEnd = i;
        return true;
      default: {
        const e = bn + (<usize>bnc << 3);
        store<i32>(e, pc);
        store<usize>(e, caps, 4);
        bnc++;
      }
    }
  }
  return false;
}

@inline
function pushState(sp: i32, pc: i32, caps: usize): void {
  const se = stack + (<usize>sp << 3);
  store<i32>(se, pc);
  store<usize>(se, caps, 4);
}

// Leftmost-first match at or after byte offset `from` of the compiled program.
function searchFrom(from: i32): bool {
  matchStart = -1;
  matchEnd = -1;
  matchCaps = 0;
  memory.fill(marks, 0, <usize>plen << 2);
  gen_ = 1;
  bnc = 0;
  let found = addBounded(0, newCaps(from), from);
  let t = bl;
  bl = bn;
  bn = t;
  blc = bnc;
  let i = from;
  while (i < tn && (blc > 0 || !found)) {
    const c = decodeAt(tp, tn, i);
    const step = cpLen;
    gen_++;
    bnc = 0;
    for (let k = 0; k < blc; k++) {
      const e = bl + (<usize>k << 3);
      const pc = load<i32>(e);
      const at = prog + <usize>pc * 12;
      const op = load<i32>(at);
      let ok = false;
      if (op == OP_CHAR) ok = load<i32>(at, 4) == c;
      else if (op == OP_ANY) ok = c != 10 || load<i32>(at, 4) != 0;
      else if (op == OP_CLASS) ok = classHas(at, c);
      if (ok && addBounded(pc + 1, load<usize>(e, 4), i + step)) {
        found = true;
        break; // lower-priority threads lose to this match
      }
    }
    i += step;
    if (!found) found = addBounded(0, newCaps(i), i);
    t = bl;
    bl = bn;
    bn = t;
    blc = bnc;
  }
  return found;
}

function prepareSearch(text: usize, textLen: i32): void {
  tp = text;
  tn = textLen;
  ncaps = 2 * (ngroups + 1);
  bl = alloc(<usize>plen << 3);
  bn = alloc(<usize>plen << 3);
  marks = alloc(<usize>plen << 2);
  stack = alloc(<usize>(plen * 2 + 2) << 3);
}

// Compile a pattern for repeated searches over one text; false when unsupported.
export function regexPrepare(pat: usize, patLen: i32, text: usize, textLen: i32): bool {
  resetParser(pat, patLen);
  const tree = parseAlt();
  if (failed || pos != srcLen) return false;
  if (!compile(tree)) return false;
  prepareSearch(text, textLen);
  return true;
}

export function regexSearch(from: i32): bool {
  return searchFrom(from);
}

function resetParser(p: usize, n: i32): void {
  groupDepth = 0;
  ngroups = 0;
  gcap = 0;
  gnames = 0;
  genDepth = 0;
  src = p;
  srcLen = n;
  pos = 0;
  failed = false;
  fCase = false;
  fDotNl = false;
  fMulti = false;
}

// 1 match, 0 no match, -1 unsupported or invalid pattern
export function regexMatch(pat: usize, patLen: i32, text: usize, textLen: i32): i32 {
  resetParser(pat, patLen);
  const tree = parseAlt();
  if (failed || pos != srcLen) return -1;
  if (!compile(tree)) return -1;
  return run(text, textLen, false) ? 1 : 0;
}

// ---- globs (gobwas/glob syntax as OPA uses it): * ** ? [..] [!..] {a,b} and \ escapes; `*` and `?`
// do not cross delimiters, `**` does.

let delims: usize = 0; // ranges of delimiter code points
let ndelims: i32 = 0;

function notDelimiter(): usize {
  // a negated class of the delimiters (or "any" when there are none)
  if (ndelims == 0) return node(K_ANY, 1, 0, 0);
  return node(K_CLASS, <i32>delims, ndelims, 1);
}

function globAlt(inBraces: bool): usize {
  let left = globSeq(inBraces);
  if (failed) return 0;
  while (inBraces && peek() == 44) {
    pos++;
    const right = globSeq(inBraces);
    if (failed) return 0;
    left = node(K_ALT, <i32>(left == 0 ? node(K_EMPTY, 0, 0, 0) : left), <i32>(right == 0 ? node(K_EMPTY, 0, 0, 0) : right), 0);
  }
  return left;
}

function globSeq(inBraces: bool): usize {
  let acc: usize = 0;
  while (pos < srcLen) {
    const c = peek();
    if (inBraces && (c == 44 || c == 125)) break;
    let atom: usize;
    if (c == 42) {
      pos++;
      if (peek() == 42) {
        pos++;
        atom = node(K_REPEAT, <i32>node(K_ANY, 1, 0, 0), 0, -1);
      } else {
        atom = node(K_REPEAT, <i32>notDelimiter(), 0, -1);
      }
    } else if (c == 63) {
      pos++;
      atom = notDelimiter();
    } else if (c == 91) {
      atom = globClass();
      if (failed) return 0;
    } else if (c == 123) {
      pos++;
      if (++groupDepth > MAX_GROUP_DEPTH) return fail();
      atom = globAlt(true);
      groupDepth--;
      if (failed) return 0;
      if (peek() != 125) return fail();
      pos++;
      if (atom == 0) atom = node(K_EMPTY, 0, 0, 0);
    } else if (c == 92) {
      pos++;
      if (pos >= srcLen) return fail();
      atom = node(K_CHAR, nextCp(), 0, 0);
    } else {
      atom = node(K_CHAR, nextCp(), 0, 0);
    }
    acc = cat(acc, atom);
  }
  return acc;
}

function globClass(): usize {
  pos++;
  classBegin();
  let negated = false;
  if (peek() == 33 || peek() == 94) {
    negated = true;
    pos++;
  }
  let first = true;
  while (true) {
    if (pos >= srcLen) return fail();
    if (peek() == 93 && !first) {
      pos++;
      break;
    }
    first = false;
    let lo: i32;
    if (peek() == 92) {
      pos++;
      if (pos >= srcLen) return fail();
    }
    lo = nextCp();
    let hi = lo;
    if (peek() == 45 && pos + 1 < srcLen && load<u8>(src + <usize>pos + 1) != 93) {
      pos++;
      hi = nextCp();
      if (hi < lo) return fail();
    }
    addRange(lo, hi);
  }
  return classEnd(negated);
}

// delimiters: UTF-8 strings, one code point each (given as pointer/length pairs in `dl`, count n)
export function globMatch(pat: usize, patLen: i32, dl: usize, n: i32, text: usize, textLen: i32): i32 {
  ndelims = n;
  delims = alloc(<usize>(n > 0 ? n : 1) * 8);
  for (let i = 0; i < n; i++) {
    const p = load<usize>(dl + (<usize>i << 3));
    const l = load<i32>(dl + (<usize>i << 3), 4);
    if (l == 0) return -1;
    const c = decodeAt(p, l, 0);
    if (cpLen != l) return -1;
    store<i32>(delims + (<usize>i << 3), c);
    store<i32>(delims + (<usize>i << 3), c, 4);
  }
  resetParser(pat, patLen);
  const tree = globAlt(false);
  if (failed || pos != srcLen) return -1;
  const anchoredTree = cat(tree, node(K_ASSERT, A_EOT, 0, 0));
  if (!compile(anchoredTree)) return -1;
  return run(text, textLen, true) ? 1 : 0;
}
