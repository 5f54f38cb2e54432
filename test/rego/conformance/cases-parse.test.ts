// The front end on its own against the conformance cases: every policy that should compile parses,
// and every expected syntax diagnostic (lex_* / parse_*) is produced by the parser at that position.

import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModule } from '../../../src/rego/parser.js';
import { loadCases } from './load-cases.js';

const casesDir = join(dirname(fileURLToPath(import.meta.url)), 'cases');
const cases = readdirSync(casesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => loadCases(f.replace(/\.yaml$/, ''), readFileSync(join(casesDir, f), 'utf8')));

describe('rego conformance cases through the parser', () => {
  for (const c of cases) {
    const expect = c.expect;
    const syntax = expect.kind === 'diagnostics' ? expect.diagnostics.filter((d) => /^(lex|parse)_/.test(d.code)) : [];
    if (expect.kind === 'diagnostics' && syntax.length === 0) continue;
    it(`${c.id}: ${syntax.length > 0 ? 'reports the syntax error' : 'parses'}`, () => {
      const results = c.modules.map((m) => parseModule(m.source, m.file));
      const diags = results.flatMap((r) => (r.ok ? [] : r.diagnostics));
      if (syntax.length === 0) {
        assert.deepEqual(diags, []);
        return;
      }
      for (const want of syntax) {
        const found = diags.some(
          (d) => d.code === want.code && (want.line === undefined || d.line === want.line) && (want.col === undefined || d.col === want.col),
        );
        assert.ok(found, `expected ${JSON.stringify(want)}, got ${JSON.stringify(diags)}`);
      }
    });
  }
});
