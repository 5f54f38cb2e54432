// Golden IR: a handful of programs and the plan.json the planner emits for them. A diff here means
// the planner's output changed; regenerate deliberately with UPDATE_GOLDEN=1 and review the diff.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compilePlan } from '../../../src/rego/compile-plan.js';
import { readPlan } from '../../../src/rego/plan-json.js';

const here = dirname(fileURLToPath(import.meta.url));

const PROGRAMS: readonly { readonly name: string; readonly entrypoints: readonly string[] }[] = [
  { name: 'allow-default', entrypoints: ['authz/allow'] },
  { name: 'partial-iteration', entrypoints: ['members/roles', 'members/by_workspace'] },
  { name: 'functions-else', entrypoints: ['grade/result'] },
  { name: 'with-every-not', entrypoints: ['checks/all_positive', 'checks/admin_ok', 'checks/not_blocked'] },
  { name: 'comprehensions-data', entrypoints: ['docs/names', 'docs/first', 'docs/index', 'docs'] },
];

describe('golden plans', () => {
  for (const program of PROGRAMS) {
    it(`plans ${program.name}.rego as recorded in ${program.name}.plan.json`, () => {
      const source = readFileSync(join(here, `${program.name}.rego`), 'utf8');
      const result = compilePlan({ modules: [{ file: `${program.name}.rego`, source }], entrypoints: program.entrypoints });
      assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.diagnostics));
      const text = `${JSON.stringify(result.policy, null, 2)}\n`;
      // The plan must also be valid input for the IR reader (OPA's plan.json schema).
      assert.equal(readPlan(JSON.parse(text)).ok, true);
      const goldenPath = join(here, `${program.name}.plan.json`);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(goldenPath, text);
      assert.equal(text, readFileSync(goldenPath, 'utf8'));
    });
  }
});
