import assert from 'node:assert/strict';
import type { Block, Operand, Policy, Stmt } from '../../../src/rego/ir.js';
import { linkPlan } from '../../../src/rego/compile-wasm.js';
import { st } from './ir-builder.js';
import { wasmApi } from './wasm-api.js';
import { seededRandom as rng } from '../../support/seeded-random.js';

function randomPolicy(seed: number): Policy {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const local = (): number => int(12);
  const operand = (): Operand => {
    const k = int(3);
    if (k === 0) return { type: 'local', value: local() };
    if (k === 1) return { type: 'bool', value: r() < 0.5 };
    return { type: 'string_index', value: int(5) }; // index 4 is out of range on purpose
  };
  const blockOf = (depth: number): Block => ({ stmts: Array.from({ length: int(5) }, () => stmt(depth + 1)) });
  const stmt = (depth: number): Stmt => {
    const nested = depth < 4;
    switch (int(nested ? 20 : 15)) {
      case 0: return st('AssignVarStmt', { source: operand(), target: local() });
      case 1: return st('DotStmt', { source: operand(), key: operand(), target: local() });
      case 2: return st('EqualStmt', { a: operand(), b: operand() });
      case 3: return st('NotEqualStmt', { a: operand(), b: operand() });
      case 4: return st('BreakStmt', { index: int(depth + 2) });
      case 5: return st('MakeObjectStmt', { target: local() });
      case 6: return st('ObjectInsertOnceStmt', { key: operand(), value: operand(), object: local() });
      case 7: return st('AssignVarOnceStmt', { source: operand(), target: local() });
      case 8: return st('CallStmt', { func: ['g0.data.f', 'plus', 'nope', 'g0.data.g'][int(4)] as string, args: Array.from({ length: int(4) }, operand), result: local() });
      case 9: return st('IsDefinedStmt', { source: local() });
      case 10: return st('LenStmt', { source: operand(), target: local() });
      case 11: return st('MakeNumberRefStmt', { Index: int(5), target: local() });
      case 12: return st('ResultSetAddStmt', { value: local() });
      case 13: return st('ReturnLocalStmt', { source: local() });
      case 14: return st('CallDynamicStmt', { args: [0, 1], path: [operand(), operand()], result: local() });
      case 15: return st('BlockStmt', { blocks: Array.from({ length: int(3) }, () => blockOf(depth)) });
      case 16: return st('NotStmt', { block: blockOf(depth) });
      case 17: return st('ScanStmt', { source: local(), key: local(), value: local(), block: blockOf(depth) });
      case 18: return st('WithStmt', { local: int(2), path: [int(5)], value: operand(), block: blockOf(depth) });
      default: return st('ObjectMergeStmt', { a: local(), b: local(), target: local() });
    }
  };
  return {
    static: { strings: ['result', 'a', 'g0', 'f'].map((value) => ({ value })), builtin_funcs: [{ name: 'plus', decl: {} }], files: [] },
    plans: { plans: [{ name: 'p/q', blocks: [blockOf(0), blockOf(0)] }] },
    funcs: { funcs: [
      { name: 'g0.data.f', params: [0, 1], return: 2, blocks: [blockOf(0)], path: ['g0', 'f'] },
      { name: 'g0.data.g', params: [0, 1, 2], return: 3, blocks: [blockOf(0)], path: ['g0', 'g'] },
    ] },
  };
}

describe('linkPolicy on arbitrary plans', () => {
  it('either reports diagnostics or produces a module that validates (300 random plans)', () => {
    let linked = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const res = linkPlan(randomPolicy(seed));
      if (res.ok) {
        linked++;
        assert.ok(wasmApi.validate(res.wasm), `seed ${seed} produced an invalid module`);
      } else {
        assert.ok(res.diagnostics.length > 0 && res.diagnostics.every((d) => d.code.startsWith('wasm_')), `seed ${seed}`);
      }
    }
    // The generator must reach the success path often enough for the check to mean something.
    assert.ok(linked >= 20, `only ${linked} plans linked`);
  });
});
