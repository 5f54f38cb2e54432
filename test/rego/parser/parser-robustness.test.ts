import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModule } from '../../../src/rego/parser.js';
import { loadCases } from '../conformance/load-cases.js';
import { seededRandom as prng } from '../../support/seeded-random.js';

const VOCAB = [
  'package', 'import', 'as', 'default', 'if', 'else', 'not', 'some', 'every', 'in', 'contains', 'with',
  'true', 'false', 'null', 'p', 'q', 'x', '_', 'input', 'data', 'f', 'count', 'set', '1', '-2', '3.5',
  '"s"', '`r`', '{', '}', '[', ']', '(', ')', '.', ',', ';', ':', ':=', '=', '==', '!=', '<', '<=', '>',
  '>=', '+', '-', '*', '/', '%', '&', '|', '\n', ' ', '\n', '#c\n', '"', '`', '@',
];

function parsesWithoutThrowing(source: string, label: string): void {
  let result: ReturnType<typeof parseModule>;
  try {
    result = parseModule(source, 'fuzz.rego');
  } catch (e) {
    assert.fail(`${label}: parser threw ${String(e)} on ${JSON.stringify(source)}`);
  }
  if (!result.ok) {
    assert.ok(result.diagnostics.length > 0, `${label}: failure without diagnostics`);
    for (const d of result.diagnostics) {
      assert.ok(d.line >= 1 && d.col >= 1, `${label}: diagnostic without a position ${JSON.stringify(d)}`);
      assert.match(d.code, /^(lex|parse)_[a-z0-9_]+$/);
    }
  }
}

describe('rego parser robustness', () => {
  it('never throws on random token sequences and always explains a rejection', () => {
    const rand = prng(20261124);
    for (let i = 0; i < 3000; i++) {
      const n = 1 + Math.floor(rand() * 30);
      const parts = ['package t\n'];
      for (let j = 0; j < n; j++) parts.push(VOCAB[Math.floor(rand() * VOCAB.length)] as string, rand() < 0.5 ? ' ' : '');
      parsesWithoutThrowing(parts.join(''), `random #${i}`);
    }
  });

  it('never throws when a token is cut out of a valid policy', () => {
    const casesDir = join(dirname(fileURLToPath(import.meta.url)), '../conformance/cases');
    const sources = readdirSync(casesDir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => loadCases(f.replace(/\.yaml$/, ''), readFileSync(join(casesDir, f), 'utf8')))
      .flatMap((c) => c.modules.map((m) => m.source));
    const rand = prng(7);
    let mutated = 0;
    for (const src of sources) {
      for (let k = 0; k < 3; k++) {
        const at = Math.floor(rand() * src.length);
        const len = 1 + Math.floor(rand() * 4);
        parsesWithoutThrowing(src.slice(0, at) + src.slice(at + len), 'cut');
        mutated++;
      }
    }
    assert.ok(mutated > 1000);
  });

  for (const [what, open, close] of [['arrays', '[', ']'], ['parentheses', '(', ')'], ['objects', '{"a": ', '}']] as const) {
    it(`reports deeply nested ${what} as a diagnostic instead of overflowing the stack`, () => {
      const n = 5000;
      const r = parseModule(`package t\np := ${open.repeat(n)}1${close.repeat(n)}\n`, 'deep.rego');
      assert.equal(r.ok, false);
      if (!r.ok) assert.deepEqual([...new Set(r.diagnostics.map((d) => d.code))], ['parse_nesting_too_deep']);
    });
  }

  it('reports a syntax error deep inside nested literals without retrying every alternative per level', () => {
    const n = 60;
    const arrays = parseModule(`package t\np := ${'['.repeat(n)}1 +\n`, 'err.rego');
    const objects = parseModule(`package t\np := ${'{"a": '.repeat(n)}1 +\n`, 'err.rego');
    assert.deepEqual([arrays.ok, objects.ok], [false, false]);
    if (!arrays.ok) assert.deepEqual(arrays.diagnostics.map((d) => [d.code, d.line]), [['parse_unexpected_token', 3]]);
  });

  it('accepts nesting that real policies use', () => {
    const n = 100;
    assert.equal(parseModule(`package t\np := ${'['.repeat(n)}1${']'.repeat(n)}\n`, 'ok.rego').ok, true);
  });
});
