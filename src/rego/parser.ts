// Parser stage: Rego v1 source text → AST `Module` (see ast.ts), or every syntax diagnostic found.
// Recursive descent over the lexer's tokens, with OPA's operator precedence (lowest first):
// `:=`/`=` (expression level only) < `in` < `== != < <= > >=` < `|` < `&` < `+ -` < `* / %` < terms.
// A syntax error abandons the current rule and resumes at the next line that starts in column 1,
// so one run reports the errors of every rule.

import type {
  Body, CallTerm, ElseClause, Expr, Import, InfixSymbol, Loc, Module, ObjectEntry, PackageDecl,
  Rule, RuleKind, Term, VarTerm, WithModifier,
} from './ast.js';
import { INFIX_BUILTINS, MEMBER_3 } from './ast.js';
import { DiagnosticCollector, FrontEndCodes, type Diagnostic } from './diagnostics.js';
import { KEYWORDS, lex, type Token, type TokenKind } from './lexer.js';

export type ParseResult =
  | { readonly ok: true; readonly module: Module }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

/** Parses one module. `file` is used in every `loc` and diagnostic. */
export function parseModule(source: string, file: string): ParseResult {
  const diagnostics = new DiagnosticCollector();
  const { tokens } = lex(source, file, diagnostics);
  const parser = new Parser(tokens, file, diagnostics.toArray());
  const module = parser.parseModule();
  const all = parser.diagnostics;
  if (all.length > 0 || module === undefined) {
    return { ok: false, diagnostics: dedupe(all) };
  }
  return { ok: true, module };
}

/** Parses a single term (used by tests and tools, e.g. for `with` values given on a command line). */
export function parseTerm(source: string, file = '<term>'): { ok: true; term: Term } | { ok: false; diagnostics: Diagnostic[] } {
  const diagnostics = new DiagnosticCollector();
  const { tokens } = lex(source, file, diagnostics);
  const parser = new Parser(tokens, file, diagnostics.toArray());
  const term = parser.parseStandaloneTerm();
  if (parser.diagnostics.length > 0 || term === undefined) return { ok: false, diagnostics: dedupe(parser.diagnostics) };
  return { ok: true, term };
}

function dedupe(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of list) {
    const key = `${d.file}:${d.line}:${d.col}:${d.code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

/** Thrown inside the parser to abandon the current rule after a diagnostic was recorded. */
class ParseAbort extends Error {}

/**
 * Like ParseAbort, but speculative parses (`attempt`) must not retry alternatives after it: retrying
 * at every nesting level would turn one failure into exponential work.
 */
class ParseFatal extends ParseAbort {}

const KEYWORD_KINDS: ReadonlySet<string> = new Set(KEYWORDS);

function isKeyword(kind: TokenKind): boolean {
  return KEYWORD_KINDS.has(kind);
}

/** Deep enough for any real policy, shallow enough that hostile input cannot exhaust the stack. */
const MAX_NESTING = 200;

const FUTURE_KEYWORDS: ReadonlySet<string> = new Set(['in', 'every', 'contains', 'if']);

const RELATION_OPS: ReadonlySet<TokenKind> = new Set(['==', '!=', '<', '<=', '>', '>=']);

type Assign = ':=' | '=';

type TermMemo =
  | { readonly kind: 'term'; readonly term: Term; readonly end: number; readonly wildcardsBefore: number; readonly wildcardsAfter: number }
  | { readonly kind: 'failure'; readonly diagnostics: readonly Diagnostic[]; readonly end: number; readonly wildcardsBefore: number };

class Parser {
  readonly #tokens: readonly Token[];
  readonly #file: string;
  readonly #diags: Diagnostic[];
  #pos = 0;
  #wildcards = 0;
  #depth = 0;
  /** >0 while inside `attempt`: errors must then propagate so the caller can try another reading. */
  #speculative = 0;
  // Comprehension detection re-parses terms after a failed attempt; remembering finished terms by
  // start position keeps nested literals linear instead of doubling per nesting level.
  // Failures are remembered too (with the diagnostics they produced), or a syntax error deep inside
  // nested literals would be re-discovered once per alternative per level.
  readonly #termMemo = new Map<number, TermMemo>();

  constructor(tokens: readonly Token[], file: string, lexDiagnostics: Diagnostic[]) {
    this.#tokens = tokens;
    this.#file = file;
    this.#diags = [...lexDiagnostics];
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.#diags;
  }

  // ───────────────────────── token helpers ─────────────────────────

  private get tok(): Token {
    return this.#tokens[this.#pos] ?? (this.#tokens[this.#tokens.length - 1] as Token);
  }

  private peek(n = 1): Token {
    return this.#tokens[this.#pos + n] ?? (this.#tokens[this.#tokens.length - 1] as Token);
  }

  private next(): Token {
    const t = this.tok;
    if (t.kind !== 'eof') this.#pos++;
    return t;
  }

  private is(kind: TokenKind): boolean {
    return this.tok.kind === kind;
  }

  private loc(t: Token = this.tok): Loc {
    return { file: this.#file, line: t.line, col: t.col };
  }

  /** The position just past the last consumed token (raw strings may span lines). */
  private endLoc(): Loc {
    const t = this.#tokens[this.#pos - 1];
    if (t === undefined) return this.loc();
    const nl = t.text.lastIndexOf('\n');
    if (nl < 0) return { file: this.#file, line: t.line, col: t.col + t.text.length };
    const lines = t.text.split('\n').length - 1;
    return { file: this.#file, line: t.line + lines, col: t.text.length - nl };
  }

  /** Gives a node its source span, ending at the last consumed token. */
  private spanned<T extends { readonly loc: Loc }>(node: T): T {
    return { ...node, end: this.endLoc() };
  }

  private error(code: string, message: string, t: Token = this.tok): never {
    // An illegal token was already reported by the lexer; stopping is enough.
    if (t.kind !== 'illegal') this.report(code, message, t);
    throw new ParseAbort();
  }

  private report(code: string, message: string, t: Token = this.tok): void {
    this.#diags.push({ code, message, file: this.#file, line: t.line, col: t.col });
  }

  private unexpected(expected: string): never {
    const t = this.tok;
    const what = t.kind === 'eof' ? 'end of file' : `${JSON.stringify(t.text)}`;
    return this.error(FrontEndCodes.unexpectedToken, `unexpected ${what}: expected ${expected}`, t);
  }

  private expect(kind: TokenKind, expected: string = JSON.stringify(kind)): Token {
    if (!this.is(kind)) this.unexpected(expected);
    return this.next();
  }

  /** Runs `f` speculatively: on failure, restores the position and drops its diagnostics. */
  private attempt<T>(f: () => T): T | undefined {
    const pos = this.#pos;
    const ndiags = this.#diags.length;
    const wildcards = this.#wildcards;
    this.#speculative++;
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ParseAbort) || e instanceof ParseFatal) throw e;
      this.#pos = pos;
      this.#diags.length = ndiags;
      this.#wildcards = wildcards;
      return undefined;
    } finally {
      this.#speculative--;
    }
  }

  /** Skips to the next token that starts a line in column 1 (the start of the next top-level statement). */
  private synchronize(): void {
    if (this.tok.kind !== 'eof') this.next();
    while (!this.is('eof')) {
      const t = this.tok;
      if (t.newlineBefore && t.col === 1 && t.kind !== '}' && t.kind !== ']' && t.kind !== ')') return;
      this.next();
    }
  }

  // ───────────────────────── module level ─────────────────────────

  parseModule(): Module | undefined {
    let pkg: PackageDecl | undefined;
    try {
      pkg = this.parsePackage();
    } catch (e) {
      if (!(e instanceof ParseAbort)) throw e;
      this.synchronize();
    }
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (!this.is('eof')) {
      try {
        if (this.is('import')) {
          if (rules.length > 0) {
            this.report(FrontEndCodes.invalidImport, 'imports must come before the rules of a module');
          }
          imports.push(this.parseImport());
        } else if (this.is('package')) {
          this.error(FrontEndCodes.unexpectedToken, 'a module has exactly one package declaration');
        } else {
          for (const r of this.parseRule()) rules.push(r);
        }
        this.expectStatementEnd();
      } catch (e) {
        if (!(e instanceof ParseAbort)) throw e;
        this.synchronize();
      }
    }
    if (pkg === undefined) return undefined;
    return { file: this.#file, package: pkg, imports, rules, loc: pkg.loc, end: this.endLoc() };
  }

  parseStandaloneTerm(): Term | undefined {
    try {
      const t = this.parseTermIn(true);
      if (!this.is('eof')) this.unexpected('end of input');
      return t;
    } catch (e) {
      if (!(e instanceof ParseAbort)) throw e;
      return undefined;
    }
  }

  private expectStatementEnd(): void {
    if (this.is('eof') || this.tok.newlineBefore) return;
    if (this.is(';')) {
      this.next();
      return;
    }
    this.unexpected('a new line after the statement');
  }

  private parsePackage(): PackageDecl {
    if (!this.is('package')) {
      this.error(FrontEndCodes.missingPackage, 'a module must start with a package declaration');
    }
    const start = this.next();
    const path = this.parseStaticPath('package path');
    const end = this.endLoc();
    this.expectStatementEnd();
    return { path, loc: this.loc(start), end };
  }

  /** `a.b["c"]` → ["a", "b", "c"] (package and import paths). */
  private parseStaticPath(what: string): string[] {
    const first = this.tok;
    if (first.kind !== 'ident') this.unexpected(what);
    this.next();
    const path = [first.text];
    while (!this.tok.spaceBefore && (this.is('.') || this.is('['))) {
      if (this.is('.')) {
        this.next();
        path.push(this.parseFieldName());
      } else {
        this.next();
        const s = this.tok;
        if (s.kind !== 'string') this.unexpected(`a string in ${what}`);
        this.next();
        path.push(s.value);
        this.expect(']');
      }
    }
    return path;
  }

  /** The name after a `.` in a ref. Keywords are allowed there (`input.contains` names a field). */
  private parseFieldName(): string {
    const t = this.tok;
    if (t.kind === 'ident' || isKeyword(t.kind)) {
      if (t.spaceBefore) this.unexpected('a field name directly after "."');
      this.next();
      return t.text;
    }
    return this.unexpected('a field name after "."');
  }

  private parseImport(): Import {
    const start = this.next();
    const pathTok = this.tok;
    const path = this.parseStaticPath('import path');
    let alias: string | undefined;
    if (this.is('as')) {
      this.next();
      const a = this.tok;
      if (a.kind !== 'ident') this.unexpected('an alias name');
      this.next();
      alias = a.text;
    }
    const loc = this.loc(start);
    const root = path[0];
    switch (root) {
      case 'input':
      case 'data':
        return this.spanned({ kind: root, path, alias: alias ?? path[path.length - 1], loc });
      case 'rego':
        if (path.length !== 2 || path[1] !== 'v1') {
          this.error(FrontEndCodes.invalidImport, 'invalid import: the only `rego` import is `rego.v1`', pathTok);
        }
        if (alias !== undefined) this.error(FrontEndCodes.invalidImport, '`rego.v1` cannot be aliased', pathTok);
        return this.spanned({ kind: 'rego-v1', path, loc });
      case 'future': {
        const kw = path[2];
        if (path[1] !== 'keywords' || path.length > 3 || (kw !== undefined && !FUTURE_KEYWORDS.has(kw))) {
          this.error(
            FrontEndCodes.invalidImport,
            'invalid import: expected `future.keywords` or `future.keywords.<contains|every|if|in>`',
            pathTok,
          );
        }
        if (alias !== undefined) this.error(FrontEndCodes.invalidImport, '`future` imports cannot be aliased', pathTok);
        return this.spanned({ kind: 'future-keywords', path, loc });
      }
      default:
        return this.error(
          FrontEndCodes.invalidImport,
          `invalid import path: must start with input, data, rego or future (got ${JSON.stringify(root)})`,
          pathTok,
        );
    }
  }

  // ─────────────────────────── rules ───────────────────────────

  private parseRule(): Rule[] {
    const start = this.tok;
    const isDefault = this.is('default');
    if (isDefault) this.next();

    const nameTok = this.tok;
    if (nameTok.kind !== 'ident') {
      this.unexpected(isDefault ? 'a rule name after `default`' : 'a rule, import or end of file');
    }
    this.next();
    const segments: Term[] = [];
    let args: Term[] | undefined;
    // The head ref: `p`, `p.q.r`, `p[k]`, `p.q["r"]`, `f(x, y)`.
    while (!this.tok.spaceBefore && args === undefined) {
      if (this.is('.')) {
        this.next();
        const nameTok = this.tok;
        const name = this.parseFieldName();
        segments.push(this.spanned({ kind: 'string', value: name, raw: false, loc: this.loc(nameTok) }));
      } else if (this.is('[')) {
        this.next();
        segments.push(this.parseTermIn(false));
        this.expect(']');
      } else if (this.is('(')) {
        this.next();
        args = this.parseTermList(')');
        this.expect(')');
      } else {
        break;
      }
    }

    const loc = this.loc(start);
    const path: string[] = [nameTok.text];
    let key: Term | undefined;
    for (const [i, seg] of segments.entries()) {
      if (seg.kind === 'string' && key === undefined) {
        path.push(seg.value);
      } else if (key === undefined && i === segments.length - 1) {
        key = seg;
      } else {
        this.error(
          FrontEndCodes.unsupportedRuleHead,
          'unsupported rule head: only the last element of a rule head ref may be a variable key',
          nameTok,
        );
      }
    }
    if (args !== undefined && key !== undefined) {
      this.error(FrontEndCodes.invalidRuleHead, 'a function head cannot have a key', nameTok);
    }

    let kind: RuleKind;
    let value: Term | undefined;
    let valueImplicit = false;
    let assign: Assign | null = null;

    if (this.is('contains')) {
      if (args !== undefined) {
        this.error(FrontEndCodes.invalidRuleHead, '`contains` can only be used in partial set rules, not functions');
      }
      if (key !== undefined) {
        this.error(FrontEndCodes.invalidRuleHead, '`contains` cannot follow a rule head with a key');
      }
      if (isDefault) this.error(FrontEndCodes.invalidRuleHead, 'a partial set rule cannot be `default`');
      this.next();
      key = this.parseTermIn(true);
      kind = 'partial-set';
    } else {
      if (this.is(':=') || this.is('=')) {
        assign = this.next().kind === ':=' ? ':=' : '=';
        value = this.parseTermIn(true);
      }
      kind = args !== undefined ? 'function' : key !== undefined ? 'partial-object' : 'complete';
      if (value === undefined) {
        if (kind === 'partial-object' && !this.is('if')) {
          // `p[x] { … }` / `p[x]` is a v0 partial set.
          this.error(
            FrontEndCodes.v1Required,
            `Rego v1 syntax is required: write \`${nameTok.text} contains <value> if { … }\` for a partial set rule`,
            nameTok,
          );
        }
        value = { kind: 'boolean', value: true, loc: this.loc(nameTok) };
        valueImplicit = true;
      }
    }

    if (isDefault) {
      if (kind === 'partial-object' || valueImplicit) {
        this.error(FrontEndCodes.invalidRuleHead, 'a default rule needs a value: `default name := <value>`', nameTok);
      }
      if (value !== undefined && !isDefaultValue(value)) {
        this.error(
          FrontEndCodes.invalidRuleHead,
          'a default rule value must be a constant (no variables, references or calls)',
          nameTok,
        );
      }
      if (args !== undefined) {
        for (const a of args) {
          if (a.kind !== 'var') {
            this.error(FrontEndCodes.invalidRuleHead, 'default function arguments must be variables', nameTok);
          }
        }
      }
      if (this.is('if') || this.is('{')) {
        this.error(FrontEndCodes.invalidRuleHead, 'a default rule cannot have a body');
      }
    }

    let body: Body = [];
    let hasBody = false;
    if (this.is('if')) {
      this.next();
      body = this.parseRuleBody(true);
      hasBody = true;
    } else if (this.is('{')) {
      this.report(
        FrontEndCodes.v1Required,
        'Rego v1 syntax is required: `if` must come before a rule body',
      );
      this.next();
      body = this.parseBody('}');
      this.expect('}');
      hasBody = true;
    }
    if (!hasBody && kind !== 'partial-set' && valueImplicit && !isDefault) {
      this.error(
        FrontEndCodes.invalidRuleHead,
        `rule \`${nameTok.text}\` needs a value or a body (\`${nameTok.text} := <value>\` or \`${nameTok.text} if { … }\`)`,
        nameTok,
      );
    }

    const elses: ElseClause[] = [];
    while (this.is('else')) {
      if (kind === 'partial-set' || kind === 'partial-object') {
        this.error(FrontEndCodes.invalidRuleHead, '`else` can only follow complete rules and functions');
      }
      if (isDefault) this.error(FrontEndCodes.invalidRuleHead, '`else` cannot follow a default rule');
      elses.push(this.parseElse());
    }

    const base: Rule = {
      kind, path, name: nameTok.text, isDefault, args: args ?? [],
      ...(key !== undefined ? { key } : {}),
      ...(value !== undefined ? { value } : {}),
      valueImplicit, assign, body, else: elses, loc, end: this.endLoc(),
    };
    const rules: Rule[] = [base];
    // `p if { a } { b }`: further bodies define the same head again (one rule per body).
    while (hasBody && elses.length === 0 && this.is('{') && !this.tok.newlineBefore) {
      const bstart = this.next();
      const extra = this.parseBody('}');
      this.expect('}');
      rules.push({
        ...base, args: (args ?? []).map((a) => this.freshWildcards(a)), body: extra, loc: this.loc(bstart), end: this.endLoc(),
      });
    }
    return rules;
  }

  /** Each body of a rule gets its own wildcard names, as if written separately. */
  private freshWildcards(t: Term): Term {
    if (t.kind === 'var' && t.wildcard) return this.wildcard(t.loc);
    return t;
  }

  private parseElse(): ElseClause {
    const start = this.next(); // else
    let value: Term = { kind: 'boolean', value: true, loc: this.loc(start) };
    let valueImplicit = true;
    let assign: Assign | null = null;
    if (this.is(':=') || this.is('=')) {
      assign = this.next().kind === ':=' ? ':=' : '=';
      value = this.parseTermIn(true);
      valueImplicit = false;
    } else if (!this.is('if') && !this.is('{')) {
      this.unexpected('`:= <value>`, `if` or a body after `else`');
    }
    let body: Body = [];
    if (this.is('if')) {
      this.next();
      body = this.parseRuleBody();
    } else if (this.is('{')) {
      this.report(FrontEndCodes.v1Required, 'Rego v1 syntax is required: `if` must come before an else body');
      this.next();
      body = this.parseBody('}');
      this.expect('}');
    }
    return { value, valueImplicit, assign, body, loc: this.loc(start), end: this.endLoc() };
  }

  /**
   * After `if`: `{ query }` or a single expression. As in OPA, a rule (not an else clause) first
   * tries `{` as the start of a single expression (`p if {"a": 1} in xs`) and takes it as a body
   * when that fails or yields a bare set literal (`p if { x }` is a body, never a set).
   */
  private parseRuleBody(tryLiteralFirst = false): Body {
    if (tryLiteralFirst && this.is('{')) {
      const literal = this.attempt(() => {
        const e = this.parseLiteral();
        if (e.kind === 'term' && e.term.kind === 'set' && e.with.length === 0) throw new ParseAbort();
        return e;
      });
      if (literal !== undefined) return [literal];
    }
    if (this.is('{')) {
      this.next();
      const body = this.parseBody('}');
      this.expect('}');
      return body;
    }
    return [this.parseLiteral()];
  }

  // ─────────────────────────── bodies ───────────────────────────

  /** Expressions separated by `;` or line breaks, up to (not including) `end`. */
  private parseBody(end: '}' | ']'): Body {
    if (this.is(end)) {
      this.error(FrontEndCodes.unexpectedToken, 'found an empty body');
    }
    const exprs: Expr[] = [];
    for (;;) {
      const start = this.#pos;
      try {
        exprs.push(this.parseLiteral());
      } catch (e) {
        if (!(e instanceof ParseAbort) || e instanceof ParseFatal || this.#speculative > 0) throw e;
        // Skip the broken expression and go on with the next one, so one run reports the errors of
        // every expression; the rule is dropped later because diagnostics were recorded.
        this.skipExpression(start);
        if (this.is('eof')) throw e;
      }
      if (this.is(';')) {
        this.next();
        if (this.is(end)) return exprs;
        continue;
      }
      if (this.is(end)) return exprs;
      if (!this.tok.newlineBefore) {
        if (this.#speculative > 0) this.unexpected(`a new line, ";" or "${end}"`);
        this.report(FrontEndCodes.unexpectedToken, `unexpected ${JSON.stringify(this.tok.text)}: expected a new line, ";" or "${end}"`);
        this.skipExpression(this.#pos);
        if (this.is('eof')) throw new ParseAbort();
        if (this.is(';')) this.next();
        if (this.is(end)) return exprs;
      }
    }
  }

  private parseLiteral(): Expr {
    return this.spanned(this.parseLiteralUnspanned());
  }

  /**
   * Moves from an expression's first token to the token after it: the first token outside any
   * brackets opened within the expression that begins a new line or is `;`, or the bracket that
   * closes the enclosing body.
   */
  private skipExpression(start: number): void {
    this.#pos = start;
    let depth = 0;
    for (let first = true; !this.is('eof'); first = false) {
      const t = this.tok;
      if (!first && depth === 0 && (t.newlineBefore || t.kind === ';')) return;
      if (t.kind === '{' || t.kind === '[' || t.kind === '(') {
        depth++;
      } else if (t.kind === '}' || t.kind === ']' || t.kind === ')') {
        if (depth === 0 && !first) return;
        depth = Math.max(0, depth - 1);
      }
      this.next();
    }
  }

  private parseLiteralUnspanned(): Expr {
    const start = this.tok;
    const loc = this.loc(start);
    if (this.is('not')) {
      this.next();
      if (this.is('some') || this.is('every')) {
        this.error(FrontEndCodes.unexpectedToken, `\`not\` cannot be applied to \`${this.tok.text}\``);
      }
      const term = this.parseExprTerm();
      return { kind: 'not', term, with: this.parseWiths(), loc };
    }
    if (this.is('some')) return this.parseSome();
    if (this.is('every')) return this.parseEvery();
    const term = this.parseExprTerm();
    return { kind: 'term', term, with: this.parseWiths(), loc };
  }

  /** An expression: an infix term, optionally `lhs := rhs` / `lhs = rhs`. */
  private parseExprTerm(): Term {
    const lhs = this.parseTermIn(true);
    if (this.is(':=') || this.is('=')) {
      const opTok = this.next();
      const rhs = this.parseTermIn(true);
      const sym: InfixSymbol = opTok.kind === ':=' ? ':=' : '=';
      return this.infixCall(sym, [lhs, rhs], lhs.loc);
    }
    return lhs;
  }

  private parseWiths(): WithModifier[] {
    const withs: WithModifier[] = [];
    while (this.is('with')) {
      const w = this.next();
      if (!this.is('ident')) this.unexpected('a reference to input or data after `with`');
      const target = this.parseTerm();
      if (target.kind !== 'var' && target.kind !== 'ref') {
        this.error(FrontEndCodes.invalidWithTarget, '`with` target must be a reference', w);
      }
      this.expect('as', '`as`');
      const value = this.parseTermIn(true);
      withs.push({ target, value, loc: this.loc(w), end: this.endLoc() });
    }
    return withs;
  }

  private parseSome(): Expr {
    const start = this.next(); // some
    const loc = this.loc(start);
    const member = this.attempt(() => {
      const t = this.parseTermIn(true);
      if (t.kind === 'call' && (t.operator === INFIX_BUILTINS.in || t.operator === MEMBER_3) && t.infix === 'in') {
        return t;
      }
      throw new ParseAbort();
    });
    if (member !== undefined) {
      const [a, b, c] = member.args;
      const withs = this.parseWiths();
      if (member.args.length === 3 && a !== undefined && b !== undefined && c !== undefined) {
        return { kind: 'some-in', key: a, value: b, collection: c, with: withs, loc };
      }
      if (a !== undefined && b !== undefined) {
        return { kind: 'some-in', value: a, collection: b, with: withs, loc };
      }
    }
    const vars: VarTerm[] = [];
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'ident') {
        this.error(
          FrontEndCodes.invalidDeclaration,
          '`some` must be followed by variables (`some x, y`) or a membership (`some x in xs`)',
        );
      }
      this.next();
      vars.push(this.varTerm(t));
      if (!this.is(',')) break;
      this.next();
    }
    return { kind: 'some-decl', vars, with: this.parseWiths(), loc };
  }

  private parseEvery(): Expr {
    const start = this.next(); // every
    const loc = this.loc(start);
    const t = this.parseTermIn(true);
    if (t.kind !== 'call' || t.infix !== 'in') {
      this.error(FrontEndCodes.invalidDeclaration, 'expected `every x in xs { … }` or `every k, v in xs { … }`', start);
    }
    let key: Term | undefined;
    let value: Term | undefined;
    let domain: Term | undefined;
    if (t.args.length === 3) [key, value, domain] = t.args;
    else [value, domain] = t.args;
    if (key !== undefined && key.kind !== 'var') {
      this.error(FrontEndCodes.invalidDeclaration, 'the key of `every` must be a variable', start);
    }
    if (value === undefined || value.kind !== 'var' || domain === undefined) {
      return this.error(FrontEndCodes.invalidDeclaration, 'the value of `every` must be a variable', start);
    }
    this.expect('{', 'a body `{ … }` after the `every` domain');
    const body = this.parseBody('}');
    this.expect('}');
    return {
      kind: 'every', ...(key !== undefined && key.kind === 'var' ? { key } : {}), value, domain, body,
      with: this.parseWiths(), loc,
    };
  }

  // ─────────────────────────── terms ───────────────────────────

  /** `in` level. With `keyVal`, `k, v in xs` is accepted (member_3); in lists the comma separates items. */
  private parseTermIn(keyVal: boolean): Term {
    let lhs = this.parseRelation();
    for (;;) {
      if (keyVal && this.is(',')) {
        const saved = lhs;
        const kv = this.attempt(() => {
          this.next();
          const mhs = this.parseRelation();
          if (!this.is('in')) throw new ParseAbort();
          this.next();
          const rhs = this.parseRelation();
          return this.call(MEMBER_3, [saved, mhs, rhs], saved.loc, 'in');
        });
        if (kv !== undefined) {
          lhs = kv;
          continue;
        }
      }
      if (this.is('in')) {
        this.next();
        const rhs = this.parseRelation();
        lhs = this.infixCall('in', [lhs, rhs], lhs.loc);
        continue;
      }
      return lhs;
    }
  }

  private parseRelation(): Term {
    let lhs = this.parseOr();
    while (RELATION_OPS.has(this.tok.kind)) {
      const sym = this.next().kind as InfixSymbol;
      const rhs = this.parseOr();
      lhs = this.infixCall(sym, [lhs, rhs], lhs.loc);
    }
    return lhs;
  }

  private parseOr(): Term {
    let lhs = this.parseAnd();
    while (this.is('|')) {
      this.next();
      lhs = this.infixCall('|', [lhs, this.parseAnd()], lhs.loc);
    }
    return lhs;
  }

  private parseAnd(): Term {
    let lhs = this.parseArith();
    while (this.is('&')) {
      this.next();
      lhs = this.infixCall('&', [lhs, this.parseArith()], lhs.loc);
    }
    return lhs;
  }

  private parseArith(): Term {
    let lhs = this.parseFactor();
    while (this.is('+') || this.is('-')) {
      const sym = this.next().kind as InfixSymbol;
      lhs = this.infixCall(sym, [lhs, this.parseFactor()], lhs.loc);
    }
    return lhs;
  }

  private parseFactor(): Term {
    let lhs = this.parseTerm();
    while (this.is('*') || this.is('/') || this.is('%')) {
      const sym = this.next().kind as InfixSymbol;
      lhs = this.infixCall(sym, [lhs, this.parseTerm()], lhs.loc);
    }
    return lhs;
  }

  /** A primary term followed by any ref/call suffixes written directly after it. */
  private parseTerm(): Term {
    const startPos = this.#pos;
    const memo = this.#termMemo.get(startPos);
    if (memo !== undefined && memo.wildcardsBefore === this.#wildcards) {
      if (memo.kind === 'term') {
        this.#pos = memo.end;
        this.#wildcards = memo.wildcardsAfter;
        return memo.term;
      }
      this.#pos = memo.end;
      for (const d of memo.diagnostics) this.#diags.push(d);
      throw new ParseAbort();
    }
    const wildcardsBefore = this.#wildcards;
    const ndiags = this.#diags.length;
    try {
      const term = this.parsePrimaryWithSuffix();
      this.#termMemo.set(startPos, { kind: 'term', term, end: this.#pos, wildcardsBefore, wildcardsAfter: this.#wildcards });
      return term;
    } catch (e) {
      if (e instanceof ParseAbort && !(e instanceof ParseFatal)) {
        this.#termMemo.set(startPos, { kind: 'failure', diagnostics: this.#diags.slice(ndiags), end: this.#pos, wildcardsBefore });
      }
      throw e;
    }
  }

  private parsePrimaryWithSuffix(): Term {
    if (this.#depth >= MAX_NESTING) {
      this.report(FrontEndCodes.nestingTooDeep, `terms are nested more than ${MAX_NESTING} levels deep`);
      throw new ParseFatal();
    }
    this.#depth++;
    try {
      return this.parsePrimaryWithSuffixUnguarded();
    } finally {
      this.#depth--;
    }
  }

  private parsePrimaryWithSuffixUnguarded(): Term {
    const t = this.tok;
    const loc = this.loc(t);
    let term: Term;
    switch (t.kind) {
      case 'null':
        this.next();
        term = { kind: 'null', loc };
        break;
      case 'true':
      case 'false':
        this.next();
        term = { kind: 'boolean', value: t.kind === 'true', loc };
        break;
      case 'number':
        this.next();
        term = { kind: 'number', text: t.text, loc };
        break;
      case '-': {
        this.next();
        const n = this.tok;
        if (n.kind !== 'number') {
          return this.error(
            FrontEndCodes.unexpectedToken,
            'unary minus applies only to number literals (write `0 - x` to negate a value)',
          );
        }
        this.next();
        term = { kind: 'number', text: `-${n.text}`, loc };
        break;
      }
      case 'string':
        this.next();
        term = { kind: 'string', value: t.value, raw: t.raw, loc };
        break;
      case 'ident':
      case 'contains': // a keyword only in rule heads; elsewhere it names the built-in
        this.next();
        term = this.varTerm(t);
        break;
      case '[':
        term = this.parseArray();
        break;
      case '{':
        term = this.parseSetOrObject();
        break;
      case '(': {
        this.next();
        term = this.parseTermIn(true);
        this.expect(')', '")"');
        break;
      }
      default:
        return this.unexpected('a term');
    }
    return this.parseTermSuffix(this.spanned(term));
  }

  private parseTermSuffix(head: Term): Term {
    let term = head;
    for (;;) {
      if (this.tok.spaceBefore) return term;
      if (this.is('.')) {
        this.next();
        const nameTok = this.tok;
        const name = this.parseFieldName();
        term = this.spanned(this.appendPath(term, this.spanned({ kind: 'string', value: name, raw: false, loc: this.loc(nameTok) })));
      } else if (this.is('[')) {
        this.next();
        const key = this.parseTermIn(false);
        this.expect(']', '"]"');
        term = this.spanned(this.appendPath(term, key));
      } else if (this.is('(')) {
        const open = this.tok;
        const name = operatorPath(term);
        if (name === undefined) {
          this.error(FrontEndCodes.invalidTerm, 'only a function name can be called', open);
        }
        this.next();
        const args = this.is(')') ? [] : this.parseTermList(')');
        this.expect(')', '")"');
        if (name.length === 1 && name[0] === 'set' && args.length === 0) {
          term = this.spanned({ kind: 'set', items: [], loc: term.loc });
        } else {
          term = this.spanned({ kind: 'call', operator: name.join('.'), operatorPath: name, args, loc: term.loc });
        }
      } else {
        return term;
      }
    }
  }

  private appendPath(term: Term, element: Term): Term {
    if (term.kind === 'ref') return { ...term, path: [...term.path, element] };
    switch (term.kind) {
      case 'var':
      case 'array':
      case 'object':
      case 'set':
      case 'call':
      case 'array-comprehension':
      case 'set-comprehension':
      case 'object-comprehension':
        return { kind: 'ref', head: term, path: [element], loc: term.loc };
      default:
        return this.error(FrontEndCodes.invalidTerm, `a ${term.kind} cannot be the head of a reference`);
    }
  }

  /** Comma-separated terms up to `end` (not consumed); a trailing comma is allowed. */
  private parseTermList(end: ')' | ']' | '}'): Term[] {
    const items: Term[] = [];
    while (!this.is(end)) {
      items.push(this.parseTermIn(false));
      if (this.is(',')) {
        this.next();
        continue;
      }
      if (!this.is(end)) this.unexpected(`"," or "${end}"`);
    }
    return items;
  }

  /**
   * A comprehension head (or object comprehension key/value): any term built from operators that
   * bind tighter than `|`, so `[x * 2 | …]` works and `[a | b]` stays a comprehension, never `or(a, b)`.
   */
  private parseComprehensionPart(): Term {
    return this.parseAnd();
  }

  private parseArray(): Term {
    const open = this.next();
    const loc = this.loc(open);
    if (this.is(']')) {
      this.next();
      return { kind: 'array', items: [], loc };
    }
    // `[x | body]` is a comprehension; the head is a plain term (so `[a | b]` is never `or(a, b)`).
    const comp = this.attempt(() => {
      const head = this.parseComprehensionPart();
      if (!this.is('|')) throw new ParseAbort();
      this.next();
      const body = this.parseBody(']');
      this.expect(']');
      return { kind: 'array-comprehension' as const, head, body, loc };
    });
    if (comp !== undefined) return comp;
    const items = this.parseTermList(']');
    this.expect(']');
    return { kind: 'array', items, loc };
  }

  private parseSetOrObject(): Term {
    const open = this.next();
    const loc = this.loc(open);
    if (this.is('}')) {
      this.next();
      return { kind: 'object', entries: [], loc };
    }
    const comp = this.attempt((): Term => {
      const head = this.parseComprehensionPart();
      if (this.is('|')) {
        this.next();
        const body = this.parseBody('}');
        this.expect('}');
        return { kind: 'set-comprehension', head, body, loc };
      }
      if (!this.is(':')) throw new ParseAbort();
      this.next();
      const value = this.parseComprehensionPart();
      if (!this.is('|')) throw new ParseAbort();
      this.next();
      const body = this.parseBody('}');
      this.expect('}');
      return { kind: 'object-comprehension', key: head, value, body, loc };
    });
    if (comp !== undefined) return comp;

    const first = this.parseTermIn(false);
    if (this.is(':')) {
      const entries: ObjectEntry[] = [];
      let key = first;
      for (;;) {
        this.expect(':', '":"');
        const value = this.parseTermIn(false);
        entries.push({ key, value });
        if (this.is(',')) {
          this.next();
          if (this.is('}')) break;
          key = this.parseTermIn(false);
          continue;
        }
        if (!this.is('}')) this.unexpected('"," or "}"');
        break;
      }
      this.expect('}');
      return { kind: 'object', entries, loc };
    }
    const items = [first];
    if (this.is(',')) {
      this.next();
      for (const t of this.parseTermList('}')) items.push(t);
    } else if (!this.is('}')) {
      this.unexpected('"," or "}"');
    }
    this.expect('}');
    return { kind: 'set', items, loc };
  }

  // ─────────────────────────── builders ───────────────────────────

  private varTerm(t: Token): VarTerm {
    if (t.text === '_') return this.wildcard(this.loc(t));
    return { kind: 'var', name: t.text, wildcard: false, loc: this.loc(t) };
  }

  private wildcard(loc: Loc): VarTerm {
    return { kind: 'var', name: `$${this.#wildcards++}`, wildcard: true, loc };
  }

  private infixCall(sym: InfixSymbol, args: Term[], loc: Loc): CallTerm {
    return this.call(INFIX_BUILTINS[sym], args, loc, sym);
  }

  private call(operator: string, args: Term[], loc: Loc, infix?: InfixSymbol): CallTerm {
    return this.spanned({ kind: 'call', operator, operatorPath: operator.split('.'), args, ...(infix ? { infix } : {}), loc });
  }
}

/** The dotted name of a callable term (`count`, `object.get`, `data.p.f`), or undefined. */
function operatorPath(term: Term): string[] | undefined {
  if (term.kind === 'var' && !term.wildcard) return [term.name];
  if (term.kind === 'ref' && term.head.kind === 'var' && !term.head.wildcard) {
    const out = [term.head.name];
    for (const p of term.path) {
      if (p.kind !== 'string') return undefined;
      out.push(p.value);
    }
    return out;
  }
  return undefined;
}

/** OPA's rule for default values: no variables, refs or calls outside comprehensions. */
function isDefaultValue(t: Term): boolean {
  switch (t.kind) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
    case 'array-comprehension':
    case 'set-comprehension':
    case 'object-comprehension':
      return true;
    case 'var':
    case 'ref':
    case 'call':
      return false;
    case 'array':
    case 'set':
      return t.items.every(isDefaultValue);
    case 'object':
      return t.entries.every((e) => isDefaultValue(e.key) && isDefaultValue(e.value));
    default: {
      const never: never = t;
      return never;
    }
  }
}
