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
