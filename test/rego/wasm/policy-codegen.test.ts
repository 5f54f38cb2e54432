import assert from 'node:assert/strict';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compilePlanToWasm } from '../../../src/rego/compile-wasm.js';
import type { Policy, Stmt } from '../../../src/rego/ir.js';
import { B, block, L, PolicyBuilder, st } from './ir-builder.js';
import { wasmApi } from './wasm-api.js';

async function evaluate(policy: Policy, input: unknown, data: object = {}, entrypoint?: string): Promise<unknown> {
  const loaded = await loadPolicy(compilePlanToWasm(policy));
  loaded.setData(data);
  return loaded.evaluate(input, entrypoint);
}

/** A built-in no runtime will implement, so the host path stays exercised as the runtime grows. */
const HOST_FN = 'test.host_concat';

interface RawModule {
  call(name: string, ...args: number[]): number;
  load(json: string): number;
  dump(value: number): unknown;
}

/** The module without the SDK, for the ABI functions the SDK does not call. */
async function instantiate(wasm: Uint8Array): Promise<RawModule> {
  const memory = new wasmApi.Memory({ initial: 5 });
  const text = (addr: number): string => {
    const mem = new Uint8Array(memory.buffer);
    return new TextDecoder().decode(mem.subarray(addr, mem.indexOf(0, addr)));
  };
  const noop = (): number => 0;
  const { instance } = await wasmApi.instantiate(wasm, {
    env: {
      memory, opa_println: noop, opa_builtin0: noop, opa_builtin1: noop, opa_builtin2: noop, opa_builtin3: noop, opa_builtin4: noop,
      opa_abort: (addr: number): never => { throw text(addr); },
    },
  });
  const exports = instance.exports as Record<string, (...args: number[]) => number>;
  const call = (name: string, ...args: number[]): number => {
    const fn = exports[name];
    assert.ok(fn, name);
    return fn(...args);
  };
  return {
    call,
    load: (json) => {
      const bytes = new TextEncoder().encode(json);
      const addr = call('opa_malloc', bytes.length);
      new Uint8Array(memory.buffer).set(bytes, addr);
      return call('opa_json_parse', addr, bytes.length);
    },
    dump: (value) => JSON.parse(text(call('opa_json_dump', value))),
  };
}

/** A plan `p/q` whose single block runs `stmts` and then reports local 2. */
function planOf(build: (p: PolicyBuilder) => Stmt[]): Policy {
  const p = new PolicyBuilder();
  const stmts = build(p);
  return p.plan('p/q', block(...stmts, ...p.result(2))).build();
}

const results = (...values: unknown[]): unknown => values.map((result) => ({ result }));

describe('IR → Wasm codegen (run with @open-policy-agent/opa-wasm)', () => {
  it('builds null, numbers, refs, arrays and booleans', async () => {
    const policy = planOf((p) => [
      st('MakeArrayStmt', { capacity: 4, target: 2 }),
      st('MakeNullStmt', { target: 3 }),
      st('MakeNumberIntStmt', { value: -42, target: 4 }),
      st('MakeNumberRefStmt', { Index: (p.s('1.5').value as number), target: 5 }),
      st('ArrayAppendStmt', { array: 2, value: L(3) }),
      st('ArrayAppendStmt', { array: 2, value: L(4) }),
      st('ArrayAppendStmt', { array: 2, value: L(5) }),
      st('ArrayAppendStmt', { array: 2, value: B(true) }),
      st('ArrayAppendStmt', { array: 2, value: p.s('héllo') }),
    ]);
    assert.deepEqual(await evaluate(policy, {}), results([null, -42, 1.5, true, 'héllo']));
  });

  it('reads input and data with DotStmt and is undefined when a key is missing', async () => {
    const policy = planOf((p) => [
      st('DotStmt', { source: L(0), key: p.s('user'), target: 3 }),
      st('DotStmt', { source: L(1), key: p.s('roles'), target: 4 }),
      st('DotStmt', { source: L(4), key: L(3), target: 2 }),
    ]);
    const data = { roles: { alice: ['admin'] } };
    assert.deepEqual(await evaluate(policy, { user: 'alice' }, data), results(['admin']));
    assert.deepEqual(await evaluate(policy, { user: 'bob' }, data), []);
    assert.deepEqual(await evaluate(policy, { other: 1 }, data), []);
  });

  it('treats a DotStmt on a constant as undefined', async () => {
    const policy = planOf((p) => [st('DotStmt', { source: p.s('abc'), key: p.s('x'), target: 2 })]);
    assert.deepEqual(await evaluate(policy, {}), []);
  });

  it('compares with EqualStmt and NotEqualStmt (1 equals 1.0)', async () => {
    const eq = planOf((p) => [
      st('DotStmt', { source: L(0), key: p.s('n'), target: 3 }),
      st('MakeNumberIntStmt', { value: 1, target: 4 }),
      st('EqualStmt', { a: L(3), b: L(4) }),
      st('AssignVarStmt', { source: B(true), target: 2 }),
    ]);
    assert.deepEqual(await evaluate(eq, { n: 1.0 }), results(true));
    assert.deepEqual(await evaluate(eq, { n: 2 }), []);
    const ne = planOf((p) => [
      st('DotStmt', { source: L(0), key: p.s('s'), target: 3 }),
      st('NotEqualStmt', { a: L(3), b: p.s('x') }),
      st('NotEqualStmt', { a: p.s('a'), b: p.s('b') }),
      st('AssignVarStmt', { source: L(3), target: 2 }),
    ]);
    assert.deepEqual(await evaluate(ne, { s: 'y' }), results('y'));
    assert.deepEqual(await evaluate(ne, { s: 'x' }), []);
    const constants = planOf((p) => [
      st('AssignVarStmt', { source: B(true), target: 2 }),
      st('EqualStmt', { a: p.s('a'), b: p.s('b') }),
    ]);
    assert.deepEqual(await evaluate(constants, {}), []);
  });

  it('checks types with IsArray/IsObject/IsSet and definedness with IsDefined/IsUndefined', async () => {
    const check = (stmt: (p: PolicyBuilder) => Stmt): Policy => planOf((p) => [
      st('DotStmt', { source: L(0), key: p.s('v'), target: 3 }),
      stmt(p),
      st('AssignVarStmt', { source: B(true), target: 2 }),
    ]);
    const cases: [Stmt, unknown, boolean][] = [
      [st('IsArrayStmt', { source: L(3) }), [1], true],
      [st('IsArrayStmt', { source: L(3) }), { a: 1 }, false],
      [st('IsObjectStmt', { source: L(3) }), { a: 1 }, true],
      [st('IsObjectStmt', { source: L(3) }), 'a', false],
      [st('IsSetStmt', { source: L(3) }), [1], false],
    ];
    for (const [stmt, v, expected] of cases) {
      assert.deepEqual(await evaluate(check(() => stmt), { v }), expected ? results(true) : [], JSON.stringify([stmt, v]));
    }
    const defined = planOf((p) => [
      st('DotStmt', { source: L(0), key: p.s('v'), target: 3 }),
      st('IsDefinedStmt', { source: 3 }),
      st('AssignVarStmt', { source: B(true), target: 2 }),
    ]);
    assert.deepEqual(await evaluate(defined, { v: false }), results(true));
    const undef = planOf(() => [
      st('IsUndefinedStmt', { source: 7 }),
      st('AssignVarStmt', { source: B(false), target: 2 }),
    ]);
    assert.deepEqual(await evaluate(undef, {}), results(false));
  });

  it('recognises a set built with MakeSet/SetAdd and prints it sorted', async () => {
    const policy = planOf((p) => [
      st('MakeSetStmt', { target: 2 }),
      st('SetAddStmt', { set: 2, value: p.s('b') }),
      st('SetAddStmt', { set: 2, value: p.s('a') }),
      st('SetAddStmt', { set: 2, value: p.s('b') }),
      st('IsSetStmt', { source: L(2) }),
    ]);
    assert.deepEqual(await evaluate(policy, {}), results(['a', 'b']));
  });

  it('measures collections with LenStmt', async () => {
    const policy = planOf((p) => [
      st('DotStmt', { source: L(0), key: p.s('xs'), target: 3 }),
      st('LenStmt', { source: L(3), target: 2 }),
    ]);
    assert.deepEqual(await evaluate(policy, { xs: [1, 2, 3] }), results(3));
    assert.deepEqual(await evaluate(policy, { xs: { a: 1 } }), results(1));
  });

  it('builds objects with insert, insert-once and merge', async () => {
    const policy = planOf((p) => [
      st('MakeObjectStmt', { target: 3 }),
      st('ObjectInsertStmt', { key: p.s('a'), value: B(true), object: 3 }),
      st('ObjectInsertOnceStmt', { key: p.s('b'), value: p.s('x'), object: 3 }),
      st('ObjectInsertOnceStmt', { key: p.s('b'), value: p.s('x'), object: 3 }),
      st('MakeObjectStmt', { target: 4 }),
      st('ObjectInsertStmt', { key: p.s('c'), value: p.s('y'), object: 4 }),
      st('ObjectMergeStmt', { a: 3, b: 4, target: 2 }),
    ]);
    assert.deepEqual(await evaluate(policy, {}), results({ a: true, b: 'x', c: 'y' }));
  });

  it('aborts with object insert conflict when insert-once meets a different value', async () => {
    const policy = planOf((p) => [
      st('MakeObjectStmt', { target: 2 }),
      st('ObjectInsertOnceStmt', { key: p.s('b'), value: p.s('x'), object: 2 }),
      st('ObjectInsertOnceStmt', { key: p.s('b'), value: p.s('y'), object: 2 }),
    ]);
    await assert.rejects(evaluate(policy, {}), (e: unknown) => String(e).includes('object insert conflict'));
  });

  it('assigns once: the same value again is fine, a different one aborts', async () => {
    const same = planOf((p) => [
      st('AssignVarOnceStmt', { source: p.s('v'), target: 2 }),
      st('AssignVarOnceStmt', { source: p.s('v'), target: 2 }),
    ]);
    assert.deepEqual(await evaluate(same, {}), results('v'));
    const conflict = planOf((p) => [
      st('AssignVarOnceStmt', { source: p.s('v'), target: 2 }),
      st('AssignVarOnceStmt', { source: p.s('w'), target: 2 }),
    ]);
    await assert.rejects(evaluate(conflict, {}), (e: unknown) => String(e).includes('var assignment conflict'));
  });

  it('assigns integers, resets locals and ignores NopStmt', async () => {
    const policy = planOf(() => [
      st('AssignIntStmt', { value: 7, target: 2 }),
      st('NopStmt', {}),
      st('ResetLocalStmt', { target: 3 }),
      st('IsUndefinedStmt', { source: 3 }),
    ]);
    assert.deepEqual(await evaluate(policy, {}), results(7));
  });

  it('leaves nested blocks with BreakStmt to the right depth', async () => {
    const policy = planOf((p) => [
      st('AssignVarStmt', { source: p.s('start'), target: 3 }),
      st('BlockStmt', { blocks: [
        block(
          st('BlockStmt', { blocks: [block(st('BreakStmt', { index: 1 }), st('AssignVarStmt', { source: p.s('inner'), target: 3 }))] }),
          st('AssignVarStmt', { source: p.s('skipped'), target: 3 }),
        ),
        block(st('AssignVarStmt', { source: p.s('second block runs'), target: 4 })),
      ] }),
      st('MakeArrayStmt', { capacity: 2, target: 2 }),
      st('ArrayAppendStmt', { array: 2, value: L(3) }),
      st('ArrayAppendStmt', { array: 2, value: L(4) }),
    ]);
    assert.deepEqual(await evaluate(policy, {}), results(['start', 'second block runs']));
  });

  it('negates with NotStmt', async () => {
    const policy = planOf((p) => [
      st('NotStmt', { block: block(
        st('DotStmt', { source: L(0), key: p.s('banned'), target: 3 }),
        st('EqualStmt', { a: L(3), b: B(true) }),
      ) }),
      st('AssignVarStmt', { source: B(true), target: 2 }),
    ]);
    assert.deepEqual(await evaluate(policy, {}), results(true));
    assert.deepEqual(await evaluate(policy, { banned: false }), results(true));
    assert.deepEqual(await evaluate(policy, { banned: true }), []);
  });

  it('scans arrays by index and objects and sets in key order, skipping scalars', async () => {
    const policy = planOf((p) => [
      st('DotStmt', { source: L(0), key: p.s('xs'), target: 3 }),
      st('MakeArrayStmt', { capacity: 0, target: 2 }),
      st('ScanStmt', { source: 3, key: 4, value: 5, block: block(
        st('NotEqualStmt', { a: L(5), b: p.s('skip') }),
        st('ArrayAppendStmt', { array: 2, value: L(4) }),
        st('ArrayAppendStmt', { array: 2, value: L(5) }),
      ) }),
    ]);
    assert.deepEqual(await evaluate(policy, { xs: ['a', 'skip', 'c'] }), results([0, 'a', 2, 'c']));
    assert.deepEqual(await evaluate(policy, { xs: { b: 1, a: 2, skip: 'skip' } }), results(['a', 2, 'b', 1]));
    assert.deepEqual(await evaluate(policy, { xs: 'abc' }), results([]));
    assert.deepEqual(await evaluate(policy, { xs: [] }), results([]));
  });

  it('scans for values only when nothing reads the key', async () => {
    const policy = planOf((p) => [
      st('DotStmt', { source: L(0), key: p.s('xs'), target: 3 }),
      st('MakeArrayStmt', { capacity: 0, target: 2 }),
      st('ScanStmt', { source: 3, key: 4, value: 5, block: block(st('ArrayAppendStmt', { array: 2, value: L(5) })) }),
      st('ScanStmt', { source: 3, key: 6, value: 7, block: block(st('ArrayAppendStmt', { array: 2, value: L(6) })) }),
    ]);
    assert.deepEqual(await evaluate(policy, { xs: ['a', 'b'] }), results(['a', 'b', 0, 1]));
    assert.deepEqual(await evaluate(policy, { xs: { k: 'v' } }), results(['v', 'k']));
  });

  it('scans a set in sorted order', async () => {
    const policy = planOf((p) => [
      st('MakeSetStmt', { target: 3 }),
      st('SetAddStmt', { set: 3, value: p.s('z') }),
      st('SetAddStmt', { set: 3, value: p.s('m') }),
      st('SetAddStmt', { set: 3, value: p.s('a') }),
      st('MakeArrayStmt', { capacity: 3, target: 2 }),
      st('ScanStmt', { source: 3, key: 4, value: 5, block: block(st('ArrayAppendStmt', { array: 2, value: L(4) })) }),
    ]);
    assert.deepEqual(await evaluate(policy, {}), results(['a', 'm', 'z']));
  });

  it('calls IR functions, passes arguments and treats an undefined return as failure', async () => {
    const p = new PolicyBuilder();
    // g0.data.f(input, data, x) = x.name
    p.func('g0.data.f', [0, 1, 2], 3,
      block(st('DotStmt', { source: L(2), key: p.s('name'), target: 4 }), st('AssignVarOnceStmt', { source: L(4), target: 3 })),
      block(st('ReturnLocalStmt', { source: 3 })));
    p.plan('p/q', block(
      st('DotStmt', { source: L(0), key: p.s('obj'), target: 5 }),
      st('CallStmt', { func: 'g0.data.f', args: [L(0), L(1), L(5)], result: 2 }),
      ...p.result(2),
    ));
    const policy = p.build();
    assert.deepEqual(await evaluate(policy, { obj: { name: 'n' } }), results('n'));
    assert.deepEqual(await evaluate(policy, { obj: {} }), []);
  });

  it('calls rules by a dynamic data path with CallDynamicStmt, falling back to base data as OPA plans it', async () => {
    const p = new PolicyBuilder();
    p.func('g0.data.test.a', [0, 1], 2, block(st('AssignVarOnceStmt', { source: p.s('one'), target: 2 })), block(st('ReturnLocalStmt', { source: 2 })));
    p.func('g0.data.test.b', [0, 1], 2,
      block(st('DotStmt', { source: L(0), key: p.s('v'), target: 3 }), st('AssignVarOnceStmt', { source: L(3), target: 2 })),
      block(st('ReturnLocalStmt', { source: 2 })));
    const lookup = block(st('BlockStmt', { blocks: [
      block(
        st('CallDynamicStmt', { args: [0, 1], path: [p.s('g0'), p.s('test'), L(5)], result: 6 }),
        st('BreakStmt', { index: 1 }),
      ),
      block(
        st('DotStmt', { source: L(1), key: p.s('test'), target: 7 }),
        st('DotStmt', { source: L(7), key: L(5), target: 8 }),
        st('AssignVarStmt', { source: L(8), target: 6 }),
        st('BreakStmt', { index: 1 }),
      ),
    ] }), st('BreakStmt', { index: 1 }));
    p.plan('p/q', block(
      st('DotStmt', { source: L(0), key: p.s('k'), target: 5 }),
      st('BlockStmt', { blocks: [block(st('BlockStmt', { blocks: [lookup] }), ...p.result(6))] }),
    ));
    const loaded = await loadPolicy(compilePlanToWasm(p.build()));
    loaded.setData({ test: { c: 'base' } });
    assert.deepEqual(loaded.evaluate({ k: 'a' }), results('one'));
    assert.deepEqual(loaded.evaluate({ k: 'b', v: 5 }), results(5));
    assert.deepEqual(loaded.evaluate({ k: 'b' }), []);
    assert.deepEqual(loaded.evaluate({ k: 'c' }), results('base'));
    assert.deepEqual(loaded.evaluate({ k: 'd' }), []);
  });

  it('calls native built-ins in the runtime and host built-ins through the SDK', async () => {
    const p = new PolicyBuilder();
    p.builtin('plus');
    p.builtin(HOST_FN);
    p.plan('p/q', block(
      st('DotStmt', { source: L(0), key: p.s('n'), target: 3 }),
      st('MakeNumberIntStmt', { value: 2, target: 4 }),
      st('CallStmt', { func: 'plus', args: [L(3), L(4)], result: 5 }),
      st('CallStmt', { func: HOST_FN, args: [p.s('n+2='), L(5)], result: 2 }),
      ...p.result(2),
    ));
    const wasm = compilePlanToWasm(p.build(), { isHostBuiltin: (name) => name === HOST_FN });
    const loaded = await loadPolicy(wasm, undefined, { [HOST_FN]: (a: string, b: number) => `${a}${b}` });
    assert.deepEqual(loaded.evaluate({ n: 40 }), results('n+2=42'));
    assert.deepEqual(loaded.evaluate({ n: 'x' }), []);
  });

  it('replaces part of input with WithStmt for the block only', async () => {
    const p = new PolicyBuilder();
    // g0.data.user(input, data) = input.user  (memoised: two parameters)
    p.func('g0.data.user', [0, 1], 2,
      block(st('DotStmt', { source: L(0), key: p.s('user'), target: 3 }), st('AssignVarOnceStmt', { source: L(3), target: 2 })),
      block(st('ReturnLocalStmt', { source: 2 })));
    p.plan('p/q', block(
      st('MakeArrayStmt', { capacity: 3, target: 2 }),
      st('CallStmt', { func: 'g0.data.user', args: [L(0), L(1)], result: 3 }),
      st('ArrayAppendStmt', { array: 2, value: L(3) }),
      st('WithStmt', { local: 0, path: [p.s('user').value as number], value: p.s('bob'), block: block(
        st('CallStmt', { func: 'g0.data.user', args: [L(0), L(1)], result: 4 }),
        st('ArrayAppendStmt', { array: 2, value: L(4) }),
      ) }),
      st('CallStmt', { func: 'g0.data.user', args: [L(0), L(1)], result: 5 }),
      st('ArrayAppendStmt', { array: 2, value: L(5) }),
      st('DotStmt', { source: L(0), key: p.s('user'), target: 6 }),
      st('ArrayAppendStmt', { array: 2, value: L(6) }),
      ...p.result(2),
    ));
    assert.deepEqual(await evaluate(p.build(), { user: 'alice' }), results(['alice', 'bob', 'alice', 'alice']));
  });

  it('does not serve a memoised rule value computed for a different input', async () => {
    const p = new PolicyBuilder();
    p.func('g0.data.x', [0, 1], 2,
      block(st('DotStmt', { source: L(0), key: p.s('x'), target: 3 }), st('AssignVarOnceStmt', { source: L(3), target: 2 })),
      block(st('ReturnLocalStmt', { source: 2 })));
    // As the planner writes `[a, b] if { a := x with input.x as 1; b := x }`: the rest of the body runs
    // inside the with block and calls the rule with the saved original input (local 4).
    p.plan('p/q', block(
      st('MakeNumberIntStmt', { value: 1, target: 3 }),
      st('AssignVarStmt', { source: L(0), target: 4 }),
      st('WithStmt', { local: 0, path: [p.s('x').value as number], value: L(3), block: block(
        st('CallStmt', { func: 'g0.data.x', args: [L(0), L(1)], result: 5 }),
        st('CallStmt', { func: 'g0.data.x', args: [L(4), L(1)], result: 6 }),
        st('MakeArrayStmt', { capacity: 2, target: 2 }),
        st('ArrayAppendStmt', { array: 2, value: L(5) }),
        st('ArrayAppendStmt', { array: 2, value: L(6) }),
      ) }),
      ...p.result(2),
    ));
    assert.deepEqual(await evaluate(p.build(), { x: 2 }), results([1, 2]));
  });

  it('remembers an undefined rule per input: undefined, defined under with, undefined again', async () => {
    const p = new PolicyBuilder();
    p.func('g0.data.admin', [0, 1], 2,
      block(st('DotStmt', { source: L(0), key: p.s('admin'), target: 3 }), st('AssignVarOnceStmt', { source: L(3), target: 2 })),
      block(st('ReturnLocalStmt', { source: 2 })));
    const probe = (target: number): Stmt[] => [
      st('AssignVarStmt', { source: p.s('no'), target }),
      st('BlockStmt', { blocks: [block(
        st('CallStmt', { func: 'g0.data.admin', args: [L(0), L(1)], result: 20 }),
        st('AssignVarStmt', { source: p.s('yes'), target }),
      )] }),
    ];
    p.plan('p/q', block(
      ...probe(3),
      ...probe(4),
      st('WithStmt', { local: 0, path: [p.s('admin').value as number], value: B(true), block: block(...probe(5)) }),
      ...probe(6),
      st('MakeArrayStmt', { capacity: 4, target: 2 }),
      ...[3, 4, 5, 6].map((l) => st('ArrayAppendStmt', { array: 2, value: L(l) })),
      ...p.result(2),
    ));
    assert.deepEqual(await evaluate(p.build(), {}), results(['no', 'no', 'yes', 'no']));
  });

  it('is undefined after a WithStmt whose block is undefined', async () => {
    const policy = planOf((p) => [
      st('WithStmt', { local: 1, path: [p.s('flag').value as number], value: B(false), block: block(
        st('DotStmt', { source: L(1), key: p.s('flag'), target: 3 }),
        st('EqualStmt', { a: L(3), b: B(true) }),
      ) }),
      st('AssignVarStmt', { source: B(true), target: 2 }),
    ]);
    assert.deepEqual(await evaluate(policy, {}, { flag: true }), []);
  });

  it('adds one result per ResultSetAddStmt and dedupes equal ones', async () => {
    const p = new PolicyBuilder();
    p.plan('p/q', block(
      st('DotStmt', { source: L(0), key: p.s('xs'), target: 3 }),
      st('ScanStmt', { source: 3, key: 4, value: 5, block: block(...p.result(5)) }),
    ));
    assert.deepEqual(await evaluate(p.build(), { xs: ['b', 'a', 'b'] }), results('a', 'b'));
  });

  it('serves several entrypoints by name and lists them', async () => {
    const p = new PolicyBuilder();
    p.plan('a/one', block(st('MakeNumberIntStmt', { value: 1, target: 2 }), ...p.result(2)));
    p.plan('a/two', block(st('MakeNumberIntStmt', { value: 2, target: 2 }), ...p.result(2)));
    const loaded = await loadPolicy(compilePlanToWasm(p.build()));
    assert.deepEqual(loaded.entrypoints, { 'a/one': 0, 'a/two': 1 });
    assert.deepEqual(loaded.evaluate({}, 'a/two'), results(2));
    assert.deepEqual(loaded.evaluate({}, 'a/one'), results(1));
  });

  it('answers through the older context ABI path too', async () => {
    const p = new PolicyBuilder();
    p.plan('p/q', block(st('DotStmt', { source: L(0), key: p.s('x'), target: 2 }), ...p.result(2)));
    const raw = await instantiate(compilePlanToWasm(p.build()));
    const ctx = raw.call('opa_eval_ctx_new');
    raw.call('opa_eval_ctx_set_input', ctx, raw.load('{"x": [1, 2]}'));
    raw.call('opa_eval_ctx_set_data', ctx, raw.load('{}'));
    raw.call('opa_eval_ctx_set_entrypoint', ctx, 0);
    assert.equal(raw.call('eval', ctx), 0);
    assert.deepEqual(raw.dump(raw.call('opa_eval_ctx_get_result', ctx)), results([1, 2]));
  });

  it('lists only host built-ins in builtins(), by their id', async () => {
    const p = new PolicyBuilder();
    p.builtin('plus');
    p.builtin(HOST_FN);
    p.plan('p/q', block(st('MakeNullStmt', { target: 2 }), ...p.result(2)));
    const raw = await instantiate(compilePlanToWasm(p.build(), { isHostBuiltin: (name) => name === HOST_FN }));
    assert.deepEqual(raw.dump(raw.call('builtins')), { [HOST_FN]: 1 });
    assert.deepEqual(raw.dump(raw.call('entrypoints')), { 'p/q': 0 });
  });

  it('aborts on an entrypoint id the module does not have', async () => {
    const p = new PolicyBuilder();
    p.plan('p/q', block(st('MakeNullStmt', { target: 2 }), ...p.result(2)));
    const raw = await instantiate(compilePlanToWasm(p.build()));
    const heap = raw.call('opa_heap_ptr_get');
    assert.throws(() => raw.call('opa_eval', 0, 7, raw.load('{}'), 0, 0, heap, 0), (e: unknown) => e === 'invalid entrypoint id');
  });

  it('keeps constant strings valid across setData calls, memory growth and many evaluations', async () => {
    const policy = planOf((p) => [
      st('DotStmt', { source: L(1), key: p.s('roles'), target: 3 }),
      st('DotStmt', { source: L(3), key: p.s('alice'), target: 4 }),
      st('EqualStmt', { a: L(4), b: p.s('admin') }),
      st('AssignVarStmt', { source: p.s('granted'), target: 2 }),
    ]);
    const loaded = await loadPolicy(compilePlanToWasm(policy));
    for (const size of [1, 50_000, 10]) {
      const roles: Record<string, string> = { alice: 'admin' };
      for (let i = 0; i < size; i++) roles[`user-${i}`] = 'viewer';
      loaded.setData({ roles });
      for (let i = 0; i < 50; i++) assert.deepEqual(loaded.evaluate({}), results('granted'));
    }
  });

  it('shares number constants across evaluations without them changing', async () => {
    const policy = planOf((p) => [
      st('MakeNumberRefStmt', { Index: p.s('2.5').value as number, target: 3 }),
      st('MakeNumberIntStmt', { value: 7, target: 4 }),
      st('AssignIntStmt', { value: 7, target: 5 }),
      st('MakeArrayStmt', { capacity: 3, target: 2 }),
      st('ArrayAppendStmt', { array: 2, value: L(3) }),
      st('ArrayAppendStmt', { array: 2, value: L(4) }),
      st('ArrayAppendStmt', { array: 2, value: L(5) }),
    ]);
    const loaded = await loadPolicy(compilePlanToWasm(policy));
    for (let i = 0; i < 3; i++) {
      loaded.setData({ filler: Array.from({ length: 1000 * i }, (_, k) => k) });
      assert.deepEqual(loaded.evaluate({}), results([2.5, 7, 7]));
    }
  });

  it('keeps answers independent across many evaluations of one instance', async () => {
    const policy = planOf((p) => [st('DotStmt', { source: L(0), key: p.s('k'), target: 2 })]);
    const loaded = await loadPolicy(compilePlanToWasm(policy));
    for (let i = 0; i < 2000; i++) assert.deepEqual(loaded.evaluate({ k: i }), results(i));
  });
});
