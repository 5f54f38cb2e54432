// Lexer stage: Rego source text → tokens (with 1-based line/col and whitespace flags), plus
// diagnostics for characters, strings and numbers that cannot be tokens.

import { DiagnosticCollector, FrontEndCodes } from './diagnostics.js';

export const KEYWORDS = [
  'package', 'import', 'as', 'default', 'if', 'else', 'not', 'some', 'every', 'in', 'contains',
  'with', 'true', 'false', 'null',
] as const;

export type Keyword = (typeof KEYWORDS)[number];

export const PUNCTUATORS = [
  ':=', '==', '!=', '<=', '>=',
  '{', '}', '[', ']', '(', ')', '.', ',', ';', ':', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|',
] as const;

export type Punctuator = (typeof PUNCTUATORS)[number];

export type TokenKind = 'ident' | 'number' | 'string' | 'eof' | 'illegal' | Keyword | Punctuator;

export interface Token {
  readonly kind: TokenKind;
  /** The exact source text of the token (for strings, including the quotes). */
  readonly text: string;
  /** For `string` tokens, the unescaped value; otherwise equal to `text`. */
  readonly value: string;
  /** For `string` tokens: written in backticks. */
  readonly raw: boolean;
  readonly line: number;
  readonly col: number;
  readonly offset: number;
  /** Whitespace or a comment separates this token from the previous one (refs and calls need adjacency). */
  readonly spaceBefore: boolean;
  /** A line break separates this token from the previous one (it ends a body expression). */
  readonly newlineBefore: boolean;
}

export interface LexResult {
  readonly tokens: readonly Token[];
}

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);
const TWO_CHAR_PUNCT: ReadonlySet<string> = new Set([':=', '==', '!=', '<=', '>=']);
const ONE_CHAR_PUNCT: ReadonlySet<string> = new Set('{}[]().,;:=<>+-*/%&|'.split(''));

// Identifiers follow OPA: a letter or `_`, then letters, digits or `_` (Unicode letters allowed).
const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{Nd}_]/u;

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

function isKeyword(s: string): s is Keyword {
  return KEYWORD_SET.has(s);
}

function isPunctuator(s: string): s is Punctuator {
  return TWO_CHAR_PUNCT.has(s) || ONE_CHAR_PUNCT.has(s);
}

/**
 * Tokenizes a whole module. Never throws: problems become diagnostics in `diagnostics` and an
 * `illegal` token in the stream (so the parser can stop there without repeating the report).
 * The stream always ends with one `eof` token.
 */
export function lex(source: string, file: string, diagnostics: DiagnosticCollector): LexResult {
  const tokens: Token[] = [];
  // Editors on some platforms prefix UTF-8 files with a byte order mark; it is not part of the policy.
  let pos = source.startsWith('\uFEFF') ? 1 : 0;
  let line = 1;
  let lineStart = pos;
  let spaceBefore = false;
  let newlineBefore = true;

  const col = (at: number): number => at - lineStart + 1;
  const report = (code: string, message: string, l: number, c: number): void =>
    diagnostics.add(code, message, { file, line: l, col: c });

  const push = (kind: TokenKind, start: number, startLine: number, startCol: number, value?: string, raw = false): void => {
    const text = source.slice(start, pos);
    tokens.push({
      kind, text, value: value ?? text, raw, line: startLine, col: startCol, offset: start,
      spaceBefore, newlineBefore,
    });
    spaceBefore = false;
    newlineBefore = false;
  };

  while (pos < source.length) {
    const ch = source[pos] as string;

    if (ch === '\n') {
      pos++;
      line++;
      lineStart = pos;
      spaceBefore = true;
      newlineBefore = true;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      pos++;
      spaceBefore = true;
      continue;
    }
    if (ch === '#') {
      while (pos < source.length && source[pos] !== '\n') pos++;
      spaceBefore = true;
      continue;
    }

    const start = pos;
    const startLine = line;
    const startCol = col(pos);

    if (ch === '"') {
      const value = scanString();
      push(value === undefined ? 'illegal' : 'string', start, startLine, startCol, value ?? '');
      continue;
    }
    if (ch === '`') {
      pos++;
      while (pos < source.length && source[pos] !== '`') {
        if (source[pos] === '\n') {
          line++;
          lineStart = pos + 1;
        }
        pos++;
      }
      if (pos >= source.length) {
        report(FrontEndCodes.unterminatedString, 'raw string is not terminated', startLine, startCol);
        push('illegal', start, startLine, startCol);
        continue;
      }
      pos++;
      push('string', start, startLine, startCol, source.slice(start + 1, pos - 1), true);
      continue;
    }
    if (isDigit(ch)) {
      const ok = scanNumber();
      push(ok ? 'number' : 'illegal', start, startLine, startCol);
      continue;
    }
    const cp = source.codePointAt(pos) as number;
    const cpStr = String.fromCodePoint(cp);
    if (IDENT_START.test(cpStr)) {
      pos += cpStr.length;
      while (pos < source.length) {
        const next = String.fromCodePoint(source.codePointAt(pos) as number);
        if (!IDENT_PART.test(next)) break;
        pos += next.length;
      }
      const word = source.slice(start, pos);
      push(isKeyword(word) ? word : 'ident', start, startLine, startCol);
      continue;
    }
    const two = source.slice(pos, pos + 2);
    if (TWO_CHAR_PUNCT.has(two) && isPunctuator(two)) {
      pos += 2;
      push(two, start, startLine, startCol);
      continue;
    }
    if (isPunctuator(ch)) {
      pos++;
      push(ch, start, startLine, startCol);
      continue;
    }
    pos += cpStr.length;
    report(FrontEndCodes.unexpectedChar, `unexpected character ${JSON.stringify(cpStr)}`, startLine, startCol);
    push('illegal', start, startLine, startCol);
  }
  tokens.push({
    kind: 'eof', text: '', value: '', raw: false, line, col: col(pos), offset: pos, spaceBefore, newlineBefore: true,
  });
  return { tokens };

  // A JSON-shaped number: int, optional fraction, optional exponent; no leading zeros.
  function scanNumber(): boolean {
    const startLine = line;
    const startCol = col(pos);
    const numStart = pos;
    let ok = true;
    if (source[pos] === '0' && isDigit(source[pos + 1])) ok = false;
    while (isDigit(source[pos])) pos++;
    if (source[pos] === '.' && isDigit(source[pos + 1])) {
      pos++;
      while (isDigit(source[pos])) pos++;
    }
    if (source[pos] === 'e' || source[pos] === 'E') {
      const save = pos;
      pos++;
      if (source[pos] === '+' || source[pos] === '-') pos++;
      if (!isDigit(source[pos])) {
        pos = save + 1;
        ok = false;
      }
      while (isDigit(source[pos])) pos++;
    }
    // A letter glued to a number (`1x`) is a malformed number, not two tokens.
    while (pos < source.length && IDENT_PART.test(source[pos] as string)) {
      pos++;
      ok = false;
    }
    if (!ok) {
      report(FrontEndCodes.invalidNumber, `invalid number ${JSON.stringify(source.slice(numStart, pos))}`, startLine, startCol);
    }
    return ok;
  }

  // Returns the unescaped value, or undefined after reporting a problem (position is past the string).
  function scanString(): string | undefined {
    const startLine = line;
    const startCol = col(pos);
    pos++; // opening quote
    let out = '';
    let ok = true;
    while (true) {
      if (pos >= source.length || source[pos] === '\n') {
        report(FrontEndCodes.unterminatedString, 'string is not terminated', startLine, startCol);
        return undefined;
      }
      const c = source[pos] as string;
      if (c === '"') {
        pos++;
        return ok ? out : undefined;
      }
      if (c !== '\\') {
        // Control characters must be escaped in JSON strings; OPA rejects them too.
        if (c < ' ') {
          report(FrontEndCodes.invalidEscape, 'control character in string must be escaped', line, col(pos));
          ok = false;
        }
        out += c;
        pos++;
        continue;
      }
      const escLine = line;
      const escCol = col(pos);
      const e = source[pos + 1];
      pos += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = source.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            report(FrontEndCodes.invalidEscape, 'invalid \\u escape: expected four hex digits', escLine, escCol);
            ok = false;
            break;
          }
          pos += 4;
          // Surrogate pairs arrive as two escapes; concatenating the code units rebuilds the character.
          out += String.fromCharCode(parseInt(hex, 16));
          break;
        }
        default:
          if (e === undefined || e === '\n') {
            pos--;
            break;
          }
          report(FrontEndCodes.invalidEscape, `invalid escape \\${e}`, escLine, escCol);
          ok = false;
      }
    }
  }
}
