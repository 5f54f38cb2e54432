// End to end: the same programs as planner-semantics, compiled by the planner and the Wasm backend
// and evaluated by the real @open-policy-agent/opa-wasm SDK.

import assert from 'node:assert/strict';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compileWasm } from '../../../src/rego/compile-wasm.js';
import { SEMANTICS_CASES, pkg } from './semantics-cases.js';

async function evaluate(sources: readonly string[], entrypoint: string, input: unknown, data: unknown): Promise<unknown> {
  const compiled = compileWasm({ modules: sources.map((source, i) => ({ file: `m${i}.rego`, source })), entrypoints: [entrypoint] });
  if (!compiled.ok) throw new Error(compiled.diagnostics.map((d) => `${d.code} ${d.message}`).join('; '));
  const policy = await loadPolicy(compiled.wasm);
  policy.setData(data as object);
  const rs: unknown = policy.evaluate(input, entrypoint);
  assert.ok(Array.isArray(rs));
  if (rs.length === 0) return undefined;
  assert.equal(rs.length, 1);
  return (rs[0] as { result: unknown }).result;
}

describe('planner semantics through the Wasm backend and opa-wasm', () => {
  for (const c of SEMANTICS_CASES) {
    it(c.name, async () => {
      const got = await evaluate([c.src, ...(c.extra ?? [])], c.rule ?? 't/p', c.input, c.data ?? {});
      assert.deepEqual(got, c.want);
    });
  }

  it('aborts evaluation when a complete rule produces two different values', async () => {
    await assert.rejects(evaluate([pkg('p := 1 if true\np := 2 if true')], 't/p', undefined, {}));
  });
});
