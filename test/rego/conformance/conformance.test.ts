// Conformance suite: every case in cases/*.yaml is compiled by the CLI (`nmp-authz build -t wasm`,
// run in-process: parser → checks → planner → Wasm backend → bundle), and the bundle's
// /policy.wasm is run with the real @open-policy-agent/opa-wasm SDK. Rejections are read back
// from the CLI's `file:line:col: message (code)` lines.
// Expectations are what OPA's own interpreter answers (see docs/rego.md and the case files).
//
// Cases listed in known-failures.yaml are expected to fail for the stated reason: they are run, and
// reported as pending while they fail; one that starts passing fails the suite until it is removed
// from the list, so the list stays an honest count of the gaps.

import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { HOST_BUILTINS } from '../../../src/rego/host-builtins.js';
import { parse as parseYaml } from 'yaml';
import { CheckCodes } from '../../../src/rego/check/check-codes.js';
import { runBuild } from '../../../src/cli/build.js';
import { readTarGz } from '../../../src/shared/tar.js';
import { FrontEndCodes } from '../../../src/rego/diagnostics.js';
import { loadCases, type ConformanceCase, type ExpectedDiagnostic } from './load-cases.js';
import { isRecord } from '../../../src/shared/is-record.js';

const here = dirname(fileURLToPath(import.meta.url));
const casesDir = join(here, 'cases');

interface Diag {
  readonly code: string;
  readonly line: number;
  readonly col: number;
}


function loadKnownFailures(): Map<string, string> {
  const file = join(here, 'known-failures.yaml');
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  const doc: unknown = parseYaml(readFileSync(file, 'utf8'));
  if (doc === null || doc === undefined) return out;
  if (!isRecord(doc)) throw new Error('known-failures.yaml must map "<topic>: <case name>" to a reason');
  for (const [id, reason] of Object.entries(doc)) {
    if (typeof reason !== 'string') throw new Error(`known-failures.yaml: reason for ${id} must be a string`);
    out.set(id, reason);
  }
  return out;
}

type BuildOutcome = { readonly ok: true; readonly wasm: Uint8Array } | { readonly ok: false; readonly diagnostics: readonly Diag[] };

const DIAGNOSTIC_LINE = /^.+:(\d+):(\d+): .* \(([a-z0-9_]+)\)$/;

/** `nmp-authz build -t wasm -e <query> -o bundle.tar.gz .` over the case's modules in a fresh folder. */
async function buildWithCli(c: ConformanceCase): Promise<BuildOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'nmp-conformance-'));
  try {
    for (const m of c.modules) {
      mkdirSync(dirname(join(dir, m.file)), { recursive: true });
      writeFileSync(join(dir, m.file), m.source);
    }
    let stderr = '';
    const code = await runBuild(['-t', 'wasm', '-e', c.query, '-o', 'bundle.tar.gz', '.'], {
      env: {}, cwd: dir, stdout: () => {}, stderr: (text) => { stderr += text; },
    });
    if (code !== 0) {
      const diagnostics = stderr.split('\n').flatMap((line) => {
        const m = DIAGNOSTIC_LINE.exec(line);
        return m === null ? [] : [{ line: Number(m[1]), col: Number(m[2]), code: m[3] ?? '' }];
      });
      assert.ok(diagnostics.length > 0, `build exited ${code} without a diagnostic: ${stderr}`);
      return { ok: false, diagnostics };
    }
    const bundle = readTarGz(readFileSync(join(dir, 'bundle.tar.gz')));
    assert.ok(bundle.ok, 'the bundle does not read back');
    const wasm = bundle.ok ? bundle.entries.find((e) => e.path === 'policy.wasm') : undefined;
    assert.ok(wasm, 'the bundle has no /policy.wasm');
    return { ok: true, wasm: wasm.data };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one case; resolves when it meets its expectation, throws an AssertionError otherwise. */
async function runCase(c: ConformanceCase): Promise<void> {
  const outcome = await buildWithCli(c);
  const expect = c.expect;
  if (expect.kind === 'diagnostics') {
    assert.equal(outcome.ok, false, 'expected the compiler to reject the policy');
    if (outcome.ok) return;
    for (const want of expect.diagnostics) {
      const found = outcome.diagnostics.some((d) => matches(d, want));
      assert.ok(found, `expected diagnostic ${JSON.stringify(want)}, got ${JSON.stringify(outcome.diagnostics)}`);
    }
    return;
  }
  if (!outcome.ok) {
    assert.fail(`compile failed: ${JSON.stringify(outcome.diagnostics)}`);
  }
  const policy = await loadPolicy(outcome.wasm, undefined, HOST_BUILTINS);
  policy.setData(isRecord(c.data) ? c.data : {});
  let resultSet: unknown;
  try {
    resultSet = policy.evaluate(c.input, c.query);
  } catch (e) {
    if (expect.kind === 'error') return;
    assert.fail(`evaluation threw: ${String(e)}`);
  }
  switch (expect.kind) {
    case 'error':
      assert.fail(`expected a ${expect.error} error, got result set ${JSON.stringify(resultSet)}`);
      break;
    case 'undefined':
      assert.deepEqual(resultSet, []);
      break;
    case 'value': {
      assert.ok(Array.isArray(resultSet) && resultSet.length === 1, `expected one result, got ${JSON.stringify(resultSet)}`);
      const first: unknown = resultSet[0];
      assert.ok(isRecord(first), 'result entry is not an object');
      assert.deepEqual(first.result, expect.value);
      break;
    }
    default: {
      const never: never = expect;
      throw new Error(`unknown expectation ${JSON.stringify(never)}`);
    }
  }
}

function matches(d: Diag, want: ExpectedDiagnostic): boolean {
  return d.code === want.code && (want.line === undefined || d.line === want.line) && (want.col === undefined || d.col === want.col);
}

/** Diagnostic codes without a conformance case, and why. Every other code must have one. */
const CODES_WITHOUT_CASES: Readonly<Record<string, string>> = {
  parse_nesting_too_deep: 'needs 200 nested terms; covered by test/rego/parser/parser-robustness.test.ts',
  default_not_constant: 'the parser rejects a non-constant default first (parse_invalid_rule_head)',
  default_on_partial_rule: 'the parser rejects a default partial rule first (parse_invalid_rule_head)',
  rule_data_conflict: 'needs base data at compile time; the cases give data at evaluation time',
  import_conflict: 'OPA accepts an import that shadows a rule, so there is no OPA-derived expectation',
};

const files = readdirSync(casesDir).filter((f) => f.endsWith('.yaml')).sort();
const known = loadKnownFailures();
const allCases = files.flatMap((f) => loadCases(f.replace(/\.yaml$/, ''), readFileSync(join(casesDir, f), 'utf8')));

describe('rego conformance', function () {

  it('has at least 400 cases with unique names', () => {
    const ids = allCases.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate case ids');
    assert.ok(ids.length >= 400, `only ${ids.length} cases`);
  });

  it('has a negative case for every diagnostic code of the front end and the checks', () => {
    const covered = new Set(
      allCases.flatMap((c) => (c.expect.kind === 'diagnostics' ? c.expect.diagnostics.map((d) => d.code) : [])),
    );
    const codes = [...Object.values(FrontEndCodes), ...Object.values(CheckCodes)];
    const missing = codes.filter((code) => !covered.has(code) && !(code in CODES_WITHOUT_CASES));
    assert.deepEqual(missing, []);
  });

  it('lists only existing cases as known failures', () => {
    const ids = new Set(allCases.map((c) => c.id));
    const stale = [...known.keys()].filter((k) => !ids.has(k));
    assert.deepEqual(stale, []);
  });

  for (const topic of files.map((f) => f.replace(/\.yaml$/, ''))) {
    describe(topic, () => {
      for (const c of allCases.filter((x) => x.topic === topic)) {
        const reason = known.get(c.id);
        it(c.name, async function () {
          if (reason === undefined) {
            await runCase(c);
            return;
          }
          let passed = false;
          try {
            await runCase(c);
            passed = true;
          } catch {
            if (this.test) this.test.title += ` [known failure: ${reason}]`;
            this.skip();
          }
          assert.ok(!passed, `now passes: remove "${c.id}" from known-failures.yaml`);
        });
      }
    });
  }
});
