// Planner stage: CheckedProgram + entrypoints → OPA IR `Policy` (the plan.json model).
//
// Each expression emits its statements at a cursor and hands back the cursor for the rest of the
// body: inside whatever block it opened (a scan, a `with`), so iteration and scoping follow from
// nesting alone and no BreakStmt is ever needed. Planning is iterative along a body and along a
// collection literal, so long bodies and large constant sets do not deepen the JS stack. A
// statement whose value is undefined ends its block: that is how a failed expression abandons the
// rest of the body.
// "Did anything succeed" questions (`not`, `every`, `else`) are answered with flag locals that are
// reset right before use, so they stay correct inside loops.

import type { Expr, Loc, Term, VarTerm } from './ast.js';
import { assertNever } from './ast.js';
import { builtinDecl, lookupBuiltin } from './builtins.js';
import { makeDiagnostic, type Diagnostic } from './diagnostics.js';
import { CheckCodes } from './check/check-codes.js';
import { neededVars, mentionedVars } from './check/order-body.js';
import { displayPath, groupKey, type CheckedClause, type CheckedDefinition, type CheckedProgram, type RuleGroup } from './check/program.js';
import { buildRuleTree, hasValueRules, walkDataRef, type Overrides, type RuleTreeNode } from './check/rule-tree.js';
import {
  DATA_LOCAL, FIRST_FREE_LOCAL, INPUT_LOCAL,
  type Block, type BuiltinFunc, type Func, type Local, type Operand, type Plan, type Policy, type Stmt,
  type StmtFields, type StmtType,
} from './ir.js';

export const PlannerCodes = {
  /** A construct the planner cannot compile (a compiler limitation, reported instead of guessing). */
  unsupported: 'plan_unsupported',
} as const;

export type PlanResult =
  | { readonly ok: true; readonly policy: Policy }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

interface Env {
  readonly vars: ReadonlyMap<string, Local>;
  /** The local holding `input` / `data` for this point of the body (changes after a `with`). */
  readonly input: Local;
  readonly data: Local;
  /** Rule documents replaced by an enclosing `with data…`; rules planned under them are variants. */
  readonly overrides: Overrides;
  /** An IsDefinedStmt on `input` already succeeded on this path (input may be absent). */
  readonly inputChecked: boolean;
}

/**
 * Where planning continues: the bindings so far and the statement list the next statement goes
 * into. A scan or `with` returns a cursor inside its block, so the rest of the body nests there.
 */
interface Cursor {
  readonly env: Env;
  readonly out: Stmt[];
}

/** A planned term: its value, and the cursor after the statements that computed it. */
interface Planned extends Cursor {
  readonly op: Operand;
}

class PlanError extends Error {
  constructor(readonly loc: Loc, message: string) {
    super(message);
  }
}

const local = (value: Local): Operand => ({ type: 'local', value });
const FALSE: Operand = { type: 'bool', value: false };
const TRUE: Operand = { type: 'bool', value: true };

export function planProgram(program: CheckedProgram, entrypoints: readonly string[]): PlanResult {
  const planner = new Planner(program);
  const diagnostics: Diagnostic[] = [];
  const plans: Plan[] = [];
  for (const entrypoint of new Set(entrypoints)) {
    try {
      const plan = planner.planEntrypoint(entrypoint);
      if (plan === undefined) {
        diagnostics.push(makeDiagnostic(CheckCodes.unknownEntrypoint, `entrypoint ${entrypoint} names no rule or package`, { file: '<entrypoint>', line: 1, col: 1 }));
      } else {
        plans.push(plan);
      }
    } catch (error) {
      if (!(error instanceof PlanError)) throw error;
      diagnostics.push(makeDiagnostic(PlannerCodes.unsupported, error.message, error.loc));
    }
  }
  try {
    planner.drainQueue();
  } catch (error) {
    if (!(error instanceof PlanError)) throw error;
    diagnostics.push(makeDiagnostic(PlannerCodes.unsupported, error.message, error.loc));
  }
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  return { ok: true, policy: planner.policy(plans) };
}

/** OPA's naming: `g0.data.<path>` for the function computing a rule group. */
export function funcNameOf(path: readonly string[], generation = 0): string {
  return `g${generation}.data.${displayPath(path)}`;
}

class Planner {
  readonly #strings: string[] = [];
  readonly #stringIndex = new Map<string, number>();
  readonly #builtins = new Set<string>();
  readonly #funcs = new Map<string, Func>();
  readonly #queue: { group: RuleGroup; overrides: Overrides; generation: number }[] = [];
  readonly #queued = new Set<string>();
  /** Sets of replaced documents → generation number; the empty set is generation 0. */
  readonly #generations = new Map<string, number>([['', 0]]);
  readonly #tree: RuleTreeNode;
  #nextLocal: Local = FIRST_FREE_LOCAL;

  constructor(private readonly program: CheckedProgram) {
    this.#tree = buildRuleTree(program.groups.values());
  }

  policy(plans: Plan[]): Policy {
    const builtinFuncs: BuiltinFunc[] = [...this.#builtins].sort().map((name) => {
      const info = lookupBuiltin(name);
      return { name, decl: info ? builtinDecl(info) : { type: 'function', args: [], result: { type: 'any' } } };
    });
    const funcs = [...this.#funcs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      static: {
        strings: this.#strings.map((value) => ({ value })),
        builtin_funcs: builtinFuncs,
        files: this.program.files.map((value) => ({ value })),
      },
      plans: { plans },
      funcs: { funcs },
    };
  }

  // ───────────── helpers ─────────────

  str(value: string): number {
    let index = this.#stringIndex.get(value);
    if (index === undefined) {
      index = this.#strings.length;
      this.#strings.push(value);
      this.#stringIndex.set(value, index);
    }
    return index;
  }

  alloc(): Local {
    return this.#nextLocal++;
  }

  stmt<K extends StmtType>(type: K, fields: StmtFields[K], loc: Loc): Stmt {
    const file = Math.max(0, this.program.files.indexOf(loc.file));
    return { type, stmt: { ...fields, file, row: loc.line, col: loc.col } } as Stmt;
  }

  toLocal(op: Operand, out: Stmt[], loc: Loc): Local {
    if (op.type === 'local') return op.value;
    const t = this.alloc();
    out.push(this.stmt('AssignVarStmt', { source: op, target: t }, loc));
    return t;
  }

  /**
   * The function computing `group` for the given replaced documents. Without replacements it is
   * OPA's `g0.data.<path>`; each distinct set of replacements gets its own generation `g<n>`, whose
   * functions read replaced documents from the data local instead of evaluating their rules.
   */
  funcFor(group: RuleGroup, overrides: Overrides): string {
    const generation = this.generation(overrides);
    const name = funcNameOf(group.path, generation);
    if (!this.#queued.has(name)) {
      this.#queued.add(name);
      this.#queue.push({ group, overrides, generation });
    }
    return name;
  }

  generation(overrides: Overrides): number {
    const key = [...overrides].sort().join('\n');
    let generation = this.#generations.get(key);
    if (generation === undefined) {
      generation = this.#generations.size;
      this.#generations.set(key, generation);
    }
    return generation;
  }

  drainQueue(): void {
    for (let item = this.#queue.shift(); item !== undefined; item = this.#queue.shift()) {
      this.#funcs.set(funcNameOf(item.group.path, item.generation), this.planGroup(item.group, item.overrides, item.generation));
    }
  }

  // ───────────── entrypoints and rule groups ─────────────

  planEntrypoint(entrypoint: string): Plan | undefined {
    const segments = entrypoint.split('/').filter((s) => s.length > 0);
    const loc: Loc = { file: '', line: 0, col: 0 };
    const path: Term[] = segments.map((value) => ({ kind: 'string', value, raw: false, loc }));
    const hit = walkDataRef(this.#tree, path);
    if (hit.kind === 'base' || (hit.kind === 'group' && hit.group.kind === 'function')) return undefined;
    if (hit.kind === 'node' && (hit.consumed < path.length || !hasValueRules(hit.node))) return undefined;
    this.#nextLocal = FIRST_FREE_LOCAL;
    const out: Stmt[] = [];
    const env: Env = { vars: new Map(), input: INPUT_LOCAL, data: DATA_LOCAL, overrides: new Set(), inputChecked: false };
    const v = this.planDataRef(path, { env, out }, loc);
    const o = v.out;
    const result = this.toLocal(v.op, o, loc);
    const obj = this.alloc();
    o.push(this.stmt('MakeObjectStmt', { target: obj }, loc));
    o.push(this.stmt('ObjectInsertStmt', { key: { type: 'string_index', value: this.str('result') }, value: local(result), object: obj }, loc));
    o.push(this.stmt('ResultSetAddStmt', { value: obj }, loc));
    return { name: segments.join('/'), blocks: [{ stmts: out }] };
  }

  planGroup(group: RuleGroup, overrides: Overrides, generation: number): Func {
    this.#nextLocal = FIRST_FREE_LOCAL;
    const params: Local[] = [INPUT_LOCAL, DATA_LOCAL];
    for (let i = 0; i < group.arity; i++) params.push(this.alloc());
    const ret = this.alloc();
    const blocks: Block[] = [];
    const env: Env = { vars: new Map(), input: INPUT_LOCAL, data: DATA_LOCAL, overrides, inputChecked: false };
    const loc = group.loc;
    switch (group.kind) {
      case 'complete':
      case 'function': {
        for (const def of group.definitions) this.planValueDefinition(def, params.slice(2), env, ret, blocks);
        if (group.defaultValue) {
          const stmts: Stmt[] = [this.stmt('IsUndefinedStmt', { source: ret }, loc)];
          const v = this.planTerm(group.defaultValue, { env, out: stmts });
          v.out.push(this.stmt('AssignVarOnceStmt', { source: v.op, target: ret }, loc));
          blocks.push({ stmts });
        }
        break;
      }
      case 'partial-set': {
        blocks.push({ stmts: [this.stmt('MakeSetStmt', { target: ret }, loc)] });
        for (const def of group.definitions) {
          for (const clause of def.clauses) {
            const key = clause.key;
            if (key === undefined) throw new PlanError(clause.loc, 'partial set rule without an element');
            const stmts: Stmt[] = [];
            const body = this.planClause(def, clause, params.slice(2), { env, out: stmts });
            const k = this.planTerm(key, body);
            k.out.push(this.stmt('SetAddStmt', { set: ret, value: k.op }, clause.loc));
            blocks.push({ stmts });
          }
        }
        break;
      }
      case 'partial-object': {
        blocks.push({ stmts: [this.stmt('MakeObjectStmt', { target: ret }, loc)] });
        for (const def of group.definitions) {
          for (const clause of def.clauses) {
            const { key, value } = clause;
            if (key === undefined || value === undefined) throw new PlanError(clause.loc, 'partial object rule without key and value');
            const stmts: Stmt[] = [];
            const body = this.planClause(def, clause, params.slice(2), { env, out: stmts });
            const kv = this.planTerms([key, value], body);
            kv.out.push(this.stmt('ObjectInsertOnceStmt', { key: kv.ops[0] as Operand, value: kv.ops[1] as Operand, object: ret }, clause.loc));
            blocks.push({ stmts });
          }
        }
        break;
      }
      default:
        assertNever(group.kind, 'rule kind');
    }
    blocks.push({ stmts: [this.stmt('ReturnLocalStmt', { source: ret }, loc)] });
    return { name: funcNameOf(group.path, generation), params, return: ret, blocks, path: [`g${generation}`, ...group.path] };
  }

  /**
   * A complete rule or function definition with its `else` chain. Every successful body assigns
   * with AssignVarOnceStmt, so two different values are OPA's conflict error at run time.
   */
  planValueDefinition(def: CheckedDefinition, params: readonly Local[], env: Env, ret: Local, blocks: Block[]): void {
    const planClauseInto = (clause: CheckedClause, stmts: Stmt[], target: Local): void => {
      const value = clause.value;
      if (value === undefined) throw new PlanError(clause.loc, 'rule without a value');
      const v = this.planTerm(value, this.planClause(def, clause, params, { env, out: stmts }));
      v.out.push(this.stmt('AssignVarOnceStmt', { source: v.op, target }, clause.loc));
      blocks.push({ stmts });
    };
    const [first, ...rest] = def.clauses;
    if (first === undefined) return;
    if (rest.length === 0) {
      planClauseInto(first, [], ret);
      return;
    }
    // `else`: each clause runs only while no earlier clause has produced a value.
    const chain = this.alloc();
    def.clauses.forEach((clause, i) => {
      planClauseInto(clause, i === 0 ? [] : [this.stmt('IsUndefinedStmt', { source: chain }, clause.loc)], chain);
    });
    blocks.push({
      stmts: [
        this.stmt('IsDefinedStmt', { source: chain }, def.loc),
        this.stmt('AssignVarOnceStmt', { source: local(chain), target: ret }, def.loc),
      ],
    });
  }

  /** Binds the parameters to the definition's argument patterns, then plans the clause body. */
  planClause(def: CheckedDefinition, clause: CheckedClause, params: readonly Local[], cur: Cursor): Cursor {
    let c = cur;
    def.args.forEach((arg, i) => {
      const param = params[i];
      if (param !== undefined) c = this.unifyLocal(arg, param, c);
    });
    return this.planBody(clause.body, c);
  }

  // ───────────── bodies ─────────────

  planBody(body: readonly Expr[], cur: Cursor): Cursor {
    let c = cur;
    for (const expr of body) c = expr.with.length > 0 ? this.planWith(expr, c) : this.planExpr(expr, c);
    return c;
  }

  /**
   * `expr with input.a as v`: the replacement holds for the expression only. The WithStmt restores
   * the local when its block ends, but the rest of the body is planned inside that block (it may
   * depend on the expression's bindings), so it reads copies of input/data saved beforehand.
   */
  planWith(expr: Expr, cur: Cursor): Cursor {
    const { ops, env: e, out: o } = this.planTerms(expr.with.map((w) => w.value), cur);
    let savedInput: Local | undefined;
    let savedData: Local | undefined;
    for (const w of expr.with) {
      const root = w.target.kind === 'var' ? w.target.name : (w.target.head as VarTerm).name;
      if (root === 'input' && savedInput === undefined) {
        savedInput = this.alloc();
        o.push(this.stmt('AssignVarStmt', { source: local(e.input), target: savedInput }, w.loc));
      }
      if (root === 'data' && savedData === undefined) {
        savedData = this.alloc();
        o.push(this.stmt('AssignVarStmt', { source: local(e.data), target: savedData }, w.loc));
      }
    }
    // Rule documents a `with data…` replaces are read from the data local inside the expression.
    const overrides = new Set(e.overrides);
    for (const w of expr.with) {
      if (w.target.kind === 'var' && w.target.name === 'data') overrides.add(groupKey([]));
      if (w.target.kind !== 'ref' || w.target.head.kind !== 'var' || w.target.head.name !== 'data') continue;
      const hit = walkDataRef(this.#tree, w.target.path, e.overrides);
      if (hit.kind === 'group' && (hit.consumed < w.target.path.length || hit.group.kind === 'function')) {
        throw new PlanError(w.loc, 'with cannot replace part of a rule document or a function');
      }
      if (hit.kind !== 'base') {
        overrides.add(groupKey(w.target.path.map((p) => (p.kind === 'string' ? p.value : ''))));
      }
    }
    let inner = o;
    expr.with.forEach((w, j) => {
      const op = ops[j] as Operand;
      const root = w.target.kind === 'var' ? w.target.name : (w.target.head as VarTerm).name;
      const segs = w.target.kind === 'ref' ? w.target.path : [];
      const path = segs.map((s) => {
        if (s.kind !== 'string') throw new PlanError(s.loc, 'with target path must be constant');
        return this.str(s.value);
      });
      const block: Stmt[] = [];
      inner.push(this.stmt('WithStmt', { local: root === 'input' ? e.input : e.data, path, value: op, block: { stmts: block } }, w.loc));
      inner = block;
    });
    const after = this.planExpr(expr, { env: { ...e, overrides }, out: inner });
    // Inside the `with` input may have been created; the original may still be absent.
    const env: Env = {
      ...after.env, input: savedInput ?? after.env.input, data: savedData ?? after.env.data,
      overrides: e.overrides, inputChecked: e.inputChecked,
    };
    return { env, out: after.out };
  }

  planExpr(expr: Expr, cur: Cursor): Cursor {
    const { env, out } = cur;
    switch (expr.kind) {
      case 'term':
        return this.planTermExpr(expr.term, cur);
      case 'not': {
        const found = this.alloc();
        out.push(this.stmt('ResetLocalStmt', { target: found }, expr.loc));
        const inner: Stmt[] = [];
        const held = this.planTermExpr(expr.term, { env, out: inner });
        held.out.push(this.stmt('AssignVarStmt', { source: TRUE, target: found }, expr.loc));
        out.push(this.stmt('BlockStmt', { blocks: [{ stmts: inner }] }, expr.loc));
        out.push(this.stmt('IsUndefinedStmt', { source: found }, expr.loc));
        return cur;
      }
      case 'some-decl':
        return cur;
      case 'some-in': {
        const coll = this.planTerm(expr.collection, cur);
        const source = this.toLocal(coll.op, coll.out, expr.loc);
        const key = this.alloc();
        const value = this.alloc();
        const inner: Stmt[] = [];
        coll.out.push(this.stmt('ScanStmt', { source, key, value, block: { stmts: inner } }, expr.loc));
        let c: Cursor = { env: coll.env, out: inner };
        if (expr.key) c = this.unifyLocal(expr.key, key, c);
        return this.unifyLocal(expr.value, value, c);
      }
      case 'every': {
        const dom = this.planTerm(expr.domain, cur);
        const o = dom.out;
        const source = this.toLocal(dom.op, o, expr.loc);
        const failed = this.alloc();
        o.push(this.stmt('ResetLocalStmt', { target: failed }, expr.loc));
        const key = this.alloc();
        const value = this.alloc();
        const scan: Stmt[] = [];
        o.push(this.stmt('ScanStmt', { source, key, value, block: { stmts: scan } }, expr.loc));
        const held = this.alloc();
        scan.push(this.stmt('ResetLocalStmt', { target: held }, expr.loc));
        const vars = new Map(dom.env.vars);
        if (expr.key) vars.set(expr.key.name, key);
        vars.set(expr.value.name, value);
        const body: Stmt[] = [];
        const done = this.planBody(expr.body, { env: { ...dom.env, vars }, out: body });
        done.out.push(this.stmt('AssignVarStmt', { source: TRUE, target: held }, expr.loc));
        scan.push(this.stmt('BlockStmt', { blocks: [{ stmts: body }] }, expr.loc));
        scan.push(this.stmt('IsUndefinedStmt', { source: held }, expr.loc));
        scan.push(this.stmt('AssignVarStmt', { source: TRUE, target: failed }, expr.loc));
        o.push(this.stmt('IsUndefinedStmt', { source: failed }, expr.loc));
        return { env: dom.env, out: o };
      }
      default:
        return assertNever(expr, 'expression');
    }
  }

  /** A term in body position succeeds when it is defined and not `false`. */
  planTermExpr(term: Term, cur: Cursor): Cursor {
    if (term.kind === 'call') {
      const [a, b] = term.args;
      if (term.operator === 'eq' && a && b) return this.unify(a, b, cur);
      if ((term.operator === 'equal' || term.operator === 'neq') && a && b) {
        const p = this.planTerms([a, b], cur);
        const [x, y] = p.ops as [Operand, Operand];
        p.out.push(this.stmt(term.operator === 'equal' ? 'EqualStmt' : 'NotEqualStmt', { a: x, b: y }, term.loc));
        return p;
      }
    }
    const v = this.planTerm(term, cur);
    v.out.push(this.stmt('NotEqualStmt', { a: v.op, b: FALSE }, term.loc));
    return v;
  }

  // ───────────── unification ─────────────

  isUnbound(term: Term, env: Env): term is VarTerm {
    return term.kind === 'var' && term.name !== 'input' && term.name !== 'data' && !env.vars.has(term.name);
  }

  canEvaluate(term: Term, env: Env): boolean {
    const needs = new Set<string>();
    neededVars(term, new WeakMap(), needs);
    return [...needs].every((v) => env.vars.has(v));
  }

  hasUnbound(term: Term, env: Env): boolean {
    const vars = new Set<string>();
    mentionedVars(term, new WeakMap(), vars);
    return [...vars].some((v) => !env.vars.has(v));
  }

  bind(v: VarTerm, op: Operand, env: Env, out: Stmt[]): Env {
    if (v.wildcard) return env;
    let target: Local;
    if (op.type === 'local' && op.value !== env.input && op.value !== env.data) {
      target = op.value;
    } else {
      // input/data locals may be replaced in place by a later `with`; a variable keeps the value it had.
      target = this.alloc();
      out.push(this.stmt('AssignVarStmt', { source: op, target }, v.loc));
    }
    const vars = new Map(env.vars);
    vars.set(v.name, target);
    return { ...env, vars };
  }

  unify(a: Term, b: Term, cur: Cursor): Cursor {
    const { env } = cur;
    for (const [unbound, other] of [[a, b], [b, a]] as const) {
      if (this.isUnbound(unbound, env)) {
        const v = this.planTerm(other, cur);
        return { env: this.bind(unbound, v.op, v.env, v.out), out: v.out };
      }
    }
    const isPattern = (t: Term): boolean => (t.kind === 'array' || t.kind === 'object') && this.hasUnbound(t, env);
    for (const [pattern, other] of [[a, b], [b, a]] as const) {
      if (isPattern(pattern) && this.canEvaluate(other, env)) {
        const v = this.planTerm(other, cur);
        return this.unifyLocal(pattern, this.toLocal(v.op, v.out, other.loc), v);
      }
    }
    const p = this.planTerms([a, b], cur);
    const [x, y] = p.ops as [Operand, Operand];
    p.out.push(this.stmt('EqualStmt', { a: x, b: y }, a.loc));
    return p;
  }

  /** Unifies a pattern with the value in `source`. */
  unifyLocal(pattern: Term, source: Local, cur: Cursor): Cursor {
    const { env, out } = cur;
    if (pattern.kind === 'var' && pattern.wildcard) return cur;
    if (this.isUnbound(pattern, env)) return { env: this.bind(pattern, local(source), env, out), out };
    if ((pattern.kind === 'array' || pattern.kind === 'object') && this.hasUnbound(pattern, env)) {
      const loc = pattern.loc;
      out.push(this.stmt(pattern.kind === 'array' ? 'IsArrayStmt' : 'IsObjectStmt', { source: local(source) }, loc));
      const len = this.alloc();
      out.push(this.stmt('LenStmt', { source: local(source), target: len }, loc));
      const want = this.alloc();
      const size = pattern.kind === 'array' ? pattern.items.length : pattern.entries.length;
      out.push(this.stmt('MakeNumberIntStmt', { value: size, target: want }, loc));
      out.push(this.stmt('EqualStmt', { a: local(len), b: local(want) }, loc));
      let c = cur;
      if (pattern.kind === 'array') {
        pattern.items.forEach((item, i) => {
          const index = this.alloc();
          c.out.push(this.stmt('MakeNumberIntStmt', { value: i, target: index }, item.loc));
          const elem = this.alloc();
          c.out.push(this.stmt('DotStmt', { source: local(source), key: local(index), target: elem }, item.loc));
          c = this.unifyLocal(item, elem, c);
        });
      } else {
        for (const entry of pattern.entries) {
          const k = this.planTerm(entry.key, c);
          const elem = this.alloc();
          k.out.push(this.stmt('DotStmt', { source: local(source), key: k.op, target: elem }, entry.key.loc));
          c = this.unifyLocal(entry.value, elem, k);
        }
      }
      return c;
    }
    const v = this.planTerm(pattern, cur);
    v.out.push(this.stmt('EqualStmt', { a: v.op, b: local(source) }, pattern.loc));
    return v;
  }

  // ───────────── terms ─────────────

  planTerms(terms: readonly Term[], cur: Cursor): Cursor & { readonly ops: Operand[] } {
    const ops: Operand[] = [];
    let c = cur;
    for (const term of terms) {
      const v = this.planTerm(term, c);
      ops.push(v.op);
      c = v;
    }
    return { env: c.env, out: c.out, ops };
  }

  planTerm(term: Term, cur: Cursor): Planned {
    const { env, out } = cur;
    const loc = term.loc;
    switch (term.kind) {
      case 'null': {
        const t = this.alloc();
        out.push(this.stmt('MakeNullStmt', { target: t }, loc));
        return { ...cur, op: local(t) };
      }
      case 'boolean':
        return { ...cur, op: { type: 'bool', value: term.value } };
      case 'number': {
        const t = this.alloc();
        const n = Number(term.text);
        if (/^-?\d+$/.test(term.text) && Number.isSafeInteger(n)) {
          out.push(this.stmt('MakeNumberIntStmt', { value: n, target: t }, loc));
        } else {
          out.push(this.stmt('MakeNumberRefStmt', { Index: this.str(term.text), target: t }, loc));
        }
        return { ...cur, op: local(t) };
      }
      case 'string':
        return { ...cur, op: { type: 'string_index', value: this.str(term.value) } };
      case 'var': {
        if (term.name === 'input') {
          const checked = this.checkInput(env, out, loc);
          return { env: checked, out, op: local(checked.input) };
        }
        if (term.name === 'data') return this.planDataRef([], cur, loc);
        const bound = env.vars.get(term.name);
        if (bound === undefined) throw new PlanError(loc, `variable ${term.name} is not bound here`);
        return { ...cur, op: local(bound) };
      }
      case 'ref':
        return this.planRef(term, cur);
      case 'array': {
        const p = this.planTerms(term.items, cur);
        const t = this.alloc();
        p.out.push(this.stmt('MakeArrayStmt', { capacity: p.ops.length, target: t }, loc));
        for (const value of p.ops) p.out.push(this.stmt('ArrayAppendStmt', { array: t, value }, loc));
        return { env: p.env, out: p.out, op: local(t) };
      }
      case 'set': {
        const p = this.planTerms(term.items, cur);
        const t = this.alloc();
        p.out.push(this.stmt('MakeSetStmt', { target: t }, loc));
        for (const value of p.ops) p.out.push(this.stmt('SetAddStmt', { set: t, value }, loc));
        return { env: p.env, out: p.out, op: local(t) };
      }
      case 'object': {
        const p = this.planTerms(term.entries.flatMap((en) => [en.key, en.value]), cur);
        const t = this.alloc();
        p.out.push(this.stmt('MakeObjectStmt', { target: t }, loc));
        for (let i = 0; i + 1 < p.ops.length; i += 2) {
          p.out.push(this.stmt('ObjectInsertStmt', { key: p.ops[i] as Operand, value: p.ops[i + 1] as Operand, object: t }, loc));
        }
        return { env: p.env, out: p.out, op: local(t) };
      }
      case 'call':
        return this.planCall(term.operator, term.operatorPath, term.args, cur, loc);
      case 'array-comprehension':
      case 'set-comprehension':
      case 'object-comprehension': {
        const t = this.alloc();
        if (term.kind === 'array-comprehension') out.push(this.stmt('MakeArrayStmt', { capacity: 0, target: t }, loc));
        else out.push(this.stmt(term.kind === 'set-comprehension' ? 'MakeSetStmt' : 'MakeObjectStmt', { target: t }, loc));
        const inner: Stmt[] = [];
        const body = this.planBody(term.body, { env, out: inner });
        if (term.kind === 'object-comprehension') {
          const kv = this.planTerms([term.key, term.value], body);
          kv.out.push(this.stmt('ObjectInsertOnceStmt', { key: kv.ops[0] as Operand, value: kv.ops[1] as Operand, object: t }, loc));
        } else {
          const v = this.planTerm(term.head, body);
          if (term.kind === 'array-comprehension') v.out.push(this.stmt('ArrayAppendStmt', { array: t, value: v.op }, loc));
          else v.out.push(this.stmt('SetAddStmt', { set: t, value: v.op }, loc));
        }
        out.push(this.stmt('BlockStmt', { blocks: [{ stmts: inner }] }, loc));
        return { ...cur, op: local(t) };
      }
      default:
        return assertNever(term, 'term');
    }
  }

  planCall(operator: string, operatorPath: readonly string[], args: readonly Term[], cur: Cursor, loc: Loc): Planned {
    const p = this.planTerms(args, cur);
    const result = this.alloc();
    if (operatorPath[0] === 'data') {
      const group = this.program.groups.get(groupKey(operatorPath.slice(1)));
      if (group === undefined || group.kind !== 'function') throw new PlanError(loc, `${operator} is not a function`);
      const func = this.funcFor(group, p.env.overrides);
      p.out.push(this.stmt('CallStmt', { func, args: [local(p.env.input), local(p.env.data), ...p.ops], result }, loc));
    } else {
      if (lookupBuiltin(operator) === undefined) throw new PlanError(loc, `unknown function ${operator}`);
      this.#builtins.add(operator);
      p.out.push(this.stmt('CallStmt', { func: operator, args: p.ops, result }, loc));
    }
    return { env: p.env, out: p.out, op: local(result) };
  }

  /** Evaluation may run without input; reading it then makes the expression undefined. */
  checkInput(env: Env, out: Stmt[], loc: Loc): Env {
    if (env.inputChecked) return env;
    out.push(this.stmt('IsDefinedStmt', { source: env.input }, loc));
    return { ...env, inputChecked: true };
  }

  planRef(ref: Term & { kind: 'ref' }, cur: Cursor): Planned {
    const head = ref.head;
    if (head.kind === 'var' && head.name === 'data') return this.planDataRef(ref.path, cur, ref.loc);
    if (head.kind === 'var' && head.name === 'input') {
      const checked = this.checkInput(cur.env, cur.out, ref.loc);
      return this.walkPath(checked.input, ref.path, 0, { env: checked, out: cur.out });
    }
    const h = this.planTerm(head, cur);
    return this.walkPath(this.toLocal(h.op, h.out, ref.loc), ref.path, 0, h);
  }

  /** Dot for bound keys, a scan that binds the variable for unbound ones. */
  walkPath(source: Local, path: readonly Term[], from: number, cur: Cursor): Planned {
    let c = cur;
    let src = source;
    for (const seg of path.slice(from)) {
      if (this.isUnbound(seg, c.env)) {
        const key = this.alloc();
        const value = this.alloc();
        const inner: Stmt[] = [];
        c.out.push(this.stmt('ScanStmt', { source: src, key, value, block: { stmts: inner } }, seg.loc));
        const vars = new Map(c.env.vars);
        if (!seg.wildcard) vars.set(seg.name, key);
        c = { env: { ...c.env, vars }, out: inner };
        src = value;
        continue;
      }
      const k = this.planTerm(seg, c);
      const target = this.alloc();
      k.out.push(this.stmt('DotStmt', { source: local(src), key: k.op, target }, seg.loc));
      c = k;
      src = target;
    }
    return { env: c.env, out: c.out, op: local(src) };
  }

  /**
   * A reference under `data`: the prefix that names a rule calls the rule's function; a prefix
   * that stops on a package (or is followed by a variable) builds that document from its rules
   * merged over the base data at the same path; anything else is base data.
   */
  planDataRef(path: readonly Term[], cur: Cursor, loc: Loc): Planned {
    const { env, out } = cur;
    const hit = walkDataRef(this.#tree, path, env.overrides);
    switch (hit.kind) {
      case 'group': {
        if (hit.group.kind === 'function') throw new PlanError(loc, `function ${displayPath(hit.group.path)} must be called`);
        const result = this.ruleDocument(hit.node, hit.group, env, out, loc);
        return this.walkPath(result, path, hit.consumed, cur);
      }
      case 'node': {
        if (!hasValueRules(hit.node, env.overrides)) return this.walkPath(env.data, path, 0, cur);
        // `data.apps[name].allow` only needs each package's `allow`: the constant segments after
        // the first non-constant one restrict which rules are evaluated.
        const filter: (string | null)[] = [];
        if (hit.consumed < path.length) {
          filter.push(null);
          for (const seg of path.slice(hit.consumed + 1)) {
            if (seg.kind !== 'string') break;
            filter.push(seg.value);
          }
        }
        // A bound variable selects one package at run time: only that package's rules run.
        const seg = path[hit.consumed];
        const selector = seg?.kind === 'var' ? env.vars.get(seg.name) : undefined;
        const doc = this.materialize(hit.node, env, out, loc, filter, selector);
        return this.walkPath(doc, path, hit.consumed, cur);
      }
      case 'base':
        return this.walkPath(env.data, path, 0, cur);
      default:
        return assertNever(hit, 'data ref target');
    }
  }

  /**
   * The value of the rule at `node`: its function's result, plus, for a partial object rule with
   * single-value rules for some of its keys (`p[k] := v`, `p.q := 1`), those keys. The result of a
   * call may be memoised, so the combined document is a fresh object; a key given two different
   * values is OPA's object insert conflict.
   */
  ruleDocument(node: RuleTreeNode, group: RuleGroup, env: Env, out: Stmt[], loc: Loc): Local {
    const result = this.alloc();
    out.push(this.stmt('CallStmt', { func: this.funcFor(group, env.overrides), args: [local(env.input), local(env.data)], result }, loc));
    const keyRules = [...node.children.keys()].sort().flatMap((name) => {
      const g = node.children.get(name)?.group;
      return g ? [{ name, group: g }] : [];
    });
    if (keyRules.length === 0) return result;
    const doc = this.alloc();
    out.push(this.stmt('MakeObjectStmt', { target: doc }, loc));
    const key = this.alloc();
    const value = this.alloc();
    out.push(this.stmt('ScanStmt', {
      source: result, key, value,
      block: { stmts: [this.stmt('ObjectInsertStmt', { key: local(key), value: local(value), object: doc }, loc)] },
    }, loc));
    for (const rule of keyRules) {
      const v = this.alloc();
      out.push(this.stmt('BlockStmt', {
        blocks: [{
          stmts: [
            this.stmt('CallStmt', { func: this.funcFor(rule.group, env.overrides), args: [local(env.input), local(env.data)], result: v }, loc),
            this.stmt('ObjectInsertOnceStmt', { key: { type: 'string_index', value: this.str(rule.name) }, value: local(v), object: doc }, loc),
          ],
        }],
      }, loc));
    }
    return doc;
  }

  /** The whole document at a tree node: base data there, with the rules' values merged in. */
  materialize(node: RuleTreeNode, env: Env, out: Stmt[], loc: Loc, filter: readonly (string | null)[] = [], selector?: Local): Local {
    const virtual = this.virtualDocument(node, env, out, loc, filter, selector);
    const result = this.alloc();
    out.push(this.stmt('AssignVarStmt', { source: local(virtual), target: result }, loc));
    const merge: Stmt[] = [];
    let base = env.data;
    for (const seg of node.path) {
      const next = this.alloc();
      merge.push(this.stmt('DotStmt', { source: local(base), key: { type: 'string_index', value: this.str(seg) }, target: next }, loc));
      base = next;
    }
    merge.push(this.stmt('IsObjectStmt', { source: local(base) }, loc));
    merge.push(this.stmt('ObjectMergeStmt', { a: base, b: virtual, target: result }, loc));
    out.push(this.stmt('BlockStmt', { blocks: [{ stmts: merge }] }, loc));
    return result;
  }

  /**
   * The rules' part of the document at `node`. `filter[i]`, when a string, is the only key that
   * will be read at depth i, so other subtrees there are left out (and their rules not run).
   */
  virtualDocument(node: RuleTreeNode, env: Env, parent: Stmt[], loc: Loc, filter: readonly (string | null)[], selector?: Local): Local {
    const obj = this.alloc();
    parent.push(this.stmt('MakeObjectStmt', { target: obj }, loc));
    const only = filter[0];
    for (const name of [...node.children.keys()].sort()) {
      if (typeof only === 'string' && name !== only) continue;
      const child = node.children.get(name) as RuleTreeNode;
      // With a selector, each child is computed only when the selector names it.
      let out = parent;
      if (selector !== undefined && hasValueRules(child, env.overrides)) {
        out = [this.stmt('EqualStmt', { a: local(selector), b: { type: 'string_index', value: this.str(name) } }, loc)];
        parent.push(this.stmt('BlockStmt', { blocks: [{ stmts: out }] }, loc));
      }
      const key: Operand = { type: 'string_index', value: this.str(name) };
      // Replaced documents come from the base data merged in by materialize().
      if (!hasValueRules(child, env.overrides)) continue;
      if (child.group) {
        // An undefined rule is absent from its package's document.
        const block: Stmt[] = [];
        const value = this.ruleDocument(child, child.group, env, block, loc);
        block.push(this.stmt('ObjectInsertStmt', { key, value: local(value), object: obj }, loc));
        out.push(this.stmt('BlockStmt', { blocks: [{ stmts: block }] }, loc));
      } else {
        const sub = this.virtualDocument(child, env, out, loc, filter.slice(1));
        out.push(this.stmt('ObjectInsertStmt', { key, value: local(sub), object: obj }, loc));
      }
    }
    return obj;
  }
}
