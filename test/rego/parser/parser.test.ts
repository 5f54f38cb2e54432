import { strict as assert } from 'node:assert';
import type { Module } from '../../../src/rego/ast.js';
import { parseModule, parseTerm } from '../../../src/rego/parser.js';
import { showBody, showRule, showTerm } from './show-ast.js';

function parseOk(src: string): Module {
  const r = parseModule(src, 'm.rego');
  if (!r.ok) assert.fail(`unexpected diagnostics: ${JSON.stringify(r.diagnostics)}`);
  return r.module;
}

function body(exprs: string): string {
  const m = parseOk(`package t\n\np if {\n${exprs}\n}\n`);
  const rule = m.rules[0];
  assert.ok(rule);
  return showBody(rule.body);
}

function rules(src: string): string[] {
  return parseOk(`package t\n${src}\n`).rules.map(showRule);
}

function errors(src: string): Array<[string, number, number]> {
  const r = parseModule(src, 'm.rego');
  assert.equal(r.ok, false, 'expected diagnostics');
  return r.ok ? [] : r.diagnostics.map((d) => [d.code, d.line, d.col]);
}

describe('rego parser', () => {
  describe('terms', () => {
    const cases: Array<[string, string]> = [
      ['null', 'null'],
      ['true', 'true'],
      ['-1', '-1'],
      ['- 2.5', '-2.5'],
      ['1e3', '1e3'],
      ['"a\\nb"', '"a\\nb"'],
      ['`a\\nb`', '"a\\\\nb"'],
      ['[]', '[]'],
      ['[1, "a", [true]]', '[1, "a", [true]]'],
      ['[1, 2,]', '[1, 2]'],
      ['{}', '{}'],
      ['{"a": 1, "b": [2]}', '{"a": 1, "b": [2]}'],
      ['{"a": 1,}', '{"a": 1}'],
      ['{[1, 2]: "k", {"x": 1}: 2}', '{[1, 2]: "k", {"x": 1}: 2}'],
      ['{1, 2, 3}', '{1, 2, 3}'],
      ['set()', 'set()'],
      ['{1}', '{1}'],
      ['{x + 1: y * 2}', '{plus(x, 1): mul(y, 2)}'],
      ['{x + 1, 2}', '{plus(x, 1), 2}'],
      ['input', 'input'],
      ['input.a.b', 'input.a.b'],
      ['input["a-b"].c', 'input["a-b"].c'],
      ['data.p[x].q[_]', 'data.p[x].q[$0]'],
      ['input.a[x + 1]', 'input.a[plus(x, 1)]'],
      ['input.a[[1, 2]]', 'input.a[[1, 2]]'],
      ['input.contains', 'input.contains'],
      ['count(x)', 'count(x)'],
      ['object.get(o, "k", null)', 'object.get(o, "k", null)'],
      ['data.p.f(1, 2)', 'data.p.f(1, 2)'],
      ['f(x).y[0]', 'f(x).y[0]'],
      ['[1, 2][i]', '[1, 2][i]'],
      ['{"a": 1}.a', '{"a": 1}.a'],
      ['f()', 'f()'],
      ['f(1,)', 'f(1)'],
      ['[x | x := 1]', '[x | assign(x, 1)]'],
      ['{x | some x in xs}', '{x | some x in xs}'],
      ['{k: v | some k, v in o}', '{k: v | some k, v in o}'],
      ['[x | x := y[_]; x > 1]', '[x | assign(x, y[$0]); gt(x, 1)]'],
      ['[[x, y] | x := 1\n y := 2]', '[[x, y] | assign(x, 1); assign(y, 2)]'],
      ['{a | b}', '{a | b}'],
      ['(1 + 2) * 3', 'mul(plus(1, 2), 3)'],
      ['1 + 2 * 3', 'plus(1, mul(2, 3))'],
      ['1 - 2 - 3', 'minus(minus(1, 2), 3)'],
      ['8 / 4 % 3', 'rem(div(8, 4), 3)'],
      ['a | b & c', 'or(a, and(b, c))'],
      ['a & b | c', 'or(and(a, b), c)'],
      ['a + 1 == b', 'equal(plus(a, 1), b)'],
      ['a < b == true', 'equal(lt(a, b), true)'],
      ['x in xs', 'internal.member_2(x, xs)'],
      ['k, v in o', 'internal.member_3(k, v, o)'],
      ['x + 1 in xs', 'internal.member_2(plus(x, 1), xs)'],
      ['x in xs == true', 'internal.member_2(x, equal(xs, true))'],
      ['1 - -1', 'minus(1, -1)'],
      ['x-1', 'minus(x, 1)'],
      ['contains(x, "a")', 'contains(x, "a")'],
      ['[x * 2 | x := 1]', '[mul(x, 2) | assign(x, 1)]'],
      ['{k: v + 1 | some k, v in o}', '{k: plus(v, 1) | some k, v in o}'],
      ['{x & y | true}', '{and(x, y) | true}'],
      ['[(a | b)]', '[or(a, b)]'],
    ];
    for (const [src, expected] of cases) {
      it(`parses ${JSON.stringify(src)}`, () => {
        const r = parseTerm(src);
        if (!r.ok) assert.fail(JSON.stringify(r.diagnostics));
        assert.equal(showTerm(r.term), expected);
      });
    }
    it('keeps the exact source text of numbers for the planner', () => {
      const r = parseTerm('[0.10, 9007199254740993, 1.5e300]');
      assert.ok(r.ok && r.term.kind === 'array');
      if (r.ok && r.term.kind === 'array') {
        assert.deepEqual(r.term.items.map((t) => (t.kind === 'number' ? t.text : '?')), ['0.10', '9007199254740993', '1.5e300']);
      }
    });
    it('gives every wildcard its own variable', () => {
      const r = parseTerm('[_, _, x]');
      assert.ok(r.ok);
      if (r.ok && r.term.kind === 'array') {
        const names = r.term.items.map((t) => (t.kind === 'var' ? `${t.name}:${t.wildcard}` : '?'));
        assert.deepEqual(names, ['$0:true', '$1:true', 'x:false']);
      }
    });
    it('does not continue a ref across whitespace', () => {
      assert.deepEqual(errors('package t\np if {\n  x := [1]\n  y := x [0]\n}'), [['parse_unexpected_token', 4, 10]]);
    });
  });

  describe('body expressions', () => {
    const cases: Array<[string, string]> = [
      ['x := 1', 'assign(x, 1)'],
      ['x = y', 'eq(x, y)'],
      ['[a, b] := [1, 2]', 'assign([a, b], [1, 2])'],
      ['x := 1 + 2', 'assign(x, plus(1, 2))'],
      ['input.admin', 'input.admin'],
      ['not input.blocked', 'not input.blocked'],
      ['not f(x) == 1', 'not equal(f(x), 1)'],
      ['some x', 'some x'],
      ['some x, y', 'some x, y'],
      ['some x in xs', 'some x in xs'],
      ['some k, v in input.o', 'some k, v in input.o'],
      ['some [a, b] in pairs', 'some [a, b] in pairs'],
      ['some x in {1, 2} | {3}', 'some x in or({1, 2}, {3})'],
      ['every x in xs { x > 0 }', 'every x in xs { gt(x, 0) }'],
      ['every k, v in o {\n  k != "a"\n  v > 0\n}', 'every k, v in o { neq(k, "a"); gt(v, 0) }'],
      ['x := 1; y := 2', 'assign(x, 1); assign(y, 2)'],
      ['x := 1\n\n  y := 2', 'assign(x, 1); assign(y, 2)'],
      ['x := [\n 1,\n 2\n]', 'assign(x, [1, 2])'],
      ['x := 1 +\n 2', 'assign(x, plus(1, 2))'],
      ['f(x) with input.a as 1', 'f(x) with input.a as 1'],
      ['f(x) with input as {} with data.p.q as [1]', 'f(x) with input as {} with data.p.q as [1]'],
      ['not p with input.x as 2', 'not p with input.x as 2'],
      ['some x in xs with input as 1', 'some x in xs with input as 1'],
      ['x := count([y | some y in input.a; y > 1])', 'assign(x, count([y | some y in input.a; gt(y, 1)]))'],
      ['x == y # trailing comment', 'equal(x, y)'],
    ];
    for (const [src, expected] of cases) {
      it(`parses ${JSON.stringify(src)}`, () => {
        assert.equal(body(src), expected);
      });
    }
  });

  describe('rules', () => {
    const cases: Array<[string, string[]]> = [
      ['p := 1', ['complete p := 1']],
      ['p = 1', ['complete p = 1']],
      ['p if input.x', ['complete p = true if { input.x }']],
      ['p if { input.x }', ['complete p = true if { input.x }']],
      ['p := 2 if { input.x\n input.y }', ['complete p := 2 if { input.x; input.y }']],
      ['p.q.r := 1', ['complete p.q.r := 1']],
      ['p["q"] := 1', ['complete p.q := 1']],
      ['p contains x if { some x in input.xs }', ['partial-set p contains x if { some x in input.xs }']],
      ['p contains "a"', ['partial-set p contains "a"']],
      ['p.q contains 1', ['partial-set p.q contains 1']],
      ['p[k] := v if { some k, v in input.o }', ['partial-object p[k] := v if { some k, v in input.o }']],
      ['p.q[k] := 1 if { k := "a" }', ['partial-object p.q[k] := 1 if { assign(k, "a") }']],
      ['p[k] if { k := "a" }', ['partial-object p[k] = true if { assign(k, "a") }']],
      ['f(x) := x + 1', ['function f(x) := plus(x, 1)']],
      ['f(x, _) := y if { y := x }', ['function f(x, $0) := y if { assign(y, x) }']],
      ['f(x) if x > 1', ['function f(x) = true if { gt(x, 1) }']],
      ['f([a, b]) := a', ['function f([a, b]) := a']],
      ['a.b.f(x) := 1', ['function a.b.f(x) := 1']],
      ['default p := false', ['default complete p := false']],
      ['default p = {"a": [1]}', ['default complete p = {"a": [1]}']],
      ['default f(_) := 0', ['default function f($0) := 0']],
      ['p := 1 if { false } else := 2', ['complete p := 1 if { false } else := 2']],
      ['p := 1 if { false } else := 2 if { true } else := 3', ['complete p := 1 if { false } else := 2 if { true } else := 3']],
      ['p if { false } else if { true }', ['complete p = true if { false } else = true if { true }']],
      ['p := 1 if false else = 2 if true', ['complete p := 1 if { false } else = 2 if { true }']],
      ['f(x) := 1 if x == 1 else := 2', ['function f(x) := 1 if { equal(x, 1) } else := 2']],
      ['p := 1 if {\n  false\n} else := 2 if {\n  true\n}', ['complete p := 1 if { false } else := 2 if { true }']],
      ['p if { a } { b }', ['complete p = true if { a }', 'complete p = true if { b }']],
      ['p := 1\np := 2', ['complete p := 1', 'complete p := 2']],
      ['f(1) := "one"\nf(2) := "two"', ['function f(1) := "one"', 'function f(2) := "two"']],
      ['p := x if { x := {"a": 1} }', ['complete p := x if { assign(x, {"a": 1}) }']],
      ['p := [x | x := 1]', ['complete p := [x | assign(x, 1)]']],
      ['p if {"a": 1} in input.xs', ['complete p = true if { internal.member_2({"a": 1}, input.xs) }']],
      ['p if { input.x }', ['complete p = true if { input.x }']],
      ['p if { input.x == 1 }', ['complete p = true if { equal(input.x, 1) }']],
      ['p if {\n  a\n  b\n}', ['complete p = true if { a; b }']],
      ['p if { a; b }', ['complete p = true if { a; b }']],
      ['p if {}', ['complete p = true if { {} }']],
      ['p if { some x in xs }', ['complete p = true if { some x in xs }']],
    ];
    for (const [src, expected] of cases) {
      it(`parses ${JSON.stringify(src)}`, () => {
        assert.deepEqual(rules(src), expected);
      });
    }
    it('records the rule name and the position of each rule', () => {
      const m = parseOk('package t\n\np.q := 1\n  f(x) := x\n');
      assert.deepEqual(m.rules.map((r) => [r.name, r.loc.line, r.loc.col]), [['p', 3, 1], ['f', 4, 3]]);
    });
    it('marks implicit values so the checker can tell `p if` from `p := true if`', () => {
      const m = parseOk('package t\np if true\nq := true if true');
      assert.deepEqual(m.rules.map((r) => r.valueImplicit), [true, false]);
    });
  });

  describe('modules', () => {
    it('reads the package path, including quoted segments', () => {
      const m = parseOk('package a.b["c-d"]\n');
      assert.deepEqual(m.package.path, ['a', 'b', 'c-d']);
      assert.equal(m.file, 'm.rego');
      assert.deepEqual(m.rules, []);
    });
    it('reads imports with and without aliases, and marks the no-op ones', () => {
      const m = parseOk([
        'package p',
        'import rego.v1',
        'import future.keywords',
        'import future.keywords.in',
        'import data.roles',
        'import data.a.b as c',
        'import input.user',
        'x := 1',
      ].join('\n'));
      assert.deepEqual(m.imports.map((i) => [i.kind, i.path.join('.'), i.alias ?? null, i.loc.line]), [
        ['rego-v1', 'rego.v1', null, 2],
        ['future-keywords', 'future.keywords', null, 3],
        ['future-keywords', 'future.keywords.in', null, 4],
        ['data', 'data.roles', 'roles', 5],
        ['data', 'data.a.b', 'c', 6],
        ['input', 'input.user', 'user', 7],
      ]);
    });
    it('gives terms and expressions their own 1-based positions', () => {
      const m = parseOk('package t\np if {\n\tx := input.a[1]\n}');
      const e = m.rules[0]?.body[0];
      assert.ok(e && e.kind === 'term' && e.term.kind === 'call');
      if (e?.kind === 'term' && e.term.kind === 'call') {
        assert.deepEqual([e.loc.line, e.loc.col], [3, 2]);
        const rhs = e.term.args[1];
        assert.deepEqual([rhs?.loc.line, rhs?.loc.col, rhs?.loc.file], [3, 7, 'm.rego']);
      }
    });
  });

  describe('syntax errors', () => {
    const cases: Array<[string, string, Array<[string, number, number]>]> = [
      ['a missing package', 'p := 1', [['parse_missing_package', 1, 1]]],
      ['a v0 rule body without if', 'package t\np { true }', [['parse_rego_v1_required', 2, 3]]],
      ['a v0 partial set', 'package t\np[x] { x := 1 }', [['parse_rego_v1_required', 2, 1]]],
      ['a v0 else body', 'package t\np := 1 if { false } else = 2 { true }', [['parse_rego_v1_required', 2, 30]]],
      ['a v0 function body', 'package t\nf(x) = y { y := x }', [['parse_rego_v1_required', 2, 10]]],
      ['an unclosed body', 'package t\np if {\n  x := 1\n', [['parse_unexpected_token', 4, 1]]],
      ['two expressions on one line', 'package t\np if { x := 1 y := 2 }', [['parse_unexpected_token', 2, 15]]],
      ['an empty else body', 'package t\np := 1 if { false } else := 2 if {}', [['parse_unexpected_token', 2, 35]]],
      ['an empty comprehension body', 'package t\np := [x | ]', [['parse_unexpected_token', 2, 11]]],
      ['a dangling operator', 'package t\np := 1 +', [['parse_unexpected_token', 2, 9]]],
      ['an unknown import root', 'package t\nimport foo.bar', [['parse_invalid_import', 2, 8]]],
      ['an unknown future keyword', 'package t\nimport future.keywords.nope', [['parse_invalid_import', 2, 8]]],
      ['an aliased rego.v1', 'package t\nimport rego.v1 as r', [['parse_invalid_import', 2, 8]]],
      ['a bad rego import', 'package t\nimport rego.v2', [['parse_invalid_import', 2, 8]]],
      ['a default without value', 'package t\ndefault p', [['parse_invalid_rule_head', 2, 9]]],
      ['a default with a variable value', 'package t\ndefault p := x', [['parse_invalid_rule_head', 2, 9]]],
      ['a default with a body', 'package t\ndefault p := 1 if { true }', [['parse_invalid_rule_head', 2, 16]]],
      ['a rule with neither value nor body', 'package t\np', [['parse_invalid_rule_head', 2, 1]]],
      ['else on a partial set', 'package t\np contains 1 if { false } else := 2', [['parse_invalid_rule_head', 2, 27]]],
      ['contains on a function', 'package t\nf(x) contains 1', [['parse_invalid_rule_head', 2, 6]]],
      ['a variable key in the middle of a head', 'package t\np[x].q := 1 if { x := 1 }', [['parse_unsupported_rule_head', 2, 1]]],
      ['unary minus on a variable', 'package t\np := -x', [['parse_unexpected_token', 2, 7]]],
      ['not some', 'package t\np if { not some x }', [['parse_unexpected_token', 2, 12]]],
      ['some with a non-variable', 'package t\np if { some 1 }', [['parse_invalid_declaration', 2, 13]]],
      ['every without in', 'package t\np if { every x { true } }', [['parse_invalid_declaration', 2, 8]]],
      ['every with a non-variable value', 'package t\np if { every [a] in xs { true } }', [['parse_invalid_declaration', 2, 8]]],
      ['every without a body', 'package t\np if { every x in xs }', [['parse_unexpected_token', 2, 22]]],
      ['a with target that is not a ref', 'package t\np if { f(x) with 1 as 2 }', [['parse_unexpected_token', 2, 18]]],
      ['with without as', 'package t\np if { f(x) with input.a 2 }', [['parse_unexpected_token', 2, 26]]],
      ['calling a non-name', 'package t\np := f(x)(y)', [['parse_invalid_term', 2, 10]]],
      ['an unterminated object', 'package t\np := {"a": 1', [['parse_unexpected_token', 2, 13]]],
      ['a missing colon', 'package t\np := {"a": 1, "b"}', [['parse_unexpected_token', 2, 18]]],
      ['a second package', 'package t\npackage u', [['parse_unexpected_token', 2, 1]]],
      ['a lexer error (reported once)', 'package t\np := "abc', [['lex_unterminated_string', 2, 6]]],
      ['a number with leading zero', 'package t\np := 007', [['lex_invalid_number', 2, 6]]],
    ];
    for (const [what, src, expected] of cases) {
      it(`reports ${what}`, () => {
        assert.deepEqual(errors(src), expected);
      });
    }

    it('reports errors from several rules in one run', () => {
      const src = [
        'package t',
        'a := 1 +',
        'b := 2',
        'c { true }',
        'd := [1, 2',
        'e := 3',
        'f := "x\\q"',
      ].join('\n');
      assert.deepEqual(errors(src), [
        ['parse_unexpected_token', 3, 3],
        ['parse_rego_v1_required', 4, 3],
        ['parse_unexpected_token', 6, 1],
        ['lex_invalid_escape', 7, 8],
      ]);
    });

    it('reports errors from several expressions of one body', () => {
      const src = [
        'package t',
        'p if {',
        '  x := 1 +',
        '  y := "ok"',
        '  z := f(1 2)',
        '  every v in [1] { v > }',
        '  w := [1,',
        '    2 3]',
        '}',
        'q := 1 +',
      ].join('\n');
      assert.deepEqual(errors(src), [
        ['parse_unexpected_token', 4, 5],
        ['parse_unexpected_token', 5, 12],
        ['parse_unexpected_token', 6, 24],
        ['parse_unexpected_token', 8, 7],
        ['parse_unexpected_token', 10, 9],
      ]);
    });

    it('does not invent errors for the expressions that follow a broken one', () => {
      const src = 'package t\np if {\n  x := [1,\n    2,\n  ]]\n  y := 2\n}\nq := 3\n';
      assert.deepEqual(errors(src), [['parse_unexpected_token', 5, 4]]);
    });

    it('says that Rego v1 syntax is required', () => {
      const r = parseModule('package t\nallow { input.admin }', 'x.rego');
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.diagnostics[0]?.file, 'x.rego');
        assert.match(r.diagnostics[0]?.message ?? '', /v1/);
      }
    });
  });
});

describe('rego parser on large inputs', () => {
  it('parses deeply nested literals without re-parsing them per nesting level', () => {
    let v = '1';
    for (let i = 0; i < 40; i++) v = `{"k${i}": [${v}, {"x": ${i}}]}`;
    const r = parseModule(`package t\np := ${v}\n`, 'deep.rego');
    assert.equal(r.ok, true);
  });
});
