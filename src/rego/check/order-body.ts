// Check stage, safety: a resolved body → the same expressions reordered so that every variable is
// bound before it is read, as OPA does (source order is kept wherever it is already safe).
// Variables nothing can bind are reported as `unsafe_var`.

import type { Expr, Loc, Term } from '../ast.js';
import { assertNever } from '../ast.js';
import type { DiagnosticCollector } from '../diagnostics.js';
import { CheckCodes } from './check-codes.js';

/** Locals of outer scopes used by a comprehension or an `every` body (keyed by the node). */
export type Captures = WeakMap<object, ReadonlySet<string>>;

const isRoot = (name: string): boolean => name === 'input' || name === 'data';

/** Variables that must be bound before the term can be evaluated as a value. */
export function neededVars(term: Term, captures: Captures, out: Set<string>): void {
  switch (term.kind) {
    case 'null': case 'boolean': case 'number': case 'string': return;
    case 'var': if (!isRoot(term.name)) out.add(term.name); return;
    case 'ref':
      neededVars(term.head, captures, out);
      // A variable in a ref's path is bound by iterating the collection.
      for (const p of term.path) if (p.kind !== 'var') neededVars(p, captures, out);
      return;
    case 'array': case 'set': for (const i of term.items) neededVars(i, captures, out); return;
    case 'object': for (const e of term.entries) { neededVars(e.key, captures, out); neededVars(e.value, captures, out); } return;
    case 'call': for (const a of term.args) neededVars(a, captures, out); return;
    case 'array-comprehension': case 'set-comprehension': case 'object-comprehension':
      for (const c of captures.get(term) ?? []) out.add(c);
      return;
    default: assertNever(term, 'term');
  }
}

/** Variables a term binds when evaluated: those in ref paths. */
export function refOutputVars(term: Term, out: Set<string>): void {
  switch (term.kind) {
    case 'ref':
      refOutputVars(term.head, out);
      for (const p of term.path) {
        if (p.kind === 'var') out.add(p.name);
        else refOutputVars(p, out);
      }
      return;
    case 'array': case 'set': for (const i of term.items) refOutputVars(i, out); return;
    case 'object': for (const e of term.entries) { refOutputVars(e.key, out); refOutputVars(e.value, out); } return;
    case 'call': for (const a of term.args) refOutputVars(a, out); return;
    default: return;
  }
}

/** Variables that must be bound before `term` can be destructured (unified) against a value. */
export function patternNeededVars(term: Term, captures: Captures, out: Set<string>): void {
  switch (term.kind) {
    case 'var': case 'null': case 'boolean': case 'number': case 'string': return;
    case 'array': for (const i of term.items) patternNeededVars(i, captures, out); return;
    case 'object':
      for (const e of term.entries) { neededVars(e.key, captures, out); patternNeededVars(e.value, captures, out); }
      return;
    default: neededVars(term, captures, out);
  }
}

/** Every local the term mentions (bound or binding). */
export function mentionedVars(term: Term, captures: Captures, out: Set<string>): void {
  neededVars(term, captures, out);
  refOutputVars(term, out);
  patternVars(term, out);
}

function patternVars(term: Term, out: Set<string>): void {
  switch (term.kind) {
    case 'var': if (!isRoot(term.name)) out.add(term.name); return;
    case 'array': for (const i of term.items) patternVars(i, out); return;
    case 'object': for (const e of term.entries) patternVars(e.value, out); return;
    default: return;
  }
}

interface Analysis {
  /** Alternative sets of variables; the expression is ready when one of them is bound. */
  readonly needs: readonly ReadonlySet<string>[];
  readonly binds: ReadonlySet<string>;
}

function analyse(expr: Expr, captures: Captures): Analysis {
  const withNeeds = new Set<string>();
  for (const w of expr.with) mentionedVars(w.value, captures, withNeeds);
  const plus = (s: Set<string>): Set<string> => { for (const v of withNeeds) s.add(v); return s; };
  switch (expr.kind) {
    case 'term': {
      const t = expr.term;
      if (t.kind === 'call' && t.operator === 'eq') {
        const [a, b] = t.args as [Term, Term];
        const leftFirst = new Set<string>();
        neededVars(b, captures, leftFirst);
        patternNeededVars(a, captures, leftFirst);
        const rightFirst = new Set<string>();
        neededVars(a, captures, rightFirst);
        patternNeededVars(b, captures, rightFirst);
        const binds = new Set<string>();
        mentionedVars(a, captures, binds);
        mentionedVars(b, captures, binds);
        return { needs: [plus(leftFirst), plus(rightFirst)], binds };
      }
      const needs = new Set<string>();
      neededVars(t, captures, needs);
      const binds = new Set<string>();
      refOutputVars(t, binds);
      return { needs: [plus(needs)], binds };
    }
    case 'not': {
      // As in OPA, every variable under `not` must be bound by a non-negated expression first:
      // `not input.xs[_] == 2` is unsafe (write a helper rule and negate that).
      const needs = new Set<string>();
      mentionedVars(expr.term, captures, needs);
      return { needs: [plus(needs)], binds: new Set() };
    }
    case 'some-decl':
      return { needs: [plus(new Set())], binds: new Set() };
    case 'some-in': {
      const needs = new Set<string>();
      neededVars(expr.collection, captures, needs);
      if (expr.key) patternNeededVars(expr.key, captures, needs);
      patternNeededVars(expr.value, captures, needs);
      const binds = new Set<string>();
      refOutputVars(expr.collection, binds);
      if (expr.key) mentionedVars(expr.key, captures, binds);
      mentionedVars(expr.value, captures, binds);
      return { needs: [plus(needs)], binds };
    }
    case 'every': {
      const needs = new Set<string>();
      mentionedVars(expr.domain, captures, needs);
      for (const c of captures.get(expr) ?? []) needs.add(c);
      return { needs: [plus(needs)], binds: new Set() };
    }
    default:
      return assertNever(expr, 'expression');
  }
}

/**
 * Orders `body` given the variables bound on entry; checks that the head terms only use bound
 * variables. Reports each unsafe variable once, at its first occurrence.
 */
export function orderBody(
  body: readonly Expr[],
  boundOnEntry: ReadonlySet<string>,
  heads: readonly Term[],
  captures: Captures,
  diagnostics: DiagnosticCollector,
): Expr[] {
  const bound = new Set(boundOnEntry);
  const pending = body.map((expr) => ({ expr, analysis: analyse(expr, captures) }));
  const ordered: Expr[] = [];
  const isReady = (needs: ReadonlySet<string>): boolean => [...needs].every((v) => bound.has(v));
  for (;;) {
    const index = pending.findIndex((p) => p.analysis.needs.some(isReady));
    if (index < 0) break;
    const [next] = pending.splice(index, 1);
    if (next === undefined) break;
    ordered.push(next.expr);
    for (const v of next.analysis.binds) bound.add(v);
  }
  const reported = new Set<string>();
  const report = (names: Iterable<string>, where: Term | Expr): void => {
    for (const name of names) {
      if (bound.has(name) || reported.has(name)) continue;
      reported.add(name);
      diagnostics.add(CheckCodes.unsafeVar, `var ${displayName(name)} is unsafe`, findVarLoc(where, name) ?? where.loc);
    }
  };
  for (const p of pending) {
    const smallest = [...p.analysis.needs].sort((a, b) => a.size - b.size)[0] ?? new Set<string>();
    report(smallest, p.expr);
  }
  for (const head of heads) {
    const vars = new Set<string>();
    mentionedVars(head, captures, vars);
    report(vars, head);
  }
  // Unsafe bodies are still returned (in the best order found) so later checks can run.
  return [...ordered, ...pending.map((p) => p.expr)];
}

/** Names renamed per scope (`x#3`) are shown as written. */
export function displayName(name: string): string {
  if (name.startsWith('$')) return '_';
  const hash = name.indexOf('#');
  return hash < 0 ? name : name.slice(0, hash);
}

function findVarLoc(node: Term | Expr, name: string): Loc | undefined {
  const inTerm = (t: Term): Loc | undefined => {
    switch (t.kind) {
      case 'var': return t.name === name ? t.loc : undefined;
      case 'ref': return inTerm(t.head) ?? first(t.path, inTerm);
      case 'array': case 'set': return first(t.items, inTerm);
      case 'object': return first(t.entries, (e) => inTerm(e.key) ?? inTerm(e.value));
      case 'call': return first(t.args, inTerm);
      case 'array-comprehension': case 'set-comprehension': return inTerm(t.head) ?? first(t.body, inExpr);
      case 'object-comprehension': return inTerm(t.key) ?? inTerm(t.value) ?? first(t.body, inExpr);
      default: return undefined;
    }
  };
  const inExpr = (e: Expr): Loc | undefined => {
    const w = first(e.with, (m) => inTerm(m.value));
    if (w) return w;
    switch (e.kind) {
      case 'term': case 'not': return inTerm(e.term);
      case 'some-decl': return first(e.vars, inTerm);
      case 'some-in': return (e.key ? inTerm(e.key) : undefined) ?? inTerm(e.value) ?? inTerm(e.collection);
      case 'every': return inTerm(e.domain) ?? first(e.body, inExpr);
      default: return assertNever(e, 'expression');
    }
  };
  return 'kind' in node && isExprKind(node.kind) ? inExpr(node as Expr) : inTerm(node as Term);
}

function isExprKind(kind: string): boolean {
  return kind === 'term' || kind === 'not' || kind === 'some-decl' || kind === 'some-in' || kind === 'every';
}

function first<T, R>(items: readonly T[], f: (item: T) => R | undefined): R | undefined {
  for (const item of items) {
    const r = f(item);
    if (r !== undefined) return r;
  }
  return undefined;
}
