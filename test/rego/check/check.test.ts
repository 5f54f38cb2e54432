import assert from 'node:assert/strict';
import type { Module, Rule } from '../../../src/rego/ast.js';
import { CheckCodes, checkModules } from '../../../src/rego/check.js';
import { compilePlan } from '../../../src/rego/compile-plan.js';
import type { Diagnostic } from '../../../src/rego/diagnostics.js';
import { parseModule } from '../../../src/rego/parser.js';

function parse(source: string, file = 'policy.rego'): Module {
  const r = parseModule(source, file);
  if (!r.ok) throw new Error(`parse failed: ${JSON.stringify(r.diagnostics)}`);
  return r.module;
}

function check(...sources: string[]): Diagnostic[] {
  const result = checkModules(sources.map((s, i) => parse(s, i === 0 ? 'policy.rego' : `m${i}.rego`)));
  return result.ok ? [] : result.diagnostics;
}

/** `code@file:line:col` for each diagnostic, in report order. */
function where(diags: readonly Diagnostic[]): string[] {
  return diags.map((d) => `${d.code}@${d.file}:${d.line}:${d.col}`);
}

interface Case {
  readonly name: string;
  readonly src: string;
  readonly want: readonly string[];
}

const negative: readonly Case[] = [
  { name: 'a variable no expression binds is unsafe', src: 'package t\np if { x > 1 }', want: ['unsafe_var@policy.rego:2:8'] },
  { name: 'a head variable the body does not bind is unsafe', src: 'package t\np := y if { true }', want: ['unsafe_var@policy.rego:2:6'] },
  { name: 'a variable only used under not is unsafe', src: 'package t\nf(_) := true\np if { not f(x) }', want: ['unsafe_var@policy.rego:3:14'] },
  { name: 'a wildcard under not (as OPA: negate a helper rule instead)', src: 'package t\np if not input.xs[_] == 1', want: ['unsafe_var@policy.rego:2:19'] },
  { name: 'a ref variable under not that nothing else binds', src: 'package t\np if not input.xs[i]', want: ['unsafe_var@policy.rego:2:19'] },
  { name: 'a comprehension head variable its body does not bind is unsafe', src: 'package t\np := [y | some x in input.xs]', want: ['unsafe_var@policy.rego:2:7'] },
  { name: 'a variable unbound inside every is unsafe', src: 'package t\np if every x in input.xs { x > z }', want: ['unsafe_var@policy.rego:2:32'] },
  { name: 'a unification of two unbound variables', src: 'package t\np if { x = y }', want: ['unsafe_var@policy.rego:2:12'] },
  { name: 'an unknown built-in is named', src: 'package t\np if foo.bar(1)', want: ['unknown_function@policy.rego:2:6'] },
  { name: 'a call of a function of another package that does not exist is unknown', src: 'package t\np if data.lib.nope(1)', want: ['unknown_function@policy.rego:2:6'] },
  { name: 'an unknown function inside print arguments', src: 'package t\np if { print(nope(1)) }', want: ['unknown_function@policy.rego:2:14'] },
  { name: 'a built-in with too many arguments is an arity error', src: 'package t\np if count(1, 2, 3)', want: ['wrong_arity@policy.rego:2:6'] },
  { name: 'a user function with too few arguments is an arity error', src: 'package t\nf(a, b) := a\np := f(1)', want: ['wrong_arity@policy.rego:3:6'] },
  { name: 'the relational form is not allowed nested in a term', src: 'package t\np := [count([1], n)]', want: ['wrong_arity@policy.rego:2:7'] },
  { name: 'mutual recursion between rules', src: 'package t\np if q\nq if p', want: ['recursion@policy.rego:2:1'] },
  { name: 'a function calling itself', src: 'package t\nf(x) := f(x)', want: ['recursion@policy.rego:2:1'] },
  { name: 'recursion through the package document', src: 'package t\np := count(data.t)', want: ['recursion@policy.rego:2:1'] },
  { name: 'two defaults for one rule', src: 'package t\ndefault p := 1\ndefault p := 2', want: ['multiple_defaults@policy.rego:3:1'] },
  { name: 'a rule defined both complete and partial', src: 'package t\np := 1\np contains 2', want: ['rule_kind_conflict@policy.rego:3:1'] },
  { name: 'a function defined with different arities', src: 'package t\nf(x) := 1\nf(x, y) := 2', want: ['function_arity_conflict@policy.rego:3:1'] },
  { name: 'a rule inside another rule document', src: 'package t\np := 1\np.q := 2', want: ['rule_path_conflict@policy.rego:3:1'] },
  { name: 'a rule nested two levels inside a partial object rule', src: 'package t\np[k] := 1 if some k in input.ks\np.q.r := 2', want: ['rule_path_conflict@policy.rego:3:1'] },
  { name: 'a partial set rule inside a partial object rule', src: 'package t\np[k] := 1 if some k in input.ks\np.q contains 2', want: ['rule_path_conflict@policy.rego:3:1'] },
  { name: ':= to a constant', src: 'package t\np if { 1 := 2 }', want: ['invalid_assignment@policy.rego:2:8'] },
  { name: ':= to input', src: 'package t\np if { input := 2 }', want: ['invalid_assignment@policy.rego:2:8'] },
  { name: 'a variable declared twice', src: 'package t\np if { x := 1; x := 2 }', want: ['var_redeclared@policy.rego:2:16'] },
  { name: 'a variable declared after it was used', src: 'package t\np if { x > 0; x := 2 }', want: ['var_redeclared@policy.rego:2:15'] },
  { name: 'with on something that is not input or data', src: 'package t\np if { true with foo as 1 }', want: ['invalid_with_target@policy.rego:2:18'] },
  { name: 'with replacing part of a rule document', src: 'package t\nq := {"a": 1}\np if { q with data.t.q.a as 2 }', want: ['with_on_rule_unsupported@policy.rego:3:10'] },
  { name: 'with replacing a function', src: 'package t\nf(x) := x\np if { f(1) with data.t.f as 2 }', want: ['with_on_rule_unsupported@policy.rego:3:13'] },
  { name: 'a function used as a value', src: 'package t\nf(x) := 1\np := f', want: ['function_used_as_value@policy.rego:3:6'] },
  { name: 'an import alias that shadows a rule', src: 'package t\nimport data.x.p\np := 1', want: ['import_conflict@policy.rego:2:1'] },
  { name: 'an import alias that shadows input', src: 'package t\nimport data.x as input\np := 1', want: ['import_conflict@policy.rego:2:1'] },
];

describe('semantic checks', () => {
  for (const c of negative) {
    it(`reports ${c.name}`, () => {
      assert.deepEqual(where(check(c.src)), c.want);
    });
  }

  it('reports every problem of a module in one run', () => {
    const diags = check('package t\np if { x > 1 }\nq if foo(1)\nr if r');
    assert.deepEqual(diags.map((d) => d.code), ['unsafe_var', 'unknown_function', 'recursion']);
  });

  it('reports recursion across packages', () => {
    const diags = check('package a\np if data.b.q', 'package b\nq if data.a.p');
    assert.deepEqual(diags.map((d) => d.code), ['recursion']);
  });

  it('reports a default that is not a constant', () => {
    // The parser rejects this already; the checker guards the planner independently of it.
    const module = parse('package t\ndefault p := 1');
    const rule = module.rules[0] as Rule;
    const value = { kind: 'var' as const, name: 'x', wildcard: false, loc: { file: 'policy.rego', line: 2, col: 14 } };
    const mutated: Module = { ...module, rules: [{ ...rule, value }] };
    const result = checkModules([mutated]);
    assert.equal(result.ok, false);
    assert.deepEqual(where(result.ok ? [] : result.diagnostics), ['default_not_constant@policy.rego:2:14']);
  });

  it('reports a default on a partial rule', () => {
    const module = parse('package t\ndefault p := 1\np contains 1');
    const rules = module.rules.map((r) => (r.isDefault ? { ...r, kind: 'partial-set' as const } : r));
    const result = checkModules([{ ...module, rules }]);
    assert.deepEqual(where(result.ok ? [] : result.diagnostics), ['default_on_partial_rule@policy.rego:2:1']);
  });

  it('reports an entrypoint that names nothing', () => {
    const r = compilePlan({ modules: [{ file: 'policy.rego', source: 'package t\np := 1' }], entrypoints: ['t/nope'] });
    assert.equal(r.ok, false);
    assert.deepEqual(r.ok ? [] : r.diagnostics.map((d) => d.code), [CheckCodes.unknownEntrypoint]);
  });

  describe('accepts', () => {
    const valid: readonly [string, string][] = [
      ['variables bound by later expressions (reordered)', 'package t\np if { y := x + 1; x = 2; y > 0 }'],
      ['variables bound by ref iteration', 'package t\np contains k if input.o[k].on'],
      ['the relational form of a built-in', 'package t\np := n if count([1], n)'],
      ['functions of another package through an import alias', 'package t\nimport data.lib\np if lib.f(1)'],
      ['with on base data and input', 'package t\nq := 1\np if { q with data.cfg.x as 2 with input.a as 1 }'],
      ['with replacing a rule document or a package', 'package t\nq := 1\np if { q with data.t.q as 2 }\nr if { q with data.t as {} }'],
      ['shadowing with := in a comprehension', 'package t\np if { x := 1; y := [x | x := 2]; y[0] == 2; x == 1 }'],
      ['some-declared variables in several bodies', 'package t\np if { some i; input.xs[i] }\nq if { some i; input.ys[i] }'],
      ['else chains on functions', 'package t\nf(x) := 1 if x > 1 else := 2'],
    ];
    for (const [name, src] of valid) {
      it(name, () => {
        const lib = 'package lib\nf(x) if x > 0\n';
        assert.deepEqual(where(check(src, lib)), []);
      });
    }
  });
});

describe('rule and base data conflicts', () => {
  const compile = (source: string, data: unknown): string[] => {
    const r = compilePlan({ modules: [{ file: 'policy.rego', source }], entrypoints: ['t/p'], data });
    return r.ok ? [] : where(r.diagnostics);
  };

  it('reports a rule and a base document at the same path', () => {
    assert.deepEqual(compile('package t\np := 1\nroles := {}', { t: { roles: {} } }), ['rule_data_conflict@policy.rego:3:1']);
  });

  it('reports base data that is not an object above a rule', () => {
    assert.deepEqual(compile('package t\np := 1', { t: 5 }), ['rule_data_conflict@policy.rego:2:1']);
  });

  it('accepts base data beside the rules of a package', () => {
    assert.deepEqual(compile('package t\np := 1', { t: { roles: {} } }), []);
  });
});
