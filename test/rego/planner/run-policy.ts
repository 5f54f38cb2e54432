// Test helper: compile Rego sources to IR and run an entrypoint with the IR oracle.

import { compilePlan } from '../../../src/rego/compile-plan.js';
import type { Policy } from '../../../src/rego/ir.js';
import { IrInterpreter } from './ir-interpreter.js';

export function planOrThrow(sources: string | readonly string[], entrypoints: readonly string[]): Policy {
  const list = typeof sources === 'string' ? [sources] : sources;
  const result = compilePlan({
    modules: list.map((source, i) => ({ file: `m${i}.rego`, source })),
    entrypoints,
  });
  if (!result.ok) {
    throw new Error(`compile failed: ${result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`).join('; ')}`);
  }
  return result.policy;
}

/** The result set of `entrypoint` (`[]` when undefined). */
export function runPolicy(sources: string | readonly string[], entrypoint: string, input?: unknown, data: unknown = {}): unknown {
  const policy = planOrThrow(sources, [entrypoint]);
  return new IrInterpreter(policy).evaluate(entrypoint, input, data);
}

/** The value of `entrypoint`, or `undefined` when the result set is empty. */
export function evalRule(sources: string | readonly string[], entrypoint: string, input?: unknown, data: unknown = {}): unknown {
  const rs = runPolicy(sources, entrypoint, input, data) as { result: unknown }[];
  if (rs.length > 1) throw new Error('more than one result');
  return rs[0]?.result;
}
