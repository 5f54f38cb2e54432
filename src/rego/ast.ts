// The Rego abstract syntax tree: the parser's output and the checker's / planner's input.
// Every node carries `loc` (1-based file/line/col of its first token) and, from the parser, `end`
// (the position just past its last character, so `loc`..`end` is the node's source span; optional
// because synthesized nodes have none). Nodes are plain readonly data
// (discriminated on `kind`) so later stages can switch exhaustively and tests can compare them.
//
// Stability: other stages build on these types. Change them only additively.

import type { SourceLocation } from './diagnostics.js';
import { assertNever } from '../shared/assert-never.js';

export type Loc = SourceLocation;

// ───────────────────────────── terms ─────────────────────────────

export interface NullTerm {
  readonly kind: 'null';
  readonly loc: Loc;
  readonly end?: Loc;
}

export interface BooleanTerm {
  readonly kind: 'boolean';
  readonly value: boolean;
  readonly loc: Loc;
  readonly end?: Loc;
}

/**
 * A number literal. `text` is the JSON number text exactly as written (with a leading `-` when a
 * unary minus was applied directly to the literal): `1`, `-3`, `2.50`, `1e3`. Nothing is lost, so the
 * planner can emit an int64 when `text` is an integer that fits and `MakeNumberRefStmt` otherwise.
 */
export interface NumberTerm {
  readonly kind: 'number';
  readonly text: string;
  readonly loc: Loc;
  readonly end?: Loc;
}

/** A string literal, already unescaped (`raw` says it was written in backticks). */
export interface StringTerm {
  readonly kind: 'string';
  readonly value: string;
  readonly raw: boolean;
  readonly loc: Loc;
  readonly end?: Loc;
}

/**
 * A variable. Each `_` in the source becomes its own wildcard variable with a unique name `$<n>`
 * (unique per module; `$` cannot occur in a source identifier) and `wildcard: true`.
 * `input` and `data` are ordinary var terms here; the checker gives them their meaning.
 */
export interface VarTerm {
  readonly kind: 'var';
  readonly name: string;
  readonly wildcard: boolean;
  readonly loc: Loc;
  readonly end?: Loc;
}

/**
 * A reference: a head term followed by a non-empty path. `input.a[x].b` is head `var input`, path
 * `[string a, var x, string b]` (dot segments become string terms). The head may be any term:
 * `f(x).y` (call), `[1, 2][i]` (array), `{"a": 1}.a` (object). Path elements may be any term,
 * including variables at any position (`data.p[_].q[k]`).
 */
export interface RefTerm {
  readonly kind: 'ref';
  readonly head: Term;
  readonly path: readonly Term[];
  readonly loc: Loc;
  readonly end?: Loc;
}

export interface ArrayTerm {
  readonly kind: 'array';
  readonly items: readonly Term[];
  readonly loc: Loc;
  readonly end?: Loc;
}

export interface ObjectEntry {
  readonly key: Term;
  readonly value: Term;
}

/** An object literal; entries keep source order (`{}` is the empty object). Keys may be composite. */
export interface ObjectTerm {
  readonly kind: 'object';
  readonly entries: readonly ObjectEntry[];
  readonly loc: Loc;
  readonly end?: Loc;
}

/** A set literal; `set()` is the empty set. */
export interface SetTerm {
  readonly kind: 'set';
  readonly items: readonly Term[];
  readonly loc: Loc;
  readonly end?: Loc;
}

export interface ArrayComprehensionTerm {
  readonly kind: 'array-comprehension';
  readonly head: Term;
  readonly body: Body;
  readonly loc: Loc;
  readonly end?: Loc;
}

export interface SetComprehensionTerm {
  readonly kind: 'set-comprehension';
  readonly head: Term;
  readonly body: Body;
  readonly loc: Loc;
  readonly end?: Loc;
}

export interface ObjectComprehensionTerm {
  readonly kind: 'object-comprehension';
  readonly key: Term;
  readonly value: Term;
  readonly body: Body;
  readonly loc: Loc;
  readonly end?: Loc;
}

/**
 * A call of a built-in or a user function.
 *
 * `operator` is the dotted name as written (`count`, `object.get`, `data.p.f`, `f` for a function
 * of the same package or an imported alias) — the checker resolves it. `operatorPath` holds the same
 * name split into segments (`["object", "get"]`).
 *
 * Infix and unary operators are calls too, under OPA's built-in names (`infix` keeps the symbol for
 * messages): `+ plus`, `- minus`, `* mul`, `/ div`, `% rem`, `& and`, `| or`, `== equal`, `!= neq`,
 * `< lt`, `<= lte`, `> gt`, `>= gte`, `:= assign`, `= eq`, `x in xs internal.member_2`,
 * `k, v in xs internal.member_3`. As in OPA, a unary minus applies only to number literals and is
 * folded into the literal's text (`-x` is a syntax error; `0 - x` is `minus(0, x)`).
 */
export interface CallTerm {
  readonly kind: 'call';
  readonly operator: string;
  readonly operatorPath: readonly string[];
  readonly args: readonly Term[];
  readonly infix?: InfixSymbol;
  readonly loc: Loc;
  readonly end?: Loc;
}

export type InfixSymbol =
  | '+' | '-' | '*' | '/' | '%' | '&' | '|'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | ':=' | '=' | 'in';

/** OPA's built-in name for each infix symbol (for `in`, the two-operand form). */
export const INFIX_BUILTINS: { readonly [S in InfixSymbol]: string } = {
  '+': 'plus',
  '-': 'minus',
  '*': 'mul',
  '/': 'div',
  '%': 'rem',
  '&': 'and',
  '|': 'or',
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
  ':=': 'assign',
  '=': 'eq',
  in: 'internal.member_2',
};

export const MEMBER_3 = 'internal.member_3';

export type ScalarTerm = NullTerm | BooleanTerm | NumberTerm | StringTerm;
export type CompositeTerm = ArrayTerm | ObjectTerm | SetTerm;
export type ComprehensionTerm =
  | ArrayComprehensionTerm
  | SetComprehensionTerm
  | ObjectComprehensionTerm;

export type Term = ScalarTerm | VarTerm | RefTerm | CompositeTerm | ComprehensionTerm | CallTerm;

export type TermKind = Term['kind'];

// ─────────────────────────── expressions ───────────────────────────

/** `with target as value`; `target` is a var (`input`, `data`) or a ref rooted at one of them. */
export interface WithModifier {
  readonly target: VarTerm | RefTerm;
  readonly value: Term;
  readonly loc: Loc;
  readonly end?: Loc;
}

/**
 * A plain expression: any term. Unifications, assignments, comparisons and built-in calls are
 * `call` terms (`x := 1` is `assign(x, 1)`); a bare term (`input.admin`, `f(x)`) succeeds when it
 * is defined and not `false`.
 */
export interface TermExpr {
  readonly kind: 'term';
  readonly term: Term;
  readonly with: readonly WithModifier[];
  readonly loc: Loc;
  readonly end?: Loc;
}

/** `not <term>`: succeeds when the term is undefined or false. */
export interface NotExpr {
  readonly kind: 'not';
  readonly term: Term;
  readonly with: readonly WithModifier[];
  readonly loc: Loc;
  readonly end?: Loc;
}

/** `some x, y`: declares local variables. */
export interface SomeDeclExpr {
  readonly kind: 'some-decl';
  readonly vars: readonly VarTerm[];
  readonly with: readonly WithModifier[];
  readonly loc: Loc;
  readonly end?: Loc;
}

/**
 * `some v in xs` (key absent) or `some k, v in xs`. Key and value are patterns: usually variables,
 * but OPA also allows composite/constant terms that are unified with each element.
 */
export interface SomeInExpr {
  readonly kind: 'some-in';
  readonly key?: Term;
  readonly value: Term;
  readonly collection: Term;
  readonly with: readonly WithModifier[];
  readonly loc: Loc;
  readonly end?: Loc;
}

/** `every v in xs { body }` / `every k, v in xs { body }`: key and value are variables. */
export interface EveryExpr {
  readonly kind: 'every';
  readonly key?: VarTerm;
  readonly value: VarTerm;
  readonly domain: Term;
  readonly body: Body;
  readonly with: readonly WithModifier[];
  readonly loc: Loc;
  readonly end?: Loc;
}

export type Expr = TermExpr | NotExpr | SomeDeclExpr | SomeInExpr | EveryExpr;

export type ExprKind = Expr['kind'];

/** A query: expressions that all must succeed. Empty means "always true" (a rule without a body). */
export type Body = readonly Expr[];

// ───────────────────────────── rules ─────────────────────────────

/**
 * - `complete`: `p := v if …`, `p if …` (value `true`), `p.q.r := v`
 * - `partial-set`: `p contains x if …`
 * - `partial-object`: `p[k] := v if …`
 * - `function`: `f(x, y) := v if …`, `f(x) if …` (value `true`)
 */
export type RuleKind = 'complete' | 'partial-set' | 'partial-object' | 'function';

/** `else := v if { … }`. Without `:= v` the value is `true`; without `if { … }` the body is empty. */
export interface ElseClause {
  readonly value: Term;
  /** True when the source wrote no value (the `true` in `value` was supplied by the parser). */
  readonly valueImplicit: boolean;
  readonly assign: ':=' | '=' | null;
  readonly body: Body;
  readonly loc: Loc;
  readonly end?: Loc;
}

export interface Rule {
  readonly kind: RuleKind;
  /**
   * The static part of the head ref, relative to the package: `p` → `["p"]`, `p.q.r` → `["p", "q", "r"]`,
   * `p.q[k] := v` → `["p", "q"]` (the variable key goes to `key`), `p["x"] := 1` → `["p", "x"]`.
   * The rule's document is `data.<package path>.<path…>`.
   */
  readonly path: readonly string[];
  /** `path[0]`, for convenience: the name rules are grouped by. */
  readonly name: string;
  /** `default p := v` (and `default f(_) := v`). */
  readonly isDefault: boolean;
  /** Function parameters (patterns: usually vars, may be constants or composites); empty otherwise. */
  readonly args: readonly Term[];
  /** The key of a partial-object rule or the element of a partial-set rule. */
  readonly key?: Term;
  /**
   * The value of a complete rule, partial-object rule or function. Absent for partial-set rules.
   * When the source wrote none (`p if …`, `f(x) if …`) it is a `true` boolean term and
   * `valueImplicit` is set.
   */
  readonly value?: Term;
  readonly valueImplicit: boolean;
  /** `:=` or `=` as written in the head; `null` when the head has no value. */
  readonly assign: ':=' | '=' | null;
  /** The body after `if`; empty when the rule has none (`p := 1`). */
  readonly body: Body;
  /** `else` clauses in source order (complete rules and functions only). */
  readonly else: readonly ElseClause[];
  readonly loc: Loc;
  readonly end?: Loc;
}

// ──────────────────────────── modules ────────────────────────────

export interface PackageDecl {
  /** `package a.b["c"]` → `["a", "b", "c"]`. */
  readonly path: readonly string[];
  readonly loc: Loc;
  readonly end?: Loc;
}

/**
 * - `input` / `data`: `import data.x.y` (alias `y`), `import data.x.y as z`, `import input.a`
 * - `rego-v1`: `import rego.v1` (no-op)
 * - `future-keywords`: `import future.keywords` / `future.keywords.<kw>` (no-op)
 */
export type ImportKind = 'input' | 'data' | 'rego-v1' | 'future-keywords';

export interface Import {
  readonly kind: ImportKind;
  /** Full path segments including the root: `["data", "x", "y"]`, `["rego", "v1"]`. */
  readonly path: readonly string[];
  /** The name the import binds in the module (explicit alias, else the last segment); absent for no-op imports. */
  readonly alias?: string;
  readonly loc: Loc;
  readonly end?: Loc;
}

export interface Module {
  readonly file: string;
  readonly package: PackageDecl;
  readonly imports: readonly Import[];
  readonly rules: readonly Rule[];
  readonly loc: Loc;
  readonly end?: Loc;
}

// ──────────────────────────── helpers ────────────────────────────

/** Exhaustiveness guard for switches over `kind` (re-exported for the compiler's stages). */
export { assertNever };

/** True when the term contains no variables, refs, calls or comprehensions (a constant value). */
export function isGroundTerm(term: Term): boolean {
  switch (term.kind) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true;
    case 'var':
    case 'ref':
    case 'call':
    case 'array-comprehension':
    case 'set-comprehension':
    case 'object-comprehension':
      return false;
    case 'array':
    case 'set':
      return term.items.every(isGroundTerm);
    case 'object':
      return term.entries.every((e) => isGroundTerm(e.key) && isGroundTerm(e.value));
    default:
      return assertNever(term, 'term');
  }
}
