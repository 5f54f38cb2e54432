import { strict as assert } from 'node:assert';
import { compareDiagnostics, DiagnosticCollector, formatDiagnostic, makeDiagnostic } from '../../../src/rego/diagnostics.js';

describe('rego diagnostics', () => {
  it('formats as file:line:col so editors can jump to it, with the code last', () => {
    const d = makeDiagnostic('unsafe_var', 'var x is unsafe', { file: 'a.rego', line: 3, col: 7 });
    assert.equal(formatDiagnostic(d), 'a.rego:3:7: var x is unsafe (unsafe_var)');
  });

  it('sorts by file, line, column and code whatever order the stages added them in', () => {
    const c = new DiagnosticCollector();
    c.add('b_code', 'm', { file: 'b.rego', line: 1, col: 1 });
    c.add('z_code', 'm', { file: 'a.rego', line: 2, col: 5 });
    c.add('a_code', 'm', { file: 'a.rego', line: 2, col: 5 });
    c.add('c_code', 'm', { file: 'a.rego', line: 2, col: 1 });
    c.addAll([makeDiagnostic('d_code', 'm', { file: 'a.rego', line: 1, col: 9 })]);
    assert.deepEqual(c.toArray().map((d) => `${d.file}:${d.line}:${d.col}:${d.code}`), [
      'a.rego:1:9:d_code', 'a.rego:2:1:c_code', 'a.rego:2:5:a_code', 'a.rego:2:5:z_code', 'b.rego:1:1:b_code',
    ]);
    assert.equal(c.count, 5);
    assert.equal(c.hasErrors, true);
    assert.equal(compareDiagnostics(c.toArray()[0]!, c.toArray()[0]!), 0);
  });

  it('starts empty and stays usable after reading', () => {
    const c = new DiagnosticCollector();
    assert.equal(c.hasErrors, false);
    assert.deepEqual(c.toArray(), []);
    c.add('x', 'm', { file: 'f', line: 1, col: 1 });
    c.toArray().pop();
    assert.equal(c.toArray().length, 1);
  });
});
