// Soundness of the input-use analysis (src/rego/input-use.ts), checked against the compiled policy
// rather than against the analysis' own reasoning: the server caches decisions keyed only on the
// reported paths, so two inputs that agree on them must get the same answer from the real Wasm
// module, or the cache hands out someone else's allow. Each policy is compiled once; each of its inputs
// is evaluated next to perturbations that keep every reported value and every reported
// defined/undefined status but change the rest (extra members, removed or retyped subtrees, values
// copied from elsewhere in the input).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { compileWasm } from '../../src/rego/compile-wasm.js';
import { HOST_BUILTINS } from '../../src/rego/host-builtins.js';
import { analyzeInputUse, type InputUse } from '../../src/rego/input-use.js';
import { isRecord } from '../../src/shared/is-record.js';
import { seededRandom } from '../support/seeded-random.js';
import { loadCases, type ConformanceCase } from './conformance/load-cases.js';
import { shippedPolicy } from './support/shipped-policy.js';
import { ABSENT, agreesOnPins, perturbInput, randomJson, sameDocument, stringsOf, vocabularyOf, type Maybe } from './support/perturb-input.js';

const SEED = 0x5eed_1a7e;
const PERTURBATIONS = 8;
/** A case's own input often takes one branch; random inputs from its strings reach the others. */
const CONFORMANCE_RANDOM_BASES = 2;
/** Hand-written policies get random base inputs besides their seeds, each with its perturbations. */
const RANDOM_BASES = 10;
const HAND_PERTURBATIONS = 6;

/**
 * Subjects left out because a perturbation changes their answer: each is an under-report in the
 * analysis, to be fixed there (not here); remove the entry once it is, and the subject runs again.
 */
const KNOWN_UNDER_REPORTS: ReadonlyMap<string, string> = new Map([]);

interface Subject {
  readonly id: string;
  readonly modules: readonly { readonly file: string; readonly source: string }[];
  readonly entrypoint: string;
  /** Handed to setData; a loader when the document is assembled asynchronously. */
  readonly data: Record<string, unknown> | (() => Promise<Record<string, unknown>>);
  /** Strings besides the policy's own for random values (the data's, when it is loaded later). */
  readonly strings?: readonly string[];
  /** Inputs evaluated as given, each next to its perturbations. */
  readonly inputs: readonly Maybe[];
  /** Random base inputs to add, drawn from the policy's own strings. */
  readonly randomBases: number;
  readonly perturbations: number;
}

interface Trial {
  readonly base: Maybe;
  readonly variants: readonly Maybe[];
}

interface Prepared {
  readonly subject: Subject;
  readonly wasm: Uint8Array;
  readonly use: InputUse;
  readonly trials: readonly Trial[];
}

type Skipped = { readonly id: string; readonly why: 'does not compile' | 'nondeterministic' };

type Outcome = { readonly kind: 'result'; readonly value: unknown } | { readonly kind: 'error'; readonly message: string };

function prepare(subject: Subject, seed: number): Prepared | Skipped {
  const compiled = compileWasm({ modules: subject.modules, entrypoints: [subject.entrypoint] });
  if (!compiled.ok) return { id: subject.id, why: 'does not compile' };
  const use = analyzeInputUse(compiled.plan);
  if (use.nondeterministic.length > 0) return { id: subject.id, why: 'nondeterministic' };
  const rng = seededRandom(seed);
  const strings = [...compiled.plan.static.strings.map((s) => s.value), ...(subject.strings ?? stringsOf(subject.data))];
  const bases: Maybe[] = [...subject.inputs];
  const baseVocab = vocabularyOf(strings, ABSENT);
  for (let i = 0; i < subject.randomBases; i++) bases.push(asInput(randomJson(rng, baseVocab, 4)));
  const trials = bases.map((base): Trial => {
    const vocab = vocabularyOf(strings, base);
    return { base, variants: Array.from({ length: subject.perturbations }, () => perturbInput(rng, vocab, use, base)) };
  });
  return { subject, wasm: compiled.wasm, use, trials };
}

/** The SDK sends a falsy input as no input at all; the test models it the same way. */
function asInput(value: unknown): Maybe {
  return value ? value : ABSENT;
}

function evaluate(policy: LoadedPolicy, input: Maybe, entrypoint: string): Outcome {
  try {
    const value: unknown = policy.evaluate(input === ABSENT ? undefined : input, entrypoint);
    return { kind: 'result', value };
  } catch (e) {
    return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
  }
}

/** Any error denies alike at the server, so which one was thrown is not compared. */
function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.kind === 'error' || b.kind === 'error') return a.kind === b.kind;
  return isDeepStrictEqual(a.value, b.value);
}

const show = (v: Maybe): string => (v === ABSENT ? '(no input)' : JSON.stringify(v));
const showOutcome = (o: Outcome): string => (o.kind === 'error' ? `throws ${o.message}` : JSON.stringify(o.value));

/** Evaluates every trial; returns a description of each answer that changed. */
async function check(p: Prepared): Promise<string[]> {
  const policy = await loadPolicy(p.wasm, undefined, HOST_BUILTINS);
  const data = p.subject.data;
  policy.setData(typeof data === 'function' ? await data() : data);
  const mismatches: string[] = [];
  for (const trial of p.trials) {
    const expected = evaluate(policy, trial.base, p.subject.entrypoint);
    const again = evaluate(policy, trial.base, p.subject.entrypoint);
    if (!sameOutcome(expected, again)) {
      mismatches.push(`reported deterministic, but the same input ${show(trial.base)} gave ${showOutcome(expected)} then ${showOutcome(again)}`);
      continue;
    }
    for (const variant of trial.variants) {
      const got = evaluate(policy, variant, p.subject.entrypoint);
      if (!sameOutcome(expected, got)) {
        mismatches.push(`input ${show(trial.base)} → ${showOutcome(expected)}; perturbed ${show(variant)} → ${showOutcome(got)}`);
      }
    }
  }
  return mismatches;
}

function failureReport(p: Prepared, mismatches: readonly string[]): string {
  const use = `reported values ${JSON.stringify(p.use.values)}, presence ${JSON.stringify(p.use.presence)}`;
  return `${p.subject.id}: ${mismatches.length} answer(s) changed on unreported input (${use}):\n  ${mismatches.slice(0, 3).join('\n  ')}`;
}

// ---- subjects: the conformance corpus ---------------------------------------------------------

const casesDir = new URL('./conformance/cases/', import.meta.url);
const conformance: readonly ConformanceCase[] = readdirSync(casesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => loadCases(f.replace(/\.yaml$/, ''), readFileSync(new URL(f, casesDir), 'utf8')));

/** Cases that evaluate an input, or whose policy reads `input` at all (then it runs without one). */
const conformanceSubjects: Subject[] = conformance
  .filter((c) => c.expect.kind !== 'diagnostics' && (c.input !== undefined || c.modules.some((m) => /\binput\b/.test(m.source))))
  .map((c) => ({
    id: c.id,
    modules: c.modules,
    entrypoint: c.query,
    data: isRecord(c.data) ? c.data : {},
    inputs: [asInput(c.input)],
    randomBases: CONFORMANCE_RANDOM_BASES,
    perturbations: PERTURBATIONS,
  }));

// ---- subjects: hand-written policies aimed at the flows the analysis follows --------------------

interface HandWritten {
  readonly name: string;
  readonly rego: string;
  readonly entrypoint?: string;
  readonly data?: Record<string, unknown>;
  /** Inputs that reach the interesting branches; random inputs rarely line up values this way. */
  readonly seeds: readonly unknown[];
}

const HAND_WRITTEN: readonly HandWritten[] = [
  {
    name: 'with replacing an input member that a called rule reads',
    rego: `allow if { q with input.role as input.claimed }
q if input.role == "admin"
q if input.team.name == "core"`,
    seeds: [{ role: 'user', claimed: 'admin' }, { role: 'admin', claimed: 'user', team: { name: 'core' } }, { claimed: 'x', team: { name: 'core', size: 2 } }],
  },
  {
    name: 'with replacing a nested member next to siblings the called rule still reads',
    rego: `allow if { r with input.user.name as "bob" }
r if { input.user.name == "bob"; input.user.team == "x" }
r if input.user.level > 3`,
    seeds: [{ user: { name: 'al', team: 'x' } }, { user: { level: 5 } }, { user: 'bob' }, { user: ['bob'] }],
  },
  {
    name: 'with replacing the whole input by a document built from input',
    rego: `allow if { q with input as {"role": input.claimed.role, "n": 1} }
q if { input.role == "admin"; input.n == 1; not input.claimed }`,
    seeds: [{ claimed: { role: 'admin' } }, { claimed: { role: 'dev' }, role: 'admin' }],
  },
  {
    name: 'with binding data to an input value',
    rego: `allow if { q with data.cfg.mode as input.mode }
q if data.cfg.mode == "open"
q if input.force == true`,
    data: { cfg: { mode: 'closed' } },
    seeds: [{ mode: 'open' }, { mode: 'closed', force: true }],
  },
  {
    name: 'a function of several parameters reading members of each',
    rego: `f(a, b, c) := a.x if b.y == c
f(a, b, c) := a.z if { b.y != c; a.w }
allow if f(input.p, input.q, input.r.z) == 1`,
    seeds: [{ p: { x: 1 }, q: { y: 2 }, r: { z: 2 } }, { p: { z: 1, w: true }, q: { y: 2 }, r: { z: 3 } }],
  },
  {
    name: 'functions passing their parameters on in a different order',
    rego: `g(x, y) := y.k
h(x, y, z) := g(z, x)
allow if h(input.a, input.b, input.c) == "v"`,
    seeds: [{ a: { k: 'v' }, b: { k: 'w' }, c: {} }, { a: { k: 'w' }, b: { k: 'v' } }],
  },
  {
    name: 'an identity function handing input back to the caller',
    rego: `id(x) := x
allow if { x := id(input); y := x.a; y.b == 1 }
allow if id(input.c).d == "e"`,
    seeds: [{ a: { b: 1 } }, { c: { d: 'e' } }, { a: { b: 2 }, c: { d: 'f' } }],
  },
  {
    name: 'rules returning input subtrees used by other rules',
    rego: `user := input.user
claims := input.token.claims
groups contains g if some g in claims.groups
allow if { user.role == "admin"; "ops" in groups }
allow if user.name == claims.sub`,
    seeds: [{ user: { role: 'admin' }, token: { claims: { groups: ['ops'] } } }, { user: { name: 'u1' }, token: { claims: { sub: 'u1' } } }],
  },
  {
    name: 'a package document with rules that copy input subtrees',
    rego: `user := input.user
is_admin if user.role == "admin"
name := object.get(input, ["user", "name"], "anonymous")`,
    entrypoint: 'p',
    seeds: [{ user: { role: 'admin', name: 'a' } }, { user: 'x' }, { other: 1 }],
  },
  {
    name: 'comprehensions over input',
    rego: `names := [n | some u in input.users; n := u.name]
hdrs := {k | some k, _ in input.headers; startswith(k, "x-")}
by_id := {u.id: u.role | some u in input.users}
allow if count(names) > 1
allow if "x-team" in hdrs
allow if by_id["7"] == "admin"`,
    seeds: [{ users: [{ name: 'a' }, { name: 'b' }] }, { headers: { 'x-team': '1' } }, { users: [{ id: '7', role: 'admin' }] }],
  },
  {
    name: 'object.get on input and on an input member',
    rego: `allow if object.get(input, ["a", "b"], "none") == "yes"
allow if object.get(input.c, "d", 0) > 2`,
    seeds: [{ a: { b: 'yes' } }, { c: { d: 3 } }, { c: 'd' }],
  },
  {
    // The compiler does not know walk (unknown_function), so the object and json built-ins stand in.
    name: 'object and json built-ins over input',
    rego: `allow if json.marshal(input.m) == "{\\"a\\":1}"
allow if count(json.filter(input, ["a/b"])) > 0
allow if json.remove(input, ["a/b"]) == {"a": {}}
allow if object.keys(input.h) == {"x"}
allow if object.remove(input.o, ["k"]) == {}
allow if object.union(input.u, {"k": 1}).z == 1
allow if object.filter(input, ["f"]).f == 1`,
    seeds: [{ m: { a: 1 } }, { a: { b: 1 } }, { h: { x: 1 } }, { o: { k: 2 } }, { u: { z: 1 } }, { f: 1 }],
  },
  {
    name: 'input indexed by a key computed from input or from data',
    rego: `allow if { k := input.which; input[k] == true }
allow if { some k in data.keys; input.flags[k] == 1 }`,
    data: { keys: ['a', 'b'] },
    seeds: [{ which: 'go', go: true }, { flags: { b: 1 } }, { which: 'which' }],
  },
  {
    name: 'iterating keys and values of the whole input',
    rego: 'allow if { some k, v in input; k == "admin"; v == true }',
    seeds: [{ admin: true }, { admin: false, other: true }],
  },
  {
    name: 'iterating an input array by index',
    rego: `allow if input.tags[_] == "admin"
allow if input.x[0] == "y"`,
    seeds: [{ tags: ['dev', 'admin'] }, { x: ['y'] }, { x: 'y' }],
  },
  {
    name: 'negation of input lookups',
    rego: `allow if { not input.deny; input.role }
allow if { not input.a.b == 1; input.c == 2 }
allow if { not admin(input.user); input.guest == true }
admin(u) if u.role == "admin"`,
    seeds: [{ role: 'x' }, { deny: true, role: 'x' }, { a: { b: 1 }, c: 2 }, { c: 2 }, { user: { role: 'dev' }, guest: true }],
  },
  {
    name: 'an else chain choosing on input',
    rego: `level := "a" if input.a.b == 1
else := "b" if input.c
else := "c" if not input.d
else := "d"
allow if level in {"a", "c"}`,
    entrypoint: 'p/level',
    seeds: [{ a: { b: 1 } }, { c: true }, { d: 1 }, {}],
  },
  {
    name: 'a function with an else chain over its parameters',
    rego: `kind(x) := "obj" if is_object(x)
else := "arr" if is_array(x)
else := "other"
allow := kind(input.v)`,
    entrypoint: 'p/allow',
    seeds: [{ v: {} }, { v: [] }, { v: 1 }],
  },
  {
    name: 'a complete rule whose definitions take different input members',
    rego: `v := input.a if input.c
v := input.b if input.d
allow if v.x == 1`,
    seeds: [{ a: { x: 1 }, b: { x: 1 }, c: true, d: true }, { a: { x: 1 }, c: true }],
  },
  {
    name: 'a function whose definitions return different input members',
    rego: `f(x) := input.a if x == 1
f(x) := input.b if x == 1
allow if f(1).x == 1`,
    seeds: [{ a: { x: 1 }, b: { x: 1 } }, { a: { x: 1, y: 2 }, b: { x: 1, y: 2 } }],
  },
  {
    name: 'a constant-key object rule whose definitions take different input members',
    rego: `o.k := input.a if input.c
o.k := input.b if input.d
allow if o.k.x == 1`,
    seeds: [{ a: { x: 1 }, b: { x: 1 }, c: true, d: true }],
  },
  {
    name: 'an object rule whose definitions insert different input members under one key',
    rego: `o[k] := input.a if { some k in ["k"]; input.c }
o[k] := input.b if { some k in ["k"]; input.d }
allow if o.k.x == 1`,
    seeds: [{ a: { x: 1 }, b: { x: 1 }, c: true, d: true }, { a: { x: 1, y: [] }, b: { x: 1, y: [] }, c: 1, d: 1 }],
  },
  {
    name: 'with writing below an input member that may not be an object',
    rego: `allow if { q with input.a.b as 1 }
allow if { r with input.z as 1 }
q if input.a.c == 1
q if input.a.b == input.n
r if input.z == 1`,
    seeds: [{ a: 's', n: 1 }, { a: { c: 1 } }, { a: [1] }, 'str'],
  },
  {
    name: 'a string key that looks like an array index',
    rego: 'allow if input.a["0"] == "x"',
    seeds: [{ a: ['x'] }, { a: { 0: 'x' } }, { a: 'x' }],
  },
  {
    name: 'a partial object rule with values from input',
    rego: `obj[k] := input.vals[k] if some k in ["x", "y"]
obj.z := input.z
allow if obj.x == 1
allow if obj.z == 2`,
    seeds: [{ vals: { x: 1 } }, { z: 2 }],
  },
  {
    name: 'paths deeper than the cut and lookups on non-objects',
    rego: `allow if input.a.b.c == 1
allow if is_object(input.o)
allow if input.s.t
allow if input.n.m == null`,
    seeds: [{ a: { b: { c: 1 } } }, { o: {} }, { s: { t: true } }, { s: 'st' }, { n: { m: null } }],
  },
  {
    name: 'every over an input array',
    rego: 'allow if { every x in input.xs { x > 0 }; input.ok }',
    seeds: [{ xs: [1, 2], ok: true }, { xs: [], ok: 1 }, { xs: [0], ok: true }],
  },
  {
    name: 'equality and size of whole input subtrees',
    rego: `allow if input.a == input.b
allow if count(input.list) == 2`,
    seeds: [{ a: { x: 1 }, b: { x: 1 } }, { list: [1, 2] }],
  },
  {
    name: 'a data document selected by an input member',
    rego: `allow if data.roles[input.user.role].admin
allow if { r := data.roles[input.role]; r.admin }`,
    data: { roles: { admin: { admin: true }, dev: { admin: false } } },
    seeds: [{ user: { role: 'admin' } }, { role: 'admin' }, { user: { role: 'dev' } }],
  },
  {
    name: 'a variable unified with two input members',
    rego: 'allow if { x = input.a; x = input.b; x.k == 1 }',
    seeds: [{ a: { k: 1 }, b: { k: 1 } }, { a: { k: 1, z: [] }, b: { k: 1, z: [] } }],
  },
  {
    name: 'a function whose two parameters are one variable',
    rego: `f(x, x) := x.k
allow if f(input.a, input.b) == 1`,
    seeds: [{ a: { k: 1 }, b: { k: 1 } }, { a: { k: 1, z: 0 }, b: { k: 1, z: 0 } }],
  },
  {
    name: 'a function parameter that is an object pattern',
    rego: `f({"k": v, "j": _}) := v
allow if f(input.o) == 1`,
    seeds: [{ o: { k: 1, j: 2 } }, { o: { k: 1 } }],
  },
  {
    name: 'an import alias of an input member',
    rego: `import input.user as u
allow if { u.name == "n"; not u.banned }`,
    seeds: [{ user: { name: 'n' } }, { user: { name: 'n', banned: false } }, { user: { name: 'n', banned: 1 } }],
  },
  {
    name: 'with inside a function body, binding input to a parameter',
    rego: `f(x) := y if { y := g with input.k as x }
g := input.k.v
allow if f(input.m) == 1`,
    seeds: [{ m: { v: 1 } }, { m: { v: 1 }, k: { v: 2 } }],
  },
  {
    name: 'two with modifiers, one replacing a member by a document built from input',
    rego: `allow if { h with input.a as {"b": input.c} with input.d as 2 }
h if { input.a.b == 1; input.d == 2; input.e == input.f }`,
    seeds: [{ c: 1 }, { c: 1, e: [1], f: [1] }, { c: 1, e: 1 }],
  },
  {
    name: 'string built-ins over input members',
    rego: `allow if { startswith(input.path, "/api"); split(input.path, "/")[2] == "v1" }
allow if sprintf("%s-%d", [input.s, input.n]) == "x-1"
allow if lower(input.m) == "get"`,
    seeds: [{ path: '/api/v1' }, { s: 'x', n: 1 }, { m: 'GET' }],
  },
  {
    name: 'an input index bound by iteration',
    rego: 'allow if { some i; input.xs[i] == "y"; i > 0 }',
    seeds: [{ xs: ['x', 'y'] }, { xs: ['y'] }],
  },
  {
    name: 'membership of an input member in data',
    rego: `allow if input.role in data.admins
allow if data.users[_] == input.user`,
    data: { admins: ['root', 'ops'], users: [{ name: 'n' }] },
    seeds: [{ role: 'root' }, { user: { name: 'n' } }],
  },
  {
    name: 'an object comprehension keyed by input values',
    rego: 'allow if count({v.id: k | some k, v in input.objs}) == 2',
    seeds: [{ objs: { a: { id: 1 }, b: { id: 2 } } }, { objs: { a: { id: 1 }, b: { id: 1 } } }],
  },
  {
    name: 'rules of another package reading input',
    rego: `allow if data.q.ok
allow if count(data.q.names) > 1`,
    seeds: [{ user: { ok: true } }, { names: ['a', 'b'] }],
  },
];

/** A second module for the hand-written policy that reads `data.q`. */
const Q_MODULE = {
  file: 'q.rego',
  source: `package q
import rego.v1
ok if input.user.ok == true
names contains n if some n in input.names`,
};

const handSubjects: Subject[] = HAND_WRITTEN.map((h) => ({
  id: `hand-written: ${h.name}`,
  modules: [{ file: 'p.rego', source: `package p\nimport rego.v1\n${h.rego}\n` }, Q_MODULE],
  entrypoint: h.entrypoint ?? 'p/allow',
  data: h.data ?? {},
  inputs: h.seeds.map(asInput),
  randomBases: RANDOM_BASES,
  perturbations: HAND_PERTURBATIONS,
}));

// ---- subject: the shipped policy, whose decisions the server caches ----------------------------

const shipped = shippedPolicy();
const shippedSubject: Subject = {
  id: `shipped: ${shipped.entrypoint} of policies/`,
  modules: shipped.modules,
  entrypoint: shipped.entrypoint,
  data: shipped.data,
  strings: shipped.strings,
  inputs: shipped.inputs(seededRandom(SEED - 1), 40),
  randomBases: 0,
  perturbations: PERTURBATIONS,
};

// ---- preparation (synchronous, so the titles can carry the counts) -----------------------------

const prepared: Prepared[] = [];
const skipped: Skipped[] = [];
/** Each subject draws from its own stream, so adding or leaving out one does not reshuffle the rest. */
function seedOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h ^ SEED) >>> 0;
}

[shippedSubject, ...conformanceSubjects, ...handSubjects].filter((s) => !KNOWN_UNDER_REPORTS.has(s.id)).forEach((subject) => {
  const p = prepare(subject, seedOf(subject.id));
  if ('why' in p) skipped.push(p);
  else prepared.push(p);
});
const planned = prepared.reduce((n, p) => n + p.trials.reduce((m, t) => m + 2 + t.variants.length, 0), 0);
const conformanceCount = prepared.filter((p) => conformanceSubjects.includes(p.subject)).length;
const handCount = prepared.filter((p) => handSubjects.includes(p.subject)).length;

describe('rego: a decision depends only on the input paths the analysis reports', function () {
  this.timeout(60_000);

  it(`prepares ${planned} evaluations for the shipped policy, ${conformanceCount} conformance cases and ${handCount} hand-written policies (${skipped.length} skipped, ${KNOWN_UNDER_REPORTS.size} left out as known under-reports)`, () => {
    assert.ok(planned >= 300, `only ${planned} evaluations planned`);
    // The shipped and hand-written policies are meant to compile; a skip among them hides a gap here.
    assert.deepEqual(skipped.filter((s) => !conformanceSubjects.some((c) => c.id === s.id)), []);
    assert.ok(conformanceCount >= 100, `only ${conformanceCount} conformance cases take part`);
  });

  it('perturbs inputs only off the reported paths, and does change them', () => {
    let changed = 0;
    let total = 0;
    for (const p of prepared) {
      for (const t of p.trials) {
        for (const v of t.variants) {
          assert.ok(agreesOnPins(p.use, t.base, v), `${p.subject.id}: ${show(v)} disagrees with ${show(t.base)} on a reported path`);
          total++;
          if (!sameDocument(v, t.base)) changed++;
        }
      }
    }
    assert.ok(changed > total * 0.8, `only ${changed} of ${total} perturbations change the input`);
  });

  it('catches an under-report: a policy checked against an analysis that forgets a path', async () => {
    const compiled = compileWasm({ modules: [{ file: 'p.rego', source: 'package p\nimport rego.v1\nallow if input.user.role == "admin"\n' }], entrypoints: ['p/allow'] });
    assert.ok(compiled.ok);
    const forgetful: InputUse = { values: [], presence: [['user']], nondeterministic: [] };
    const rng = seededRandom(SEED);
    const base = { user: { role: 'admin' } };
    const vocab = vocabularyOf(['user', 'role', 'admin'], base);
    const subject: Subject = { id: 'forgetful', modules: [], entrypoint: 'p/allow', data: {}, inputs: [base], randomBases: 0, perturbations: 8 };
    const trials = [{ base, variants: Array.from({ length: 8 }, () => perturbInput(rng, vocab, forgetful, base)) }];
    const mismatches = await check({ subject, wasm: compiled.wasm, use: forgetful, trials });
    assert.ok(mismatches.length > 0, 'no perturbation changed the role, so the harness would miss this under-report');
  });

  for (const topic of [...new Set(prepared.map((p) => p.subject.id.slice(0, p.subject.id.indexOf(':'))))]) {
    describe(topic, () => {
      for (const p of prepared.filter((x) => x.subject.id.startsWith(`${topic}:`))) {
        const n = p.trials.reduce((m, t) => m + t.variants.length, 0);
        it(`${p.subject.id.slice(topic.length + 2)} — same answer for ${n} perturbed inputs`, async () => {
          const mismatches = await check(p);
          assert.deepEqual(mismatches, [], failureReport(p, mismatches));
        });
      }
    });
  }
});
