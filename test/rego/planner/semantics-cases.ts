// Rego programs with the values OPA's interpreter gives them (checked against the facts in
// notes/rego-semantics.md). Run by the IR oracle and, end to end, through opa-wasm.

export const pkg = (body: string): string => `package t\n${body}\n`;

export interface SemanticsCase {
  readonly name: string;
  readonly src: string;
  readonly rule?: string;
  readonly input?: unknown;
  readonly data?: unknown;
  /** `undefined` means the entrypoint is undefined (empty result set). */
  readonly want: unknown;
  /** Extra modules compiled with `src`. */
  readonly extra?: readonly string[];
}

export const SEMANTICS_CASES: readonly SemanticsCase[] = [
  // results and undefined
  { name: 'a rule whose body fails is undefined, not false', src: pkg('p if input.x == 1'), input: { x: 2 }, want: undefined },
  { name: 'default gives an undefined rule its value', src: pkg('default p := false\np if input.x == 1'), input: { x: 2 }, want: false },
  { name: 'default does not override a defined value', src: pkg('default p := false\np if input.x == 1'), input: { x: 1 }, want: true },
  { name: 'a rule defined as false stays false (defined)', src: pkg('p := false if true'), want: false },
  { name: 'not succeeds on an undefined expression', src: pkg('p if not input.missing'), input: {}, want: true },
  { name: 'not succeeds on a false expression', src: pkg('p if not input.f'), input: { f: false }, want: true },
  { name: 'not fails on a true expression', src: pkg('p if not input.f'), input: { f: true }, want: undefined },
  { name: 'not of a rule that iterates fails when any element matches', src: pkg('has(v) if input.xs[_] == v\np if not has(2)'), input: { xs: [1, 2, 3] }, want: undefined },
  { name: 'not of a rule that iterates succeeds when no element matches', src: pkg('has(v) if input.xs[_] == v\np if not has(5)'), input: { xs: [1, 2, 3] }, want: true },
  { name: 'not over a lookup with a variable bound later in the body', src: pkg('p contains k if { not input.deny[k]; k = input.ks[_] }'), input: { ks: ['a', 'b'], deny: { a: true } }, want: ['b'] },
  { name: 'not over a comprehension that iterates', src: pkg('p if not count([x | some x in input.xs; x > 2]) > 0'), input: { xs: [1, 2] }, want: true },
  { name: 'a built-in error makes the expression undefined', src: pkg('p := x if x := 3 / 0'), want: undefined },
  { name: 'a false expression in body position fails the body', src: pkg('p if { startswith("abc", "x") }'), want: undefined },
  { name: 'the same value from two bodies is not a conflict', src: pkg('p := 1 if true\np := 1 if input.a'), input: { a: true }, want: 1 },
  { name: 'an entrypoint without input evaluates rules that do not read it', src: pkg('p := 7'), want: 7 },
  { name: 'a reference into absent input is undefined', src: pkg('p if input.a.b'), want: undefined },
  // else
  { name: 'else: the first clause that succeeds gives the value', src: pkg('p := 1 if input.a else := 2 if input.b else := 3'), input: { b: true }, want: 2 },
  { name: 'else: later clauses do not run once one succeeded', src: pkg('p := 1 if input.a else := 2'), input: { a: true }, want: 1 },
  { name: 'else: all clauses failing is undefined', src: pkg('p := 1 if input.a else := 2 if input.b'), input: {}, want: undefined },
  { name: 'default applies when a whole else chain fails', src: pkg('default p := 0\np := 1 if input.a else := 2 if input.b'), input: {}, want: 0 },
  { name: 'an else chain beside another definition of the rule', src: pkg('p := 1 if input.a else := 2\np := 2 if input.b'), input: { b: true }, want: 2 },
  { name: 'an else clause with its own iteration', src: pkg('p := 1 if input.a else := x if { some x in input.xs; x > 5 }'), input: { xs: [1, 7] }, want: 7 },
  // functions
  { name: 'functions with several definitions pick the matching one', src: pkg('f(1) := "one"\nf(2) := "two"\np := [f(1), f(2)]'), want: ['one', 'two'] },
  { name: 'a function whose bodies all fail makes the caller undefined', src: pkg('f(x) := 1 if x > 10\np := f(1)'), want: undefined },
  { name: 'function parameters destructure arrays', src: pkg('f([a, b]) := a + b\np := f([2, 3])'), want: 5 },
  { name: 'function parameters shadow rules of the same name', src: pkg('x := 100\nf(x) := x + 1\np := f(1)'), want: 2 },
  { name: 'a function parameter used twice must match both arguments', src: pkg('same(x, x) := true\np := [a, b] if { a := same(1, 1); b := count([y | same(1, 2); y := 1]) }'), want: [true, 0] },
  { name: 'a function with else', src: pkg('f(x) := "big" if x > 10 else := "small"\np := [f(1), f(20)]'), want: ['small', 'big'] },
  { name: 'a default function value applies when no definition matches', src: pkg('default f(_) := 0\nf(x) := 1 if x == 1\np := [f(1), f(2)]'), want: [1, 0] },
  // partial rules
  { name: 'partial set rules collect every element, sorted', src: pkg('p contains x if some x in input.xs'), input: { xs: [3, 1, 2, 1] }, want: [1, 2, 3] },
  { name: 'partial set rules with no element are the empty set', src: pkg('p contains x if { some x in input.xs; x > 9 }'), input: { xs: [1] }, want: [] },
  { name: 'partial object rules map keys to values', src: pkg('p[k] := v if { some k, v in input.o; v > 1 }'), input: { o: { a: 1, b: 2, c: 3 } }, want: { b: 2, c: 3 } },
  { name: 'incremental definitions of a partial set are one rule', src: pkg('p contains "a" if true\np contains "b" if true'), want: ['a', 'b'] },
  { name: 'multi-segment rule heads build nested documents', src: pkg('a.b.c := 1\na.b.d := 2\np := a'), want: { b: { c: 1, d: 2 } } },
  { name: 'a single-value rule may give one key of a partial object rule', src: pkg('o[k] := 1 if some k in input.ks\no.fixed := 2\np := o'), input: { ks: ['a'] }, want: { a: 1, fixed: 2 } },
  { name: 'a key given by a single-value rule is read through the partial object', src: pkg('o[k] := 1 if some k in input.ks\no.fixed := 2\np := o.fixed'), input: { ks: [] }, want: 2 },
  { name: 'a partial object and a key rule agreeing on a value is no conflict', src: pkg('o[k] := 2 if some k in input.ks\no.fixed := 2\np := o'), input: { ks: ['fixed'] }, want: { fixed: 2 } },
  // some / in / every
  { name: 'some x in iterates array values', src: pkg('p contains x if some x in ["b", "a"]'), want: ['a', 'b'] },
  { name: 'some k, v in gives object keys and values', src: pkg('p contains [k, v] if some k, v in {"a": 1, "b": 2}'), want: [['a', 1], ['b', 2]] },
  { name: 'some k, v in gives array indexes', src: pkg('p contains k if some k, "x" in ["y", "x", "x"]'), want: [1, 2] },
  { name: 'x in coll is membership over values', src: pkg('p if 2 in input.xs'), input: { xs: [1, 2] }, want: true },
  { name: 'x in object looks at values, not keys', src: pkg('p if "a" in {"a": 1}'), want: undefined },
  { name: 'k, v in coll checks a pair', src: pkg('p if "a", 1 in {"a": 1}'), want: true },
  { name: 'every holds when the body holds for all elements', src: pkg('p if every x in input.xs { x > 0 }'), input: { xs: [1, 2] }, want: true },
  { name: 'every fails when one element fails', src: pkg('p if every x in input.xs { x > 1 }'), input: { xs: [1, 2] }, want: undefined },
  { name: 'every over an empty collection holds', src: pkg('p if every x in input.xs { x > 1 }'), input: { xs: [] }, want: true },
  { name: 'every with key and value', src: pkg('p if every k, v in input.o { k == v }'), input: { o: { a: 'a', b: 'b' } }, want: true },
  { name: 'every sees variables bound before it', src: pkg('p if { m := 2; every x in input.xs { x < m } }'), input: { xs: [0, 1] }, want: true },
  { name: 'some k, v in a set gives the element as both', src: pkg('p := [[k, v] | some k, v in {"b", "a"}]'), want: [['a', 'a'], ['b', 'b']] },
  { name: 'some-in over a string does not iterate', src: pkg('p := [c | some c in input.s]'), input: { s: 'abc' }, want: [] },
  { name: 'a ref variable over a number does not iterate', src: pkg('p := [k | input.n[k]]'), input: { n: 5 }, want: [] },
  { name: 'every over a string holds vacuously', src: pkg('p if every c in input.s { c == "x" }'), input: { s: 'abc' }, want: true },
  // comprehensions
  { name: 'array comprehension keeps order and duplicates', src: pkg('p := [y | some x in input.xs; y := x * 2]'), input: { xs: [2, 1, 2] }, want: [4, 2, 4] },
  { name: 'set comprehension', src: pkg('p := {x | some x in input.xs}'), input: { xs: [2, 1, 2] }, want: [1, 2] },
  { name: 'object comprehension', src: pkg('p := {k: v | some k, v in input.xs}'), input: { xs: ['a', 'b'] }, want: { 0: 'a', 1: 'b' } },
  { name: 'a comprehension with no results is empty, not undefined', src: pkg('p := [x | some x in input.xs; x > 5]'), input: { xs: [1] }, want: [] },
  { name: 'comprehensions capture outer variables', src: pkg('p := [x | some x in input.xs; x > m] if m := 1'), input: { xs: [1, 2, 3] }, want: [2, 3] },
  // unification, assignment, equality
  { name: 'unification destructures arrays both ways', src: pkg('p := [x, y] if [x, 1] = [2, y]'), want: [2, 1] },
  { name: 'unification destructures a value into an array pattern', src: pkg('p := b if [_, b] = input.pair'), input: { pair: [1, 'two'] }, want: 'two' },
  { name: 'array patterns of the wrong length fail', src: pkg('p := b if [_, b] = input.pair'), input: { pair: [1, 2, 3] }, want: undefined },
  { name: 'object patterns destructure', src: pkg('p := v if { {"a": v} = input.o }'), input: { o: { a: 5 } }, want: 5 },
  { name: 'unification with a bound variable compares', src: pkg('p if { x := 1; x = input.v }'), input: { v: 1 }, want: true },
  { name: '== compares values of different types as unequal', src: pkg('p if 1 == "1"'), want: undefined },
  { name: '!= on different types holds', src: pkg('p if 1 != "1"'), want: true },
  { name: 'the relational form of a built-in binds its output', src: pkg('p := n if count(input.xs, n)'), input: { xs: [1, 2] }, want: 2 },
  { name: 'body expressions are reordered so variables are bound first', src: pkg('p := y if { y := x + 1; x = input.a }'), input: { a: 1 }, want: 2 },
  // references with variables
  { name: 'a ref with variables iterates', src: pkg('p contains k if input.o[k].on'), input: { o: { a: { on: true }, b: { on: false } } }, want: ['a'] },
  { name: 'a variable used twice in refs joins', src: pkg('p contains n if { input.a[i] == input.b[i]; n := i }'), input: { a: [1, 2, 3], b: [1, 0, 3] }, want: [0, 2] },
  { name: 'composite values as set elements and keys', src: pkg('p := s if s := {[1, 2], [1, 2], {"a": 1}}'), want: [[1, 2], { a: 1 }] },
  // data: rules and base data
  {
    name: 'iterating under data mixes rule documents and base data',
    src: `package apps.a\nallow := true\n`,
    rule: 'root/p',
    extra: ['package root\np contains [name, v] if v := data.apps[name].allow\n'],
    data: { apps: { b: { allow: false } } },
    want: [['a', true], ['b', false]],
  },
  {
    name: 'iterating packages evaluates only the rule the reference names',
    src: `package apps.a\nallow := true\nbroken := x if some x in [1, 2]\n`,
    rule: 'root/p',
    extra: ['package root\np contains [name, v] if v := data.apps[name].allow\n'],
    want: [['a', true]],
  },
  {
    name: 'a bound variable selecting a package evaluates only that package',
    src: `package apps.a\nallow := true\npackage_b_is_not_evaluated := 1\n`,
    rule: 'root/p',
    extra: ['package root\np := v if { name := input.app; v := data.apps[name].allow }\n', 'package apps.b\nallow := x if some x in [1, 2]\n'],
    input: { app: 'a' },
    want: true,
  },
  {
    name: 'a bound variable can select a base-data package',
    src: `package apps.a\nallow := true\n`,
    rule: 'root/p',
    extra: ['package root\np := v if { name := input.app; v := data.apps[name].allow }\n'],
    input: { app: 'c' },
    data: { apps: { c: { allow: 'base' } } },
    want: 'base',
  },
  { name: 'base data is read through data', src: pkg('p := data.roles[input.r]'), input: { r: 'x' }, data: { roles: { x: 1 } }, want: 1 },
  { name: 'rules are data under the package path', src: pkg('q := 2\np := data.t.q'), want: 2 },
  // more shapes
  { name: 'some-in with an array pattern destructures each element', src: pkg('p contains a if some [a, "x"] in input.pairs'), input: { pairs: [[1, 'x'], [2, 'y'], [3, 'x']] }, want: [1, 3] },
  { name: 'a ref whose head is a call', src: pkg('f(x) := {"v": x}\np := f(4).v'), want: 4 },
  { name: 'a ref whose head is an array literal iterates', src: pkg('p contains x if x := [5, 6][_]'), want: [5, 6] },
  { name: 'a ref whose head is an object literal', src: pkg('p := {"a": {"b": 2}}.a.b'), want: 2 },
  { name: 'nested comprehensions capture variables two levels out', src: pkg('p := [[y | some y in input.xs; y > m] | some _ in [1]] if m := 1'), input: { xs: [1, 2] }, want: [[2]] },
  { name: 'every inside a comprehension', src: pkg('p := [k | some k, xs in input.o; every x in xs { x > 0 }]'), input: { o: { a: [1], b: [0, 1] } }, want: ['a'] },
  { name: 'the whole input as a value', src: pkg('p := input'), input: { a: 1 }, want: { a: 1 } },
  { name: 'a partial object rule under a multi-segment path', src: pkg('a.b[k] := 1 if some k in input.ks\np := a'), input: { ks: ['x'] }, want: { b: { x: 1 } } },
  { name: 'a partial set rule under a multi-segment path', src: pkg('a.b contains k if some k in input.ks\np := a.b'), input: { ks: ['y', 'x'] }, want: ['x', 'y'] },
  { name: 'a default with a composite value', src: pkg('default p := {"allowed": false, "reason": "none"}\np := {"allowed": true} if input.ok'), input: {}, want: { allowed: false, reason: 'none' } },
  { name: 'negative and non-integer number literals', src: pkg('p := [-3, 2.5, 1e3]'), want: [-3, 2.5, 1000] },
  { name: 'a quoted rule path segment with a dot is its own document', src: pkg('a["b.c"] := 1\na.b.c := 2\np := [a["b.c"], a.b.c]'), want: [1, 2] },
  { name: 'print is accepted and does not affect the result', src: pkg('p if { print("checking", input.x); input.x == 1 }'), input: { x: 1 }, want: true },
  { name: 'print of an undefined value does not make the body fail', src: pkg('p if { print(input.missing); true }'), input: {}, want: true },
  { name: 'string built-ins with the result used in a comparison', src: pkg('p if { lower(input.m) == "get"; startswith(input.path, "/api") }'), input: { m: 'GET', path: '/api/x' }, want: true },
  { name: 'a rule of another package through an import alias', src: pkg('import data.lib\np := lib.level'), extra: ['package lib\nlevel := 3\n'], want: 3 },
  { name: 'iterating the keys of a partial set rule', src: pkg('s contains x if some x in input.xs\np contains y if { s[y]; y > 1 }'), input: { xs: [1, 2, 3] }, want: [2, 3] },
  { name: 'a lookup into a partial set rule by a bound key', src: pkg('s contains x if some x in input.xs\np if s[2]'), input: { xs: [1, 2] }, want: true },
  { name: 'set operations with infix operators', src: pkg('p := [a & b, a | b, a - b] if { a := {1, 2}; b := {2, 3} }'), want: [[2], [1, 2, 3], [1]] },
  { name: 'not with a function call over bound arguments', src: pkg('bad(x) if x < 0\np contains x if { some x in input.xs; not bad(x) }'), input: { xs: [-1, 1, 2] }, want: [1, 2] },
  { name: 'sets iterate in sorted order', src: pkg('p := concat(",", {"b", "a", "c"})'), want: 'a,b,c' },
  { name: 'iteration over a set binds elements in sorted order', src: pkg('p := [x | some x in {3, 1, 2}]'), want: [1, 2, 3] },
  { name: 'every over an undefined domain is undefined', src: pkg('p if every x in input.missing { x > 0 }'), input: {}, want: undefined },
  // with
  { name: 'with replaces input for one expression', src: pkg('q if input.x == 1\np if q with input.x as 1'), input: { x: 2 }, want: true },
  { name: 'with affects every rule the expression calls', src: pkg('q := input.x\nr := q\np := v if v := r with input as {"x": 9}'), input: { x: 2 }, want: 9 },
  { name: 'after a with expression the body sees the original input', src: pkg('q := input.x\np := [a, b] if { a := q with input.x as 5; b := input.x }'), input: { x: 2 }, want: [5, 2] },
  { name: 'a rule evaluated under with and again after it gives each its own value', src: pkg('q := input.x\np := [a, b] if { a := q with input.x as 5; b := q }'), input: { x: 2 }, want: [5, 2] },
  { name: 'a rule evaluated before a with is re-evaluated under it', src: pkg('q := input.x\np := [b, a] if { b := q; a := q with input.x as 5 }'), input: { x: 2 }, want: [2, 5] },
  { name: 'a rule evaluated under with on data and again after it', src: pkg('q := data.cfg.x\np := [b, a, c] if { b := q; a := q with data.cfg.x as 5; c := q }'), data: { cfg: { x: 1 } }, want: [1, 5, 1] },
  { name: 'with replaces a rule document for every rule that reads it', src: pkg('q := 1\nr := q + 1\np := v if v := r with data.t.q as 5'), want: 6 },
  { name: 'a rule replaced by with has its own value again afterwards', src: pkg('q := 1\nr := q + 1\np := [a, b] if { a := r with data.t.q as 5; b := r }'), want: [6, 2] },
  { name: 'with replaces a partial set rule', src: pkg('s contains 1\np := n if n := count(s) with data.t.s as [1, 2, 3]'), want: 3 },
  { name: 'with replaces a whole package of rules', src: pkg('p := v if v := data.u.r with data.u as {"q": 7, "r": 0}'), extra: ['package u\nq := 1\nr := q * 2\n'], want: 0 },
  { name: 'with replacing one rule of a package keeps the others in the package document', src: pkg('p := d if d := data.u with data.u.q as 5'), extra: ['package u\nq := 1\nr := q * 2\n'], want: { q: 5, r: 10 } },
  { name: 'with replacing a rule reaches functions that read it', src: pkg('q := 1\nf(x) := q + x\np := [a, b] if { a := f(1) with data.t.q as 10; b := f(1) }'), want: [11, 2] },
  { name: 'with replacing a rule inside a comprehension', src: pkg('q := 1\np := [v | some x in [1, 2]; v := q + x with data.t.q as 5]'), want: [6, 7] },
  { name: 'with replacing a rule for an every expression', src: pkg('q := 1\np if every y in [5] { q == y } with data.t.q as 5'), want: true },
  { name: 'with replacing all of data', src: pkg('p := v if v := data.u.r with data as {"u": {"r": 9}}'), extra: ['package u\nr := 1\n'], want: 9 },
  { name: 'nested with on different rules', src: pkg('a := 1\nb := 2\nc := a + b\nd := x if x := c with data.t.a as 10\np := v if v := d with data.t.b as 20'), want: 30 },
  { name: 'with on input when no input was given', src: pkg('q if input.x == 1\np if q with input.x as 1'), want: true },
  { name: 'input created by a with is gone after it when no input was given', src: pkg('p := v if { input.x == 1 with input.x as 1; v := input }'), want: undefined },
  { name: 'with on a base data path', src: pkg('q := data.cfg.level\np := v if v := q with data.cfg.level as 3'), data: { cfg: { level: 1 } }, want: 3 },
  { name: 'with over an iterating expression keeps the replacement for every element', src: pkg('q := input.k\np := [v | v := [q, input.xs[_]] with input.k as "z"]'), input: { xs: [1, 2], k: 'a' }, want: [['z', 1], ['z', 2]] },
];

