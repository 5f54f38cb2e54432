// Check stage, per rule: AST rule → CheckedDefinition with every name resolved (locals renamed
// per scope, rules and imports turned into refs rooted at `data`/`input`, calls bound to a
// built-in or a user function with the right arity) and every body ordered for safety.

import type {
  ArrayTerm, Body, CallTerm, Expr, Loc, ObjectTerm, RefTerm, Rule, Term, VarTerm, WithModifier,
} from '../ast.js';
import { assertNever } from '../ast.js';
import { lookupBuiltin } from '../builtins.js';
import type { DiagnosticCollector } from '../diagnostics.js';
import { CheckCodes } from './check-codes.js';
import { orderBody, type Captures } from './order-body.js';
import { displayPath, type CheckedClause, type CheckedDefinition } from './program.js';

/** What a module-level name means. */
export type GlobalName =
  | { readonly kind: 'root'; readonly root: 'input' | 'data' }
  | { readonly kind: 'ref'; readonly root: 'input' | 'data'; readonly path: readonly string[] };

export interface ResolveContext {
  readonly packagePath: readonly string[];
  /** Rule names of the package, imports and roots, by the name a module may use. */
  readonly globals: ReadonlyMap<string, GlobalName>;
  /** Arity of the user function at a dotted data path (`pkg.f`), if it is one. */
  readonly functionArity: (path: readonly string[]) => number | undefined;
  readonly diagnostics: DiagnosticCollector;
}

class Scope {
  readonly declared = new Map<string, string>();
  readonly free = new Map<string, string>();
  readonly captured = new Set<string>();
  constructor(
    readonly parent: Scope | undefined,
    readonly id: number,
    /** Names written directly in this scope (not in nested ones): candidates for closures. */
    readonly direct: ReadonlySet<string>,
  ) {}

  localName(name: string): string {
    return this.parent === undefined ? name : `${name}#${this.id}`;
  }
}

export function resolveRule(rule: Rule, ctx: ResolveContext): CheckedDefinition {
  return new RuleResolver(ctx).resolve(rule);
}

/** A default value must be a constant; it is checked here so the planner can emit it directly. */
export function resolveDefaultValue(rule: Rule, ctx: ResolveContext): Term | undefined {
  const value = rule.value;
  if (value === undefined) return undefined;
  if (!isConstant(value)) {
    ctx.diagnostics.add(CheckCodes.defaultNotConstant, `default value of ${displayPath(rule.path)} must be a constant`, value.loc);
    return undefined;
  }
  return value;
}

function isConstant(term: Term): boolean {
  switch (term.kind) {
    case 'null': case 'boolean': case 'number': case 'string': return true;
    case 'array': case 'set': return term.items.every(isConstant);
    case 'object': return term.entries.every((e) => isConstant(e.key) && isConstant(e.value));
    default: return false;
  }
}

class RuleResolver {
  #nextScope = 1;
  readonly #captures: Captures = new WeakMap();

  constructor(private readonly ctx: ResolveContext) {}

  resolve(rule: Rule): CheckedDefinition {
    const headTerms: Term[] = [...rule.args];
    const clauses: CheckedClause[] = [];
    const allClauses: { body: Body; value?: Term; key?: Term; loc: Loc }[] = [
      { body: rule.body, ...(rule.value ? { value: rule.value } : {}), ...(rule.key ? { key: rule.key } : {}), loc: rule.loc },
      ...rule.else.map((e) => ({ body: e.body, value: e.value, loc: e.loc })),
    ];
    let args: Term[] = [];
    for (const clause of allClauses) {
      const direct = new Set<string>();
      for (const t of headTerms) directNamesOfTerm(t, direct);
      if (clause.value) directNamesOfTerm(clause.value, direct);
      if (clause.key) directNamesOfTerm(clause.key, direct);
      for (const e of clause.body) directNamesOfExpr(e, direct);
      const scope = new Scope(undefined, 0, direct);
      // Parameters are locals bound on entry (they shadow rules of the same name); each clause
      // binds them afresh.
      for (const a of rule.args) this.declare(a, scope, false);
      args = rule.args.map((a) => this.term(a, scope));
      const body = this.body(clause.body, scope);
      const value = clause.value ? this.term(clause.value, scope) : undefined;
      const key = clause.key ? this.term(clause.key, scope) : undefined;
      const bound = new Set<string>();
      for (const a of args) allVars(a, bound, this.#captures);
      const heads = [value, key].filter((t): t is Term => t !== undefined);
      const ordered = orderBody(body, bound, heads, this.#captures, this.ctx.diagnostics);
      clauses.push({ body: ordered, ...(value ? { value } : {}), ...(key ? { key } : {}), loc: clause.loc });
    }
    return { args, clauses, loc: rule.loc };
  }

  body(body: Body, scope: Scope): Expr[] {
    const out: Expr[] = [];
    for (const expr of body) {
      for (const e of this.expr(expr, scope)) out.push(e);
    }
    return out;
  }

  expr(expr: Expr, scope: Scope): Expr[] {
    switch (expr.kind) {
      case 'term': {
        const withs = this.withs(expr.with, scope);
        const t = expr.term;
        if (t.kind === 'call' && (t.operator === 'assign' || t.operator === 'eq')) {
          const [lhs, rhs] = t.args;
          if (lhs === undefined || rhs === undefined) return [];
          let left: Term;
          let right: Term;
          if (t.operator === 'assign') {
            right = this.term(rhs, scope);
            if (!isAssignable(lhs)) {
              this.ctx.diagnostics.add(CheckCodes.invalidAssignment, 'the left side of := must be a variable or a composite of variables', lhs.loc);
              return [];
            }
            this.declare(lhs, scope);
            left = this.term(lhs, scope);
          } else {
            left = this.term(lhs, scope);
            right = this.term(rhs, scope);
          }
          return splitUnification(left, right, t, withs, expr.loc);
        }
        if (t.kind === 'call' && t.operator === 'print' && this.ctx.functionArity([...this.ctx.packagePath, 'print']) === undefined) {
          // `print` only writes to the evaluator's log and always succeeds (OPA's Wasm target does
          // not print either): its arguments are checked, then the expression is dropped.
          for (const a of t.args) this.term(a, scope);
          return [];
        }
        if (t.kind === 'call') {
          const resolved = this.call(t, scope, true);
          if (resolved === undefined) return [];
          if (resolved.kind === 'call' && (resolved.operator === 'eq')) {
            const [a, b] = resolved.args;
            if (a === undefined || b === undefined) return [];
            return splitUnification(a, b, resolved, withs, expr.loc);
          }
          return [{ kind: 'term', term: resolved, with: withs, loc: expr.loc }];
        }
        return [{ kind: 'term', term: this.term(t, scope), with: withs, loc: expr.loc }];
      }
      case 'not':
        return [{ kind: 'not', term: this.notTerm(expr.term, scope), with: this.withs(expr.with, scope), loc: expr.loc }];
      case 'some-decl':
        for (const v of expr.vars) this.declare(v, scope);
        return [{ ...expr, vars: expr.vars.map((v) => this.term(v, scope) as VarTerm), with: [] }];
      case 'some-in': {
        const collection = this.term(expr.collection, scope);
        const withs = this.withs(expr.with, scope);
        if (expr.key) this.declare(expr.key, scope);
        this.declare(expr.value, scope);
        const key = expr.key ? this.term(expr.key, scope) : undefined;
        const value = this.term(expr.value, scope);
        return [{ kind: 'some-in', ...(key ? { key } : {}), value, collection, with: withs, loc: expr.loc }];
      }
      case 'every': {
        const domain = this.term(expr.domain, scope);
        const withs = this.withs(expr.with, scope);
        const direct = new Set<string>();
        for (const e of expr.body) directNamesOfExpr(e, direct);
        const inner = new Scope(scope, this.#nextScope++, direct);
        if (expr.key) this.declare(expr.key, inner);
        this.declare(expr.value, inner);
        const key = expr.key ? (this.term(expr.key, inner) as VarTerm) : undefined;
        const value = this.term(expr.value, inner) as VarTerm;
        const body = this.body(expr.body, inner);
        const bound = new Set(inner.captured);
        bound.add(value.name);
        if (key) bound.add(key.name);
        const ordered = orderBody(body, bound, [], this.#captures, this.ctx.diagnostics);
        const result: Expr = { kind: 'every', ...(key ? { key } : {}), value, domain, body: ordered, with: withs, loc: expr.loc };
        this.#captures.set(result, inner.captured);
        propagateCaptures(scope, inner);
        return [result];
      }
      default:
        return assertNever(expr, 'expression');
    }
  }

  /** `not` takes one term; a relational call or unification inside it stays a call term. */
  notTerm(term: Term, scope: Scope): Term {
    if (term.kind === 'call' && term.operator === 'assign') {
      this.ctx.diagnostics.add(CheckCodes.invalidAssignment, ':= cannot be negated', term.loc);
      return term;
    }
    if (term.kind === 'call') return this.call(term, scope, true) ?? { kind: 'null', loc: term.loc };
    return this.term(term, scope);
  }

  withs(withs: readonly WithModifier[], scope: Scope): WithModifier[] {
    return withs.map((w) => {
      const target = this.term(w.target, scope);
      if (!isRootRef(target)) {
        this.ctx.diagnostics.add(CheckCodes.invalidWithTarget, 'with target must be input or data, or a reference into one of them', w.target.loc);
      }
      return { target: target as VarTerm | RefTerm, value: this.term(w.value, scope), loc: w.loc };
    });
  }

  /** `rename` is off for parameters: every clause of a definition must see the same names. */
  declare(pattern: Term, scope: Scope, rename = true): void {
    const vars: VarTerm[] = [];
    collectPatternVars(pattern, vars);
    for (const v of vars) {
      if (v.wildcard) continue;
      if (v.name === 'input' || v.name === 'data') {
        this.ctx.diagnostics.add(CheckCodes.invalidAssignment, `${v.name} cannot be assigned`, v.loc);
        continue;
      }
      // A parameter name may repeat (`f(x, x)`): both arguments must then be equal.
      if (!rename && scope.declared.has(v.name)) continue;
      if (scope.declared.has(v.name) || scope.free.has(v.name)) {
        this.ctx.diagnostics.add(CheckCodes.varRedeclared, `var ${v.name} is declared or used above`, v.loc);
        continue;
      }
      scope.declared.set(v.name, rename ? `${v.name}#${this.#nextScope++}` : v.name);
    }
  }

  lookupOuter(scope: Scope | undefined, name: string): string | undefined {
    for (let s = scope; s !== undefined; s = s.parent) {
      const d = s.declared.get(name);
      if (d !== undefined) return d;
      const f = s.free.get(name);
      if (f !== undefined) return f;
      if (s.direct.has(name) && !this.ctx.globals.has(name)) {
        const local = s.localName(name);
        s.free.set(name, local);
        return local;
      }
    }
    return undefined;
  }

  varTerm(v: VarTerm, scope: Scope): Term {
    if (v.wildcard) return v;
    const declared = scope.declared.get(v.name);
    if (declared !== undefined) return { ...v, name: declared };
    const own = scope.free.get(v.name);
    if (own !== undefined) return { ...v, name: own };
    const outer = this.lookupOuter(scope.parent, v.name);
    if (outer !== undefined) {
      scope.captured.add(outer);
      return { ...v, name: outer };
    }
    const global = this.ctx.globals.get(v.name);
    if (global !== undefined) {
      const head: VarTerm = { kind: 'var', name: global.root, wildcard: false, loc: v.loc };
      if (global.kind === 'root') return head;
      return { kind: 'ref', head, path: global.path.map((s) => ({ kind: 'string', value: s, raw: false, loc: v.loc })), loc: v.loc };
    }
    const local = scope.localName(v.name);
    scope.free.set(v.name, local);
    return { ...v, name: local };
  }

  term(term: Term, scope: Scope): Term {
    switch (term.kind) {
      case 'null': case 'boolean': case 'number': case 'string':
        return term;
      case 'var':
        return this.varTerm(term, scope);
      case 'ref': {
        const head = this.term(term.head, scope);
        const path = term.path.map((p) => this.term(p, scope));
        if (head.kind === 'ref') return { kind: 'ref', head: head.head, path: [...head.path, ...path], loc: term.loc };
        return { kind: 'ref', head, path, loc: term.loc };
      }
      case 'array':
        return { ...term, items: term.items.map((i) => this.term(i, scope)) };
      case 'set':
        return { ...term, items: term.items.map((i) => this.term(i, scope)) };
      case 'object':
        return { ...term, entries: term.entries.map((e) => ({ key: this.term(e.key, scope), value: this.term(e.value, scope) })) };
      case 'call': {
        if (term.operator === 'assign' || term.operator === 'eq') {
          this.ctx.diagnostics.add(CheckCodes.invalidAssignment, `${term.infix ?? term.operator} is only allowed as a whole expression`, term.loc);
          return term;
        }
        // An unresolvable call was reported; a placeholder keeps its variables from cascading.
        return this.call(term, scope, false) ?? { kind: 'null', loc: term.loc };
      }
      case 'array-comprehension':
      case 'set-comprehension':
      case 'object-comprehension': {
        const direct = new Set<string>();
        for (const e of term.body) directNamesOfExpr(e, direct);
        if (term.kind === 'object-comprehension') {
          directNamesOfTerm(term.key, direct);
          directNamesOfTerm(term.value, direct);
        } else {
          directNamesOfTerm(term.head, direct);
        }
        const inner = new Scope(scope, this.#nextScope++, direct);
        const body = this.body(term.body, inner);
        let result: Term;
        if (term.kind === 'object-comprehension') {
          const key = this.term(term.key, inner);
          const value = this.term(term.value, inner);
          const ordered = orderBody(body, new Set(inner.captured), [key, value], this.#captures, this.ctx.diagnostics);
          result = { ...term, key, value, body: ordered };
        } else {
          const head = this.term(term.head, inner);
          const ordered = orderBody(body, new Set(inner.captured), [head], this.#captures, this.ctx.diagnostics);
          result = { ...term, head, body: ordered };
        }
        this.#captures.set(result, inner.captured);
        propagateCaptures(scope, inner);
        return result;
      }
      default:
        return assertNever(term, 'term');
    }
  }

  /**
   * Binds a call to its callee. In expression position a call may carry one extra operand, OPA's
   * relational form (`count(xs, n)`), which becomes the unification `n = count(xs)`.
   */
  call(term: CallTerm, scope: Scope, isExpression: boolean): Term | undefined {
    const target = this.callee(term);
    if (target === undefined) {
      this.ctx.diagnostics.add(CheckCodes.unknownFunction, `unknown function ${term.operator}`, term.loc);
      return undefined;
    }
    const args = term.args.map((a) => this.term(a, scope));
    if (args.length === target.arity) return { ...term, operator: target.name, operatorPath: target.path, args };
    if (isExpression && args.length === target.arity + 1 && term.infix === undefined) {
      const output = args[args.length - 1] as Term;
      const call: CallTerm = { ...term, operator: target.name, operatorPath: target.path, args: args.slice(0, -1) };
      return { kind: 'call', operator: 'eq', operatorPath: ['eq'], args: [output, call], loc: term.loc };
    }
    this.ctx.diagnostics.add(CheckCodes.wrongArity, `function ${term.operator} takes ${target.arity} arguments, got ${args.length}`, term.loc);
    return undefined;
  }

  /** `path` is the callee's exact path: `["data", …]` for user functions, the dotted name's segments for built-ins. */
  callee(term: CallTerm): { name: string; path: readonly string[]; arity: number } | undefined {
    const segs = term.operatorPath.length > 0 ? term.operatorPath : term.operator.split('.');
    const first = segs[0];
    if (first === undefined) return undefined;
    let userPath: readonly string[] | undefined;
    if (first === 'data') {
      userPath = segs.slice(1);
    } else {
      const global = this.ctx.globals.get(first);
      if (global?.kind === 'ref' && global.root === 'data') userPath = [...global.path, ...segs.slice(1)];
    }
    if (userPath !== undefined) {
      const arity = this.ctx.functionArity(userPath);
      return arity === undefined ? undefined : { name: `data.${displayPath(userPath)}`, path: ['data', ...userPath], arity };
    }
    const builtin = lookupBuiltin(term.operator);
    if (builtin !== undefined) return { name: builtin.name, path: builtin.name.split('.'), arity: builtin.arity };
    return undefined;
  }
}

function propagateCaptures(outer: Scope, inner: Scope): void {
  // A name captured from further out is also a capture of the enclosing scope.
  for (const name of inner.captured) {
    if (!outer.declared.has(name) && ![...outer.declared.values()].includes(name) && ![...outer.free.values()].includes(name)) {
      outer.captured.add(name);
    }
  }
}

function isRootRef(term: Term): boolean {
  if (term.kind === 'var') return term.name === 'input' || term.name === 'data';
  if (term.kind === 'ref') {
    return term.head.kind === 'var' && (term.head.name === 'input' || term.head.name === 'data')
      && term.path.every((p) => p.kind === 'string');
  }
  return false;
}

function isAssignable(term: Term): boolean {
  switch (term.kind) {
    case 'var': return true;
    case 'array': return term.items.every(isAssignablePart);
    case 'object': return term.entries.every((e) => isAssignablePart(e.value));
    default: return false;
  }
}

function isAssignablePart(term: Term): boolean {
  switch (term.kind) {
    case 'null': case 'boolean': case 'number': case 'string': return true;
    default: return isAssignable(term);
  }
}

function collectPatternVars(term: Term, out: VarTerm[]): void {
  switch (term.kind) {
    case 'var': out.push(term); return;
    case 'array': for (const i of term.items) collectPatternVars(i, out); return;
    case 'object': for (const e of term.entries) collectPatternVars(e.value, out); return;
    default: return;
  }
}

/**
 * `[a, b] = [1, x]` becomes `a = 1` and `b = x`, so each side may bind the other's variables as OPA
 * allows; arrays of different lengths can never unify (the expression is `false`).
 */
function splitUnification(left: Term, right: Term, call: CallTerm, withs: WithModifier[], loc: Loc): Expr[] {
  const out: Expr[] = [];
  const visit = (a: Term, b: Term): void => {
    if (a.kind === 'array' && b.kind === 'array') {
      if (a.items.length !== b.items.length) {
        out.push({ kind: 'term', term: { kind: 'boolean', value: false, loc: a.loc }, with: withs, loc });
        return;
      }
      a.items.forEach((item, i) => visit(item, (b as ArrayTerm).items[i] as Term));
      return;
    }
    if (a.kind === 'object' && b.kind === 'object' && sameConstantKeys(a, b)) {
      for (const e of a.entries) {
        const other = b.entries.find((f) => constantKey(f.key) === constantKey(e.key));
        if (other) visit(e.value, other.value);
      }
      return;
    }
    out.push({ kind: 'term', term: { ...call, operator: 'eq', operatorPath: ['eq'], args: [a, b] }, with: withs, loc });
  };
  visit(left, right);
  return out;
}

function constantKey(term: Term): string | undefined {
  switch (term.kind) {
    case 'string': return `s${term.value}`;
    case 'number': return `n${Number(term.text)}`;
    case 'boolean': return `b${term.value}`;
    case 'null': return 'null';
    default: return undefined;
  }
}

function sameConstantKeys(a: ObjectTerm, b: ObjectTerm): boolean {
  if (a.entries.length !== b.entries.length) return false;
  const ka = a.entries.map((e) => constantKey(e.key));
  const kb = new Set(b.entries.map((e) => constantKey(e.key)));
  return ka.every((k) => k !== undefined && kb.has(k)) && new Set(ka).size === ka.length;
}

// ───────────── variable sets (shared with order-body.ts) ─────────────

/** Names written directly in a term, not inside nested comprehension scopes. */
function directNamesOfTerm(term: Term, out: Set<string>): void {
  switch (term.kind) {
    case 'var': if (!term.wildcard) out.add(term.name); return;
    case 'ref': directNamesOfTerm(term.head, out); for (const p of term.path) directNamesOfTerm(p, out); return;
    case 'array': case 'set': for (const i of term.items) directNamesOfTerm(i, out); return;
    case 'object': for (const e of term.entries) { directNamesOfTerm(e.key, out); directNamesOfTerm(e.value, out); } return;
    case 'call': for (const a of term.args) directNamesOfTerm(a, out); return;
    default: return;
  }
}

function directNamesOfExpr(expr: Expr, out: Set<string>): void {
  for (const w of expr.with) directNamesOfTerm(w.value, out);
  switch (expr.kind) {
    case 'term': case 'not': directNamesOfTerm(expr.term, out); return;
    case 'some-decl': for (const v of expr.vars) directNamesOfTerm(v, out); return;
    case 'some-in':
      if (expr.key) directNamesOfTerm(expr.key, out);
      directNamesOfTerm(expr.value, out);
      directNamesOfTerm(expr.collection, out);
      return;
    case 'every': directNamesOfTerm(expr.domain, out); return;
    default: assertNever(expr, 'expression');
  }
}

/** Every local a term mentions, including the captures of its comprehensions. */
export function allVars(term: Term, out: Set<string>, captures: Captures): void {
  switch (term.kind) {
    case 'var': if (term.name !== 'input' && term.name !== 'data') out.add(term.name); return;
    case 'ref': allVars(term.head, out, captures); for (const p of term.path) allVars(p, out, captures); return;
    case 'array': case 'set': for (const i of term.items) allVars(i, out, captures); return;
    case 'object': for (const e of term.entries) { allVars(e.key, out, captures); allVars(e.value, out, captures); } return;
    case 'call': for (const a of term.args) allVars(a, out, captures); return;
    case 'array-comprehension': case 'set-comprehension': case 'object-comprehension':
      for (const c of captures.get(term) ?? []) out.add(c);
      return;
    default: return;
  }
}
