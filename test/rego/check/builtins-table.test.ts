import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BUILTINS } from '../../../src/rego/builtins.js';
import { compilePlan } from '../../../src/rego/compile-plan.js';

const runtimeUrl = new URL('../../../src/rego/runtime/runtime.wasm', import.meta.url);

// The lib settings (no DOM) do not declare the WebAssembly global; this test needs only exports().
interface ModuleApi {
  Module: { new (bytes: Uint8Array): object; exports(module: object): { name: string }[] };
}
const wasm = (globalThis as unknown as { WebAssembly: ModuleApi }).WebAssembly;

describe('built-in table', () => {
  it('lists only native built-ins that runtime.wasm exports', () => {
    const module = new wasm.Module(readFileSync(runtimeUrl));
    const exported = new Set(wasm.Module.exports(module).map((e) => e.name));
    const missing = [...BUILTINS.values()]
      .filter((b) => b.impl === 'native' && !exported.has(`opa_bi_${b.name.replaceAll('.', '_')}`))
      .map((b) => b.name);
    assert.deepEqual(missing, []);
  });

  it('gives every infix operator a built-in', () => {
    for (const name of ['plus', 'minus', 'mul', 'div', 'rem', 'and', 'or', 'equal', 'neq', 'lt', 'lte', 'gt', 'gte', 'internal.member_2', 'internal.member_3']) {
      assert.ok(BUILTINS.has(name), name);
    }
  });

  it('lists exactly the built-ins a plan calls in static.builtin_funcs', () => {
    const r = compilePlan({ modules: [{ file: 'p.rego', source: 'package t\np := count([1]) + 1' }], entrypoints: ['t/p'] });
    assert.ok(r.ok);
    assert.deepEqual(r.policy.static.builtin_funcs.map((b) => b.name), ['count', 'plus']);
  });

  it('rejects a built-in no part of the system implements as an unknown function', () => {
    const r = compilePlan({ modules: [{ file: 'p.rego', source: 'package t\np := units.parse("1K")' }], entrypoints: ['t/p'] });
    assert.equal(r.ok, false);
    assert.deepEqual(r.ok ? [] : r.diagnostics.map((d) => [d.code, d.line, d.col]), [['unknown_function', 2, 6]]);
  });
});
