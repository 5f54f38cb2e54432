import assert from 'node:assert/strict';
import { ConflictError } from './ir-interpreter.js';
import { evalRule } from './run-policy.js';
import { SEMANTICS_CASES, pkg } from './semantics-cases.js';

describe('planner semantics (IR run by the test oracle)', () => {
  for (const c of SEMANTICS_CASES) {
    it(c.name, () => {
      const src = [c.src, ...(c.extra ?? [])];
      assert.deepEqual(evalRule(src, c.rule ?? 't/p', c.input, c.data ?? {}), c.want);
    });
  }

  it('reports a conflict when a complete rule produces two different values', () => {
    assert.throws(() => evalRule(pkg('p := 1 if true\np := 2 if true'), 't/p'), ConflictError);
  });

  it('reports a conflict when a complete rule with iteration produces two values', () => {
    assert.throws(() => evalRule(pkg('p := x if some x in input.xs'), 't/p', { xs: [1, 2] }), ConflictError);
  });

  it('reports a conflict when a function gives two outputs for one input', () => {
    assert.throws(() => evalRule(pkg('f(x) := 1 if x > 0\nf(x) := 2 if x > 1\np := f(5)'), 't/p'), ConflictError);
  });

  it('reports a conflict when a key rule and its partial object give one key two values', () => {
    assert.throws(() => evalRule(pkg('o[k] := 1 if some k in input.ks\no.fixed := 2\np := o'), 't/p', { ks: ['fixed'] }), ConflictError);
  });

  it('reports a conflict when a partial object rule gives one key two values', () => {
    assert.throws(() => evalRule(pkg('p[k] := v if { some v in input.xs; k := "a" }'), 't/p', { xs: [1, 2] }), ConflictError);
  });

  it('builds a package document from rules merged over base data', () => {
    assert.deepEqual(evalRule(pkg('q := 2\nf(x) := x\nu if false\np := 1'), 't', undefined, { t: { base: 1 } }), { base: 1, p: 1, q: 2 });
  });

  it('plans several packages with imports and aliases', () => {
    const lib = 'package lib.util\nis_admin(u) if u.role == "admin"\nlevel := 3\n';
    const main = 'package app\nimport data.lib.util as u\nimport data.lib.util.level\nimport input.user\nallow if { u.is_admin(user); level > 2 }\n';
    assert.equal(evalRule([lib, main], 'app/allow', { user: { role: 'admin' } }), true);
    assert.equal(evalRule([lib, main], 'app/allow', { user: { role: 'dev' } }), undefined);
  });
});
