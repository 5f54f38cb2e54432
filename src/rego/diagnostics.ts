// Compiler diagnostics: every stage (lexer, parser, checks, planner, backend) collects these with a
// source position instead of throwing, so one run reports every problem it can find.

/** A 1-based source position. `file` is the module's file name as given to the compiler. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/**
 * One problem found in a policy. `code` is stable snake_case (tests, tooling and docs key on it);
 * `message` is for humans and may change.
 */
export interface Diagnostic {
  readonly code: string;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export function makeDiagnostic(code: string, message: string, loc: SourceLocation): Diagnostic {
  return { code, message, file: loc.file, line: loc.line, col: loc.col };
}

/** `file:line:col: message (code)` — the format the CLI prints and editors can jump to. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message} (${d.code})`;
}

/** Orders diagnostics by file, then position, so reports are stable whatever order stages ran in. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.col !== b.col) return a.col - b.col;
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

export class DiagnosticCollector {
  readonly #items: Diagnostic[] = [];

  add(code: string, message: string, loc: SourceLocation): void {
    this.#items.push(makeDiagnostic(code, message, loc));
  }

  addAll(diagnostics: readonly Diagnostic[]): void {
    for (const d of diagnostics) this.#items.push(d);
  }

  get hasErrors(): boolean {
    return this.#items.length > 0;
  }

  get count(): number {
    return this.#items.length;
  }

  /** A sorted copy; the collector stays usable. */
  toArray(): Diagnostic[] {
    return [...this.#items].sort(compareDiagnostics);
  }
}

/**
 * Codes produced by the front end (lexer and parser). Later stages define their own; this table
 * exists so tests and docs name codes through one place.
 */
export const FrontEndCodes = {
  /** A character that starts no token. */
  unexpectedChar: 'lex_unexpected_char',
  /** A string or raw string reaching end of line / end of file without its closing quote. */
  unterminatedString: 'lex_unterminated_string',
  /** A backslash escape that JSON/Rego does not define, or a malformed `\uXXXX`. */
  invalidEscape: 'lex_invalid_escape',
  /** A number literal that is not JSON-shaped (`01`, `1.`, `1e`). */
  invalidNumber: 'lex_invalid_number',
  /** The parser met a token it cannot use here. */
  unexpectedToken: 'parse_unexpected_token',
  /** The module does not start with a `package` declaration. */
  missingPackage: 'parse_missing_package',
  /** A rule written in Rego v0 syntax (no `if` before the body, or a partial set without `contains`). */
  v1Required: 'parse_rego_v1_required',
  /** An import path that is not `input…`, `data…`, `rego.v1` or `future.keywords…`. */
  invalidImport: 'parse_invalid_import',
  /** A rule head shape the compiler does not support (e.g. several variable keys in a head ref). */
  unsupportedRuleHead: 'parse_unsupported_rule_head',
  /** A rule head that cannot be a rule (e.g. `default` on a function-less partial set). */
  invalidRuleHead: 'parse_invalid_rule_head',
  /** `every`/`some` written with something other than variables where variables are required. */
  invalidDeclaration: 'parse_invalid_declaration',
  /** A `with` target that is not a reference into `input` or `data`. */
  invalidWithTarget: 'parse_invalid_with_target',
  /** A term that is not allowed where it appears (e.g. a call or comprehension as an object key in a rule head). */
  invalidTerm: 'parse_invalid_term',
  /** Terms nested deeper than the parser allows (guards the stack against hostile input). */
  nestingTooDeep: 'parse_nesting_too_deep',
} as const;

export type FrontEndCode = (typeof FrontEndCodes)[keyof typeof FrontEndCodes];
