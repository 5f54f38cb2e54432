import { strict as assert } from 'node:assert';
import { DiagnosticCollector } from '../../../src/rego/diagnostics.js';
import { lex, type Token } from '../../../src/rego/lexer.js';

function tokens(src: string): { toks: Token[]; diags: ReturnType<DiagnosticCollector['toArray']> } {
  const d = new DiagnosticCollector();
  const { tokens: toks } = lex(src, 'm.rego', d);
  return { toks: [...toks], diags: d.toArray() };
}

function kinds(src: string): string[] {
  return tokens(src).toks.map((t) => t.kind);
}

describe('rego lexer', () => {
  describe('token kinds', () => {
    const cases: Array<[string, string[]]> = [
      ['package a.b', ['package', 'ident', '.', 'ident', 'eof']],
      ['x := 1', ['ident', ':=', 'number', 'eof']],
      ['a == b != c <= d >= e < f > g', ['ident', '==', 'ident', '!=', 'ident', '<=', 'ident', '>=', 'ident', '<', 'ident', '>', 'ident', 'eof']],
      ['a+b-c*d/e%f&g|h', ['ident', '+', 'ident', '-', 'ident', '*', 'ident', '/', 'ident', '%', 'ident', '&', 'ident', '|', 'ident', 'eof']],
      ['{[()]};:,=', ['{', '[', '(', ')', ']', '}', ';', ':', ',', '=', 'eof']],
      ['if contains in every some not with as default else import true false null', ['if', 'contains', 'in', 'every', 'some', 'not', 'with', 'as', 'default', 'else', 'import', 'true', 'false', 'null', 'eof']],
      ['input data set _ _x x_1 élan', ['ident', 'ident', 'ident', 'ident', 'ident', 'ident', 'ident', 'eof']],
      ['ifx inx', ['ident', 'ident', 'eof']],
      ['"s" `r`', ['string', 'string', 'eof']],
      ['1 # comment := "x"\n2', ['number', 'number', 'eof']],
      ['', ['eof']],
    ];
    for (const [src, expected] of cases) {
      it(`lexes ${JSON.stringify(src)}`, () => {
        assert.deepEqual(kinds(src), expected);
        assert.deepEqual(tokens(src).diags, []);
      });
    }
  });

  describe('numbers', () => {
    for (const text of ['0', '7', '42', '3.14', '0.5', '1e3', '1E3', '2.5e-3', '6e+10', '12345678901234567890123']) {
      it(`keeps the exact text of ${text}`, () => {
        const { toks, diags } = tokens(text);
        assert.equal(toks[0]?.kind, 'number');
        assert.equal(toks[0]?.text, text);
        assert.deepEqual(diags, []);
      });
    }
    for (const text of ['01', '1e', '1ex', '12abc']) {
      it(`rejects ${text} with lex_invalid_number`, () => {
        const { toks, diags } = tokens(text);
        assert.equal(toks[0]?.kind, 'illegal');
        assert.deepEqual(diags.map((d) => [d.code, d.line, d.col]), [['lex_invalid_number', 1, 1]]);
      });
    }
    it('lexes a minus sign as its own token (the parser folds it into literals)', () => {
      assert.deepEqual(kinds('-1'), ['-', 'number', 'eof']);
    });
    it('does not take a trailing dot into the number', () => {
      assert.deepEqual(kinds('1.x'), ['number', '.', 'ident', 'eof']);
    });
  });

  describe('strings', () => {
    const cases: Array<[string, string]> = [
      ['"abc"', 'abc'],
      ['""', ''],
      ['"a\\"b"', 'a"b'],
      ['"a\\\\b"', 'a\\b'],
      ['"\\/"', '/'],
      ['"\\b\\f\\n\\r\\t"', '\b\f\n\r\t'],
      ['"\\u00e9"', 'é'],
      ['"\\u00E9t\\u00e9"', 'été'],
      ['"\\ud83d\\ude00"', '😀'],
      ['"héllo 😀"', 'héllo 😀'],
      ['"# not a comment"', '# not a comment'],
    ];
    for (const [src, value] of cases) {
      it(`unescapes ${src}`, () => {
        const { toks, diags } = tokens(src);
        assert.equal(toks[0]?.kind, 'string');
        assert.equal(toks[0]?.value, value);
        assert.equal(toks[0]?.raw, false);
        assert.deepEqual(diags, []);
      });
    }
    it('keeps raw strings verbatim, including backslashes and line breaks', () => {
      const { toks } = tokens('`a\\nb\n"c"`');
      assert.equal(toks[0]?.value, 'a\\nb\n"c"');
      assert.equal(toks[0]?.raw, true);
    });
    it('counts lines inside raw strings', () => {
      const { toks } = tokens('`a\nb` x');
      assert.deepEqual([toks[1]?.line, toks[1]?.col], [2, 4]);
    });
    const bad: Array<[string, string, number, number]> = [
      ['"abc', 'lex_unterminated_string', 1, 1],
      ['x := "ab\ny', 'lex_unterminated_string', 1, 6],
      ['`abc', 'lex_unterminated_string', 1, 1],
      ['"a\\qb"', 'lex_invalid_escape', 1, 3],
      ['"\\u12"', 'lex_invalid_escape', 1, 2],
      ['"\\uZZZZ"', 'lex_invalid_escape', 1, 2],
      ['"a\tb"', 'lex_invalid_escape', 1, 3],
    ];
    for (const [src, code, line, col] of bad) {
      it(`reports ${code} for ${JSON.stringify(src)}`, () => {
        const { diags } = tokens(src);
        assert.deepEqual(diags.map((d) => [d.code, d.line, d.col]), [[code, line, col]]);
      });
    }
  });

  describe('positions and separators', () => {
    it('gives 1-based line and column to every token', () => {
      const { toks } = tokens('package p\n\n  x := "a"\n');
      assert.deepEqual(toks.map((t) => [t.kind, t.line, t.col]), [
        ['package', 1, 1], ['ident', 1, 9], ['ident', 3, 3], [':=', 3, 5], ['string', 3, 8], ['eof', 4, 1],
      ]);
    });
    it('marks tokens that follow a line break, including after a comment', () => {
      const { toks } = tokens('a b # c\nd;e');
      assert.deepEqual(toks.map((t) => t.newlineBefore), [true, false, true, false, false, true]);
    });
    it('marks tokens that follow whitespace (refs need adjacency)', () => {
      const { toks } = tokens('a.b [c]');
      assert.deepEqual(toks.map((t) => t.spaceBefore), [false, false, false, true, false, false, false]);
    });
    it('ignores a leading byte order mark', () => {
      const { toks, diags } = tokens('\uFEFFpackage p');
      assert.deepEqual(toks.map((t) => [t.kind, t.line, t.col]), [['package', 1, 1], ['ident', 1, 9], ['eof', 1, 10]]);
      assert.deepEqual(diags, []);
    });
    it('treats CRLF line endings like LF', () => {
      const { toks } = tokens('a\r\nb');
      assert.deepEqual(toks.map((t) => [t.kind, t.line, t.col, t.newlineBefore]), [
        ['ident', 1, 1, true], ['ident', 2, 1, true], ['eof', 2, 2, true],
      ]);
    });
    it('reports an unexpected character and keeps going', () => {
      const { toks, diags } = tokens('a @ b $ c');
      assert.deepEqual(toks.map((t) => t.kind), ['ident', 'illegal', 'ident', 'illegal', 'ident', 'eof']);
      assert.deepEqual(diags.map((d) => [d.code, d.line, d.col]), [
        ['lex_unexpected_char', 1, 3], ['lex_unexpected_char', 1, 7],
      ]);
    });
  });
});
