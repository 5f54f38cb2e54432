// Check stage: parsed modules → CheckedProgram (rules grouped by document, names resolved, bodies
// ordered for safety), or every semantic diagnostic: unsafe variables, unknown functions and
// arities, recursion, conflicting defaults/kinds/paths, invalid `with` targets.

import type { Body, Expr, Loc, Module, Rule, Term } from './ast.js';
import { assertNever } from './ast.js';
import { DiagnosticCollector, type Diagnostic } from './diagnostics.js';
import { CheckCodes } from './check/check-codes.js';
import { displayPath, groupKey, type CheckedDefinition, type CheckedProgram, type RuleGroup } from './check/program.js';
import { resolveDefaultValue, resolveRule, type GlobalName, type ResolveContext } from './check/resolve-rule.js';
import { buildRuleTree, groupsUnder, walkDataRef, type RuleTreeNode } from './check/rule-tree.js';

export { CheckCodes } from './check/check-codes.js';

export type CheckResult =
  | { readonly ok: true; readonly program: CheckedProgram }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

interface RawGroup {
  readonly path: readonly string[];
  readonly rules: { readonly rule: Rule; readonly module: Module }[];
}

export function checkModules(modules: readonly Module[]): CheckResult {
  const diagnostics = new DiagnosticCollector();
  const raw = new Map<string, RawGroup>();
  const packageRules = new Map<string, Set<string>>();
  for (const module of modules) {
    const pkgKey = groupKey(module.package.path);
    const names = packageRules.get(pkgKey) ?? new Set<string>();
    packageRules.set(pkgKey, names);
    for (const rule of module.rules) {
      names.add(rule.name);
      const path = [...module.package.path, ...rule.path];
      const key = groupKey(path);
      const group = raw.get(key) ?? { path, rules: [] };
      raw.set(key, group);
      group.rules.push({ rule, module });
    }
  }

  // Shapes first: the resolver needs each function's arity.
  const shapes = new Map<string, { kind: Rule['kind']; arity: number; loc: Loc }>();
  for (const [key, group] of raw) {
    const shape = checkGroupShape(group, diagnostics);
    if (shape) shapes.set(key, shape);
  }
  checkPathConflicts(raw, diagnostics);

  const groups = new Map<string, RuleGroup>();
  for (const [key, group] of raw) {
    const shape = shapes.get(key);
    if (shape === undefined) continue;
    const definitions: CheckedDefinition[] = [];
    let defaultValue: Term | undefined;
    for (const { rule, module } of group.rules) {
      const ctx = resolveContext(module, packageRules, shapes, diagnostics);
      if (rule.isDefault) defaultValue = resolveDefaultValue(rule, ctx);
      else definitions.push(resolveRule(rule, ctx));
    }
    groups.set(key, {
      path: group.path, kind: shape.kind, arity: shape.arity, definitions,
      ...(defaultValue ? { defaultValue } : {}), loc: shape.loc,
    });
  }

  const tree = buildRuleTree(groups.values());
  checkReferences(groups, tree, diagnostics);

  if (diagnostics.hasErrors) return { ok: false, diagnostics: diagnostics.toArray() };
  return { ok: true, program: { groups, files: modules.map((m) => m.file) } };
}

/**
 * A rule and a base document at the same path (or base data that is not an object above a rule)
 * is a compile error in OPA: which one `data.x.y` means would otherwise depend on the planner.
 * Only possible when the base data is known at compile time (a bundle build).
 */
export function checkDataConflicts(program: CheckedProgram, data: unknown): Diagnostic[] {
  const diagnostics = new DiagnosticCollector();
  for (const group of program.groups.values()) {
    let node: unknown = data;
    for (let i = 0; i < group.path.length; i++) {
      if (node === undefined) break;
      if (typeof node !== 'object' || node === null || Array.isArray(node)) {
        diagnostics.add(CheckCodes.ruleDataConflict, `rule ${displayPath(group.path)} conflicts with base data at data.${displayPath(group.path.slice(0, i))}`, group.loc);
        node = undefined;
        break;
      }
      node = Object.prototype.hasOwnProperty.call(node, group.path[i] as string) ? (node as Record<string, unknown>)[group.path[i] as string] : undefined;
    }
    if (node !== undefined) {
      diagnostics.add(CheckCodes.ruleDataConflict, `rule ${displayPath(group.path)} conflicts with base data at the same path`, group.loc);
    }
  }
  return diagnostics.toArray();
}

function checkGroupShape(group: RawGroup, diagnostics: DiagnosticCollector): { kind: Rule['kind']; arity: number; loc: Loc } | undefined {
  const first = group.rules.find((r) => !r.rule.isDefault)?.rule ?? group.rules[0]?.rule;
  if (first === undefined) return undefined;
  let ok = true;
  const name = displayPath(group.path);
  const defaults = group.rules.filter((r) => r.rule.isDefault);
  for (const extra of defaults.slice(1)) {
    diagnostics.add(CheckCodes.multipleDefaults, `multiple default rules for ${name}`, extra.rule.loc);
    ok = false;
  }
  for (const { rule } of group.rules) {
    const defaultKind = rule.isDefault && rule.args.length === 0 ? 'complete' : rule.kind;
    const firstKind = first.isDefault && first.args.length === 0 ? 'complete' : first.kind;
    if (rule.isDefault && (rule.kind === 'partial-set' || rule.kind === 'partial-object')) {
      diagnostics.add(CheckCodes.defaultOnPartial, `default cannot be used on the partial rule ${name}`, rule.loc);
      ok = false;
    } else if (defaultKind !== firstKind) {
      diagnostics.add(CheckCodes.ruleKindConflict, `conflicting definitions of ${name}: ${firstKind} and ${defaultKind}`, rule.loc);
      ok = false;
    } else if (rule.kind === 'function' && rule.args.length !== first.args.length) {
      diagnostics.add(CheckCodes.functionArityConflict, `function ${name} is defined with ${first.args.length} and ${rule.args.length} arguments`, rule.loc);
      ok = false;
    }
  }
  return ok ? { kind: first.kind, arity: first.kind === 'function' ? first.args.length : 0, loc: first.loc } : undefined;
}

function checkPathConflicts(raw: ReadonlyMap<string, RawGroup>, diagnostics: DiagnosticCollector): void {
  for (const [, group] of raw) {
    for (let n = 1; n < group.path.length; n++) {
      const prefix = raw.get(groupKey(group.path.slice(0, n)));
      // A complete rule may give one key of a partial object rule's document (`p[k] := v`, `p.q := 1`).
      const isKeyOfPartialObject = prefix !== undefined && n === group.path.length - 1
        && prefix.rules.every((r) => r.rule.kind === 'partial-object')
        && group.rules.every((r) => r.rule.kind === 'complete' && !r.rule.isDefault);
      if (prefix !== undefined && !isKeyOfPartialObject) {
        const at = group.rules[0]?.rule.loc;
        if (at) diagnostics.add(CheckCodes.rulePathConflict, `rule ${displayPath(group.path)} conflicts with rule ${displayPath(prefix.path)}`, at);
      }
    }
  }
}

function resolveContext(
  module: Module,
  packageRules: ReadonlyMap<string, ReadonlySet<string>>,
  shapes: ReadonlyMap<string, { kind: Rule['kind']; arity: number }>,
  diagnostics: DiagnosticCollector,
): ResolveContext {
  const pkg = module.package.path;
  const globals = new Map<string, GlobalName>();
  for (const name of packageRules.get(groupKey(pkg)) ?? []) {
    globals.set(name, { kind: 'ref', root: 'data', path: [...pkg, name] });
  }
  for (const imp of module.imports) {
    if (imp.alias === undefined || (imp.kind !== 'input' && imp.kind !== 'data')) continue;
    if (globals.has(imp.alias) || imp.alias === 'input' || imp.alias === 'data') {
      diagnostics.add(CheckCodes.importConflict, `import ${imp.alias} conflicts with a rule of the package or a root document`, imp.loc);
      continue;
    }
    const rest = imp.path.slice(1);
    globals.set(imp.alias, rest.length === 0 ? { kind: 'root', root: imp.kind } : { kind: 'ref', root: imp.kind, path: rest });
  }
  globals.set('input', { kind: 'root', root: 'input' });
  globals.set('data', { kind: 'root', root: 'data' });
  return {
    packagePath: pkg,
    globals,
    functionArity: (path) => {
      const shape = shapes.get(groupKey(path));
      return shape?.kind === 'function' ? shape.arity : undefined;
    },
    diagnostics,
  };
}

/** Recursion, functions used as values, and `with` on rule-produced documents. */
function checkReferences(groups: ReadonlyMap<string, RuleGroup>, tree: RuleTreeNode, diagnostics: DiagnosticCollector): void {
  const deps = new Map<string, Set<string>>();
  for (const [key, group] of groups) {
    const out = new Set<string>();
    const visitor = new ReferenceVisitor(tree, out, diagnostics);
    for (const def of group.definitions) {
      for (const a of def.args) visitor.term(a);
      for (const c of def.clauses) {
        visitor.body(c.body);
        if (c.value) visitor.term(c.value);
        if (c.key) visitor.term(c.key);
      }
    }
    deps.set(key, out);
  }
  // Depth-first search; a back edge is a cycle.
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (key: string): void => {
    state.set(key, 'active');
    stack.push(key);
    for (const dep of [...(deps.get(key) ?? [])].sort()) {
      const s = state.get(dep);
      if (s === 'active') {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        const group = groups.get(dep);
        if (group && !reported.has(dep)) {
          reported.add(dep);
          const show = (key: string): string => displayPath(groups.get(key)?.path ?? []);
          diagnostics.add(CheckCodes.recursion, `rule ${show(dep)} is recursive: ${cycle.map(show).join(' -> ')}`, group.loc);
        }
      } else if (s === undefined && groups.has(dep)) {
        visit(dep);
      }
    }
    stack.pop();
    state.set(key, 'done');
  };
  for (const key of [...groups.keys()].sort()) if (!state.has(key)) visit(key);
}

class ReferenceVisitor {
  constructor(
    private readonly tree: RuleTreeNode,
    private readonly deps: Set<string>,
    private readonly diagnostics: DiagnosticCollector,
  ) {}

  body(body: Body): void {
    for (const e of body) this.expr(e);
  }

  expr(expr: Expr): void {
    for (const w of expr.with) {
      this.term(w.value);
      this.withTarget(w.target, w.loc);
    }
    switch (expr.kind) {
      case 'term': case 'not': this.term(expr.term); return;
      case 'some-decl': return;
      case 'some-in':
        if (expr.key) this.term(expr.key);
        this.term(expr.value);
        this.term(expr.collection);
        return;
      case 'every': this.term(expr.domain); this.body(expr.body); return;
      default: assertNever(expr, 'expression');
    }
  }

  /**
   * `with` may replace input, base data, whole rule documents and packages; replacing part of a
   * rule's document or a function is not supported (OPA rejects the former too).
   */
  withTarget(target: Term, loc: Loc): void {
    if (target.kind !== 'ref' || target.head.kind !== 'var' || target.head.name !== 'data') return;
    const hit = walkDataRef(this.tree, target.path);
    if (hit.kind === 'group' && (hit.consumed < target.path.length || hit.group.kind === 'function')) {
      const what = hit.group.kind === 'function' ? `the function ${displayPath(hit.group.path)}` : `part of the rule document ${displayPath(hit.group.path)}`;
      this.diagnostics.add(CheckCodes.withOnRule, `with cannot replace ${what}`, loc);
    }
  }

  term(term: Term): void {
    switch (term.kind) {
      case 'null': case 'boolean': case 'number': case 'string': return;
      case 'var':
        if (term.name === 'data') this.dataRef(term, []);
        return;
      case 'ref':
        if (term.head.kind === 'var' && term.head.name === 'data') this.dataRef(term, term.path);
        else this.term(term.head);
        for (const p of term.path) this.term(p);
        return;
      case 'array': case 'set': for (const i of term.items) this.term(i); return;
      case 'object': for (const e of term.entries) { this.term(e.key); this.term(e.value); } return;
      case 'call':
        if (term.operatorPath[0] === 'data') this.deps.add(groupKey(term.operatorPath.slice(1)));
        for (const a of term.args) this.term(a);
        return;
      case 'array-comprehension': case 'set-comprehension':
        this.term(term.head); this.body(term.body); return;
      case 'object-comprehension':
        this.term(term.key); this.term(term.value); this.body(term.body); return;
      default: assertNever(term, 'term');
    }
  }

  dataRef(term: Term, path: readonly Term[]): void {
    const hit = walkDataRef(this.tree, path);
    switch (hit.kind) {
      case 'group':
        if (hit.group.kind === 'function') {
          this.diagnostics.add(CheckCodes.functionAsValue, `function ${displayPath(hit.group.path)} must be called`, term.loc);
        }
        for (const g of groupsUnder(hit.node)) this.deps.add(groupKey(g.path));
        return;
      case 'node':
        for (const g of groupsUnder(hit.node)) if (g.kind !== 'function') this.deps.add(groupKey(g.path));
        return;
      case 'base':
        return;
      default: assertNever(hit, 'data ref target');
    }
  }
}
