import { strict as assert } from 'node:assert';
import type { Loc, Module, Term } from '../../../src/rego/ast.js';
import { parseModule } from '../../../src/rego/parser.js';

/** The source text between a node's `loc` and `end`. */
function text(source: string, node: { loc: Loc; end?: Loc }): string {
  const lines = source.split('\n');
  const offset = (l: Loc): number => lines.slice(0, l.line - 1).reduce((n, s) => n + s.length + 1, 0) + l.col - 1;
  assert.ok(node.end, 'node has no end');
  return source.slice(offset(node.loc), offset(node.end));
}

function parse(source: string): Module {
  const r = parseModule(source, 's.rego');
  if (!r.ok) assert.fail(JSON.stringify(r.diagnostics));
  return r.module;
}

describe('rego parser source spans', () => {
  const src = [
    'package t',
    'import data.lib as l',
    '',
    'p := {"a": [1, 2]} if {',
    '  x := input.a[0] + count(l.xs)',
    '  not x == 2 with input.a as [1]',
    '} else := 3',
    'q := `line one',
    'line two`',
  ].join('\n');
  const m = parse(src);

  it('spans a whole rule including its else chain', () => {
    assert.equal(text(src, m.rules[0]!), 'p := {"a": [1, 2]} if {\n  x := input.a[0] + count(l.xs)\n  not x == 2 with input.a as [1]\n} else := 3');
  });

  it('spans expressions, their operands and with modifiers', () => {
    const [e1, e2] = m.rules[0]!.body;
    assert.ok(e1?.kind === 'term' && e1.term.kind === 'call');
    assert.equal(text(src, e1), 'x := input.a[0] + count(l.xs)');
    if (e1?.kind === 'term' && e1.term.kind === 'call') {
      const rhs = e1.term.args[1] as Term;
      assert.equal(text(src, rhs), 'input.a[0] + count(l.xs)');
      assert.ok(rhs.kind === 'call');
      if (rhs.kind === 'call') {
        assert.equal(text(src, rhs.args[0]!), 'input.a[0]');
        assert.equal(text(src, rhs.args[1]!), 'count(l.xs)');
      }
    }
    assert.equal(text(src, e2!), 'not x == 2 with input.a as [1]');
    assert.equal(text(src, e2!.with[0]!), 'with input.a as [1]');
  });

  it('spans composite literals, the package and imports', () => {
    assert.equal(text(src, m.rules[0]!.value!), '{"a": [1, 2]}');
    assert.equal(text(src, m.package), 'package t');
    assert.equal(text(src, m.imports[0]!), 'import data.lib as l');
    assert.equal(text(src, m.rules[0]!.else[0]!), 'else := 3');
  });

  it('ends a raw string that spans lines on its last line', () => {
    const v = m.rules[1]!.value!;
    assert.deepEqual([v.end?.line, v.end?.col], [9, 10]);
    assert.equal(text(src, v), '`line one\nline two`');
  });
});

describe('rego parser spans on every conformance policy', () => {
  it('gives every node with an end a non-empty span inside the file', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { dirname, join } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const { loadCases } = await import('../conformance/load-cases.js');
    const dir = join(dirname(fileURLToPath(import.meta.url)), '../conformance/cases');
    let checked = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      for (const c of loadCases(f.replace(/\.yaml$/, ''), readFileSync(join(dir, f), 'utf8'))) {
        for (const m of c.modules) {
          const r = parseModule(m.source, m.file);
          if (!r.ok) continue;
          const lines = m.source.split('\n');
          const visit = (x: unknown): void => {
            if (Array.isArray(x)) {
              x.forEach(visit);
              return;
            }
            if (typeof x !== 'object' || x === null) return;
            const node = x as { loc?: Loc; end?: Loc };
            if (node.loc && node.end) {
              checked++;
              const { loc, end } = node;
              assert.ok(end.line > loc.line || (end.line === loc.line && end.col > loc.col), `${m.file}: empty span ${JSON.stringify(node)}`);
              assert.ok(end.line <= lines.length && end.col <= (lines[end.line - 1]?.length ?? 0) + 1, `${m.file}: span ends outside the file`);
            }
            for (const [k, v] of Object.entries(x)) if (k !== 'loc' && k !== 'end') visit(v);
          };
          visit(r.module);
        }
      }
    }
    assert.ok(checked > 5000, `only ${checked} spans checked`);
  });
});
