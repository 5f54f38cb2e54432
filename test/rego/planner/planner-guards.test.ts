import assert from 'node:assert/strict';
import type { Loc, Term } from '../../../src/rego/ast.js';
import type { CheckedProgram, RuleGroup } from '../../../src/rego/check/program.js';
import { groupKey } from '../../../src/rego/check/program.js';
import { PlannerCodes, planProgram } from '../../../src/rego/planner.js';
import { evalRule, planOrThrow } from './run-policy.js';

const loc: Loc = { file: 'p.rego', line: 3, col: 7 };

function programWithValue(value: Term): CheckedProgram {
  const group: RuleGroup = {
    path: ['t', 'p'], kind: 'complete', arity: 0, loc,
    definitions: [{ args: [], clauses: [{ body: [], value, loc }], loc }],
  };
  return { groups: new Map([[groupKey(group.path), group]]), files: ['p.rego'] };
}

describe('planner guards', () => {
  it('reports plan_unsupported instead of emitting IR for a variable no expression bound', () => {
    // The checker never lets this through; the planner must still refuse rather than guess.
    const r = planProgram(programWithValue({ kind: 'var', name: 'x', wildcard: false, loc }), ['t/p']);
    assert.equal(r.ok, false);
    assert.deepEqual(r.ok ? [] : r.diagnostics.map((d) => [d.code, d.file, d.line, d.col]), [[PlannerCodes.unsupported, 'p.rego', 3, 7]]);
  });

  it('reports an entrypoint naming a function as unknown', () => {
    const fn: RuleGroup = {
      path: ['t', 'f'], kind: 'function', arity: 1, loc,
      definitions: [{ args: [{ kind: 'var', name: 'a', wildcard: false, loc }], clauses: [{ body: [], value: { kind: 'boolean', value: true, loc }, loc }], loc }],
    };
    const r = planProgram({ groups: new Map([[groupKey(fn.path), fn]]), files: ['p.rego'] }, ['t/f']);
    assert.deepEqual(r.ok ? [] : r.diagnostics.map((d) => d.code), ['unknown_entrypoint']);
  });
});

describe('planner entrypoints', () => {
  it('plans an entrypoint named twice once', () => {
    const policy = planOrThrow('package t\np := 1', ['t/p', 't/p']);
    assert.deepEqual(policy.plans.plans.map((p) => p.name), ['t/p']);
  });

  it('plans a package entrypoint as the package document', () => {
    assert.deepEqual(evalRule('package t.u\np := 1\nq contains 2', 't/u'), { p: 1, q: [2] });
  });
});

describe('planner scale', () => {
  it('plans a 5000-element constant set and a 1000-expression body without exhausting the stack', () => {
    const items = Array.from({ length: 5000 }, (_, i) => `"host-${i}"`).join(', ');
    const body = Array.from({ length: 1000 }, (_, i) => `  x${i} := ${i}`).join('\n');
    const src = `package t\nallowed := {${items}}\np if input.host in allowed\nlong := x999 if {\n${body}\n}\n`;
    assert.equal(evalRule(src, 't/p', { host: 'host-4999' }), true);
    assert.equal(evalRule(src, 't/long'), 999);
  });
});
