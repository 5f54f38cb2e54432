import assert from 'node:assert/strict';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compilePlanToWasm } from '../../../src/rego/compile-wasm.js';
import { parsePlanJson } from '../../../src/rego/plan-json.js';

// The shape `opa build -t plan` writes for
// `package authz; default allow := false; allow if input.user == "alice"`.
const OPA_PLAN = {
  static: {
    strings: [{ value: 'result' }, { value: 'user' }, { value: 'alice' }],
    files: [{ value: 'authz.rego' }],
  },
  plans: {
    plans: [{
      name: 'authz/allow',
      blocks: [{
        stmts: [
          { type: 'CallStmt', stmt: { func: 'g0.data.authz.allow', args: [{ type: 'local', value: 0 }, { type: 'local', value: 1 }], result: 2, file: 0, col: 0, row: 0 } },
          { type: 'AssignVarStmt', stmt: { source: { type: 'local', value: 2 }, target: 3, file: 0, col: 0, row: 0 } },
          { type: 'MakeObjectStmt', stmt: { target: 4, file: 0, col: 0, row: 0 } },
          { type: 'ObjectInsertStmt', stmt: { key: { type: 'string_index', value: 0 }, value: { type: 'local', value: 3 }, object: 4, file: 0, col: 0, row: 0 } },
          { type: 'ResultSetAddStmt', stmt: { value: 4, file: 0, col: 0, row: 0 } },
        ],
      }],
    }],
  },
  funcs: {
    funcs: [{
      name: 'g0.data.authz.allow',
      params: [0, 1],
      return: 2,
      blocks: [
        { stmts: [
          { type: 'ResetLocalStmt', stmt: { target: 3, file: 0, col: 1, row: 3 } },
          { type: 'DotStmt', stmt: { source: { type: 'local', value: 0 }, key: { type: 'string_index', value: 1 }, target: 4, file: 0, col: 12, row: 3 } },
          { type: 'EqualStmt', stmt: { a: { type: 'local', value: 4 }, b: { type: 'string_index', value: 2 }, file: 0, col: 12, row: 3 } },
          { type: 'AssignVarOnceStmt', stmt: { source: { type: 'bool', value: true }, target: 3, file: 0, col: 1, row: 3 } },
        ] },
        { stmts: [
          { type: 'IsDefinedStmt', stmt: { source: 3, file: 0, col: 1, row: 3 } },
          { type: 'AssignVarOnceStmt', stmt: { source: { type: 'local', value: 3 }, target: 2, file: 0, col: 1, row: 3 } },
        ] },
        { stmts: [
          { type: 'IsUndefinedStmt', stmt: { source: 2, file: 0, col: 1, row: 2 } },
          { type: 'AssignVarOnceStmt', stmt: { source: { type: 'bool', value: false }, target: 2, file: 0, col: 1, row: 2 } },
        ] },
        { stmts: [{ type: 'ReturnLocalStmt', stmt: { source: 2, file: 0, col: 1, row: 3 } }] },
      ],
      path: ['g0', 'authz', 'allow'],
    }],
  },
};

describe('parsePlanJson', () => {
  it('reads a plan in the shape OPA writes, omitted lists included', () => {
    const res = parsePlanJson(JSON.stringify(OPA_PLAN));
    assert.ok(res.ok);
    assert.deepEqual(res.policy.static.builtin_funcs, []);
    assert.equal(res.policy.plans.plans[0]?.name, 'authz/allow');
    assert.equal(res.policy.funcs.funcs[0]?.blocks.length, 4);
    const first = res.policy.funcs.funcs[0]?.blocks[0]?.stmts[1];
    assert.deepEqual(first, OPA_PLAN.funcs.funcs[0]?.blocks[0]?.stmts[1]);
  });

  it('compiles the OPA-shaped plan to a module that answers like the rule', async () => {
    const res = parsePlanJson(JSON.stringify(OPA_PLAN));
    assert.ok(res.ok);
    const policy = await loadPolicy(compilePlanToWasm(res.policy));
    assert.deepEqual(policy.evaluate({ user: 'alice' }), [{ result: true }]);
    assert.deepEqual(policy.evaluate({ user: 'bob' }), [{ result: false }]);
    assert.deepEqual(policy.evaluate(undefined), [{ result: false }]);
  });

  it('reports text that is not JSON with plan_invalid_json', () => {
    const res = parsePlanJson('{"static": ');
    assert.ok(!res.ok);
    assert.equal(res.errors[0]?.code, 'plan_invalid_json');
  });

  it('reports every problem with its path', () => {
    const bad = structuredClone(OPA_PLAN) as unknown as { funcs: { funcs: { blocks: { stmts: { type: string; stmt: Record<string, unknown> }[] }[] }[] } };
    const stmts = bad.funcs.funcs[0]?.blocks[0]?.stmts ?? [];
    (stmts[0] as { stmt: Record<string, unknown> }).stmt['target'] = -1;
    (stmts[1] as { type: string }).type = 'EvalStmt';
    (stmts[2] as { stmt: Record<string, unknown> }).stmt['a'] = { type: 'var', value: 'x' };
    (stmts[3] as { stmt: Record<string, unknown> }).stmt['extra'] = 1;
    const res = parsePlanJson(JSON.stringify(bad));
    assert.ok(!res.ok);
    assert.deepEqual(res.errors.map((e) => e.path), [
      'funcs.funcs[0].blocks[0].stmts[0].stmt.target',
      'funcs.funcs[0].blocks[0].stmts[1].type',
      'funcs.funcs[0].blocks[0].stmts[2].stmt.a.type',
      'funcs.funcs[0].blocks[0].stmts[3].stmt.extra',
    ]);
    assert.ok(res.errors.every((e) => e.code === 'plan_invalid'));
  });

  it('rejects a top level that is not an object', () => {
    const res = parsePlanJson('[]');
    assert.ok(!res.ok);
    assert.equal(res.errors[0]?.path, '');
  });

  it('bounds block nesting instead of exhausting the stack', () => {
    const open = '{"stmts":[{"type":"NotStmt","stmt":{"file":0,"row":0,"col":0,"block":';
    const block = `${open.repeat(2000)}{"stmts":[]}${'}}]}'.repeat(2000)}`;
    const res = parsePlanJson(`{"plans":{"plans":[{"name":"p/q","blocks":[${block}]}]}}`);
    assert.ok(!res.ok);
    assert.ok(res.errors.some((e) => e.message.includes('nest')));
  });
});
