import { strict as assert } from "node:assert";
import { loadRuntime } from "./runtime-harness.js";
import { seededRandom as rng } from "../../support/seeded-random.js";

// Patterns from the syntax where RE2 and JavaScript agree on whether a text matches.
function genPattern(r: () => number, depth: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const atom = (): string => {
    const k = Math.floor(r() * (depth > 2 ? 5 : 7));
    switch (k) {
      case 0: case 1: return pick(["a", "b", "c", "é"]);
      case 2: return ".";
      case 3: return pick(["[ab]", "[^a]", "[a-c]", "[^\\n]", "\\d", "\\w", "\\s", "[é-ë]"]);
      case 4: return pick(["^", "$", "\\b"]);
      case 5: return `(${genPattern(r, depth + 1)})`;
      default: return `(?:${genPattern(r, depth + 1)}|${genPattern(r, depth + 1)})`;
    }
  };
  let out = "";
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    let a = atom();
    if (!/^[\^$]$|^\\b$/.test(a) && r() < 0.4) a += pick(["*", "+", "?", "{2}", "{1,3}", "{0,}", "*?", "+?", "??", "{1,2}?"]);
    out += a;
  }
  return out;
}

function genText(r: () => number): string {
  const n = Math.floor(r() * 8);
  let s = "";
  for (let i = 0; i < n; i++) s += "abcé1 \n"[Math.floor(r() * 7)] ?? "";
  return s;
}

describe("runtime regex.match against JavaScript RegExp on random patterns", () => {
  it("agrees on whether each text matches", () => {
    const rt = loadRuntime();
    const r = rng(77);
    let matches = 0;
    for (let i = 0; i < 3000; i++) {
      const pattern = genPattern(r, 0);
      const js = new RegExp(pattern, "u");
      for (let k = 0; k < 5; k++) {
        const text = genText(r);
        const base = rt.heapPtr();
        const got = rt.call("opa_bi_regex_match", rt.str(pattern), rt.str(text));
        assert.notEqual(got, 0, `pattern ${pattern} was refused`);
        const want = js.test(text);
        assert.equal(rt.dump(got), String(want), `regex.match(${JSON.stringify(pattern)}, ${JSON.stringify(text)})`);
        if (want) matches++;
        rt.setHeapPtr(base);
      }
    }
    assert.ok(matches > 3000 && matches < 12000, `${matches} matches`);
  });
});

// Go's FindAllString over JavaScript's leftmost-first matcher: after an empty match the search
// moves one code point on, and an empty match right after the previous match is dropped.
function goFindAll(pattern: string, text: string): string[] {
  const re = new RegExp(pattern, "gu");
  const out: string[] = [];
  let pos = 0;
  let prevEnd = -1;
  while (pos <= text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) break;
    const start = m.index, end = start + m[0].length;
    let accept = true;
    if (end === start) {
      if (start === prevEnd) accept = false;
      const cp = text.codePointAt(start);
      pos = start >= text.length ? text.length + 1 : start + (cp !== undefined && cp > 0xffff ? 2 : 1);
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push(m[0]);
  }
  return out;
}

function goSplit(pattern: string, text: string): string[] {
  if (pattern.length > 0 && text.length === 0) return [""];
  const re = new RegExp(pattern, "gu");
  const bounds: Array<[number, number]> = [];
  let pos = 0;
  let prevEnd = -1;
  while (pos <= text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) break;
    const start = m.index, end = start + m[0].length;
    let accept = true;
    if (end === start) {
      if (start === prevEnd) accept = false;
      const cp = text.codePointAt(start);
      pos = start >= text.length ? text.length + 1 : start + (cp !== undefined && cp > 0xffff ? 2 : 1);
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) bounds.push([start, end]);
  }
  const out: string[] = [];
  let beg = 0, end = 0;
  for (const [s0, e0] of bounds) {
    end = s0;
    if (e0 !== 0) out.push(text.slice(beg, end));
    beg = e0;
  }
  if (end !== text.length) out.push(text.slice(beg));
  return out;
}

// Go's Regexp.Expand over a JavaScript match.
function goExpand(template: string, m: RegExpExecArray): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const c = template[i] ?? "";
    if (c !== "$" || i + 1 >= template.length) {
      out += c;
      i++;
      continue;
    }
    if (template[i + 1] === "$") {
      out += "$";
      i += 2;
      continue;
    }
    const braced = template[i + 1] === "{";
    const mm = (braced ? /^\{([A-Za-z0-9_]+)\}/ : /^([A-Za-z0-9_]+)/).exec(template.slice(i + 1));
    if (mm === null) {
      out += "$";
      i++;
      continue;
    }
    const name = mm[1] ?? "";
    const value = /^\d+$/.test(name) ? (Number(name) < m.length ? m[Number(name)] : undefined) : m.groups?.[name];
    out += value ?? "";
    i += 1 + mm[0].length;
  }
  return out;
}

// Go's ReplaceAllString loop over JavaScript's matcher.
function goReplaceAll(pattern: string, text: string, repl: string): string {
  const re = new RegExp(pattern, "gu");
  let out = "";
  let searchPos = 0;
  let lastMatchEnd = 0;
  while (searchPos <= text.length) {
    re.lastIndex = searchPos;
    const m = re.exec(text);
    if (m === null) break;
    const start = m.index, end = start + m[0].length;
    out += text.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += goExpand(repl, m);
    lastMatchEnd = end;
    const cp = text.codePointAt(searchPos);
    const width = searchPos < text.length ? (cp !== undefined && cp > 0xffff ? 2 : 1) : 1;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + text.slice(lastMatchEnd);
}

const TEMPLATES = ["<>", "[$1]", "${1}x", "$0$0", "$$", "$2-$1", "$1x", "$", "${x", "$9"];

// Go's FindAllStringSubmatch: the same matches as goFindAll, with groups ("" when unmatched).
function goSubmatches(pattern: string, text: string): string[][] {
  const re = new RegExp(pattern, "gu");
  const out: string[][] = [];
  let pos = 0;
  let prevEnd = -1;
  while (pos <= text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) break;
    const start = m.index, end = start + m[0].length;
    let accept = true;
    if (end === start) {
      if (start === prevEnd) accept = false;
      const cp = text.codePointAt(start);
      pos = start >= text.length ? text.length + 1 : start + (cp !== undefined && cp > 0xffff ? 2 : 1);
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push(Array.from(m, (g) => g ?? ""));
  }
  return out;
}

describe("runtime regex.find_n, regex.split and regex.replace against Go's rules over JavaScript matches", () => {
  it("finds the same leftmost-first matches, splits and replaces the same way", () => {
    const rt = loadRuntime();
    const r = rng(4242);
    let nonEmpty = 0;
    for (let i = 0; i < 2000; i++) {
      const pattern = genPattern(r, 0);
      // JavaScript rejects a repetition whose iteration matches empty (ES RepeatMatcher); RE2 and
      // Go do not, so match bounds differ for quantified groups that can match empty
      if (/\)[*+?{]/.test(pattern)) continue;
      for (let k = 0; k < 4; k++) {
        const text = genText(r);
        const base = rt.heapPtr();
        const found = rt.call("opa_bi_regex_find_n", rt.str(pattern), rt.str(text), rt.num("-1"));
        assert.notEqual(found, 0, `pattern ${pattern} was refused`);
        const want = goFindAll(pattern, text);
        assert.deepEqual(JSON.parse(rt.dump(found)), want, `regex.find_n(${JSON.stringify(pattern)}, ${JSON.stringify(text)}, -1)`);
        const split = rt.call("opa_bi_regex_split", rt.str(pattern), rt.str(text));
        assert.deepEqual(JSON.parse(rt.dump(split)), goSplit(pattern, text), `regex.split(${JSON.stringify(pattern)}, ${JSON.stringify(text)})`);
        const template = TEMPLATES[Math.floor(r() * TEMPLATES.length)] ?? "";
        const replaced = rt.call("opa_bi_regex_replace", rt.str(text), rt.str(pattern), rt.str(template));
        assert.equal(JSON.parse(rt.dump(replaced)), goReplaceAll(pattern, text, template),
          `regex.replace(${JSON.stringify(text)}, ${JSON.stringify(pattern)}, ${JSON.stringify(template)})`);
        const subs = rt.call("opa_bi_regex_find_all_string_submatch_n", rt.str(pattern), rt.str(text), rt.num("-1"));
        assert.deepEqual(JSON.parse(rt.dump(subs)), goSubmatches(pattern, text),
          `regex.find_all_string_submatch_n(${JSON.stringify(pattern)}, ${JSON.stringify(text)}, -1)`);
        if (want.some((m) => m !== "")) nonEmpty++;
        rt.setHeapPtr(base);
      }
    }
    assert.ok(nonEmpty > 500, `${nonEmpty} cases with non-empty matches`);
  });

  it("limits find_n to n matches", () => {
    const rt = loadRuntime();
    const found = rt.call("opa_bi_regex_find_n", rt.str("[0-9]+"), rt.str("a1b22c333"), rt.num("2"));
    assert.equal(rt.dump(found), '["1","22"]');
    assert.equal(rt.dump(rt.call("opa_bi_regex_split", rt.str(","), rt.str("a,b,,c"))), '["a","b","","c"]');
    assert.equal(rt.call("opa_bi_regex_find_n", rt.str("\\p{L}"), rt.str("a"), rt.num("-1")), 0);
    assert.equal(rt.dump(rt.call("opa_bi_regex_replace", rt.str("a-b_c"), rt.str("[-_]"), rt.str("."))), '"a.b.c"');
    assert.equal(rt.dump(rt.call("opa_bi_regex_replace", rt.str("ab"), rt.str("(a)"), rt.str("<$1>"))), '"<a>b"');
    assert.equal(
      rt.dump(rt.call("opa_bi_regex_replace", rt.str("/w/ml/m/x"), rt.str("^/w/(?P<ws>[^/]+)/m/(?<model>.+)$"), rt.str("${model}@$ws"))),
      '"x@ml"',
    );
    assert.equal(rt.dump(rt.call("opa_bi_regex_find_all_string_submatch_n", rt.str("(a)|(b)"), rt.str("ab"), rt.num("-1"))), '[["a","a",""],["b","","b"]]');
  });
});

