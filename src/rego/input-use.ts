// Which parts of `input` a planned policy can observe, and whether its answer can change between two
// evaluations of the same input and data. The server uses this to cache decisions safely: two
// requests that agree on every observed input path get the same result from a deterministic policy.
//
// The analysis runs over the IR (so it covers `--from-plan` too) and is conservative: it follows
// `input` (local 0 of every plan) through assignments, `.key` lookups with constant keys and calls
// of plan functions; any other use of an input-derived value counts as reading that value whole.
// Paths are cut at MAX_DEPTH keys: reading below that counts as reading the cut path whole.
import { childBlocks, INPUT_LOCAL, type Block, type Func, type Local, type Operand, type Plan, type Policy, type Stmt } from './ir.js';
import { assertNever } from '../shared/assert-never.js';
import { isRecord } from '../shared/is-record.js';

export const MAX_DEPTH = 2;

/** Built-ins whose result depends on something besides their arguments. */
export const NONDETERMINISTIC_BUILTINS: ReadonlySet<string> = new Set(['time.now_ns']);

export interface InputUse {
  /** Paths whose whole value may influence the result; `[]` is the entire input document. */
  readonly values: readonly (readonly string[])[];
  /** Paths whose presence (defined or not) may influence the result, beyond `values`. */
  readonly presence: readonly (readonly string[])[];
  /** Built-ins called whose results vary between calls with the same arguments. */
  readonly nondeterministic: readonly string[];
}

/** Name of the custom section in which the Wasm backend records a module's InputUse. */
export const INPUT_USE_SECTION = 'nmp_authz.input_use';

type Scope = Plan | Func;

const pathKey = (path: readonly string[]): string => JSON.stringify(path);

class Analysis {
  /** Input paths each local may hold, per plan or function. */
  private readonly aliases = new Map<Scope, Map<Local, Map<string, readonly string[]>>>();
  private readonly funcs: ReadonlyMap<string, Func>;
  private readonly callers = new Map<Func, Set<Scope>>();
  /** Per scope: AssignVarOnce statements per target, a statement inside a loop counting as many. */
  private readonly onceTargets = new Map<Scope, Map<Local, number>>();
  private readonly pending: Scope[] = [];
  private readonly queued = new Set<Scope>();
  readonly values = new Map<string, readonly string[]>();
  readonly presence = new Map<string, readonly string[]>();

  constructor(private readonly policy: Policy) {
    this.funcs = new Map(policy.funcs.funcs.map((f) => [f.name, f]));
  }

  run(): void {
    for (const plan of this.policy.plans.plans) {
      this.addAlias(plan, INPUT_LOCAL, []);
      this.enqueue(plan);
    }
    // Scopes run again whenever one of their locals gains an alias. Aliases only grow and are
    // bounded (paths of at most MAX_DEPTH constant keys), so this reaches a fixed point.
    for (let scope = this.pending.pop(); scope !== undefined; scope = this.pending.pop()) {
      this.queued.delete(scope);
      for (const block of scope.blocks) this.block(scope, block);
    }
  }

  private mayReassign(scope: Scope, target: Local): boolean {
    let targets = this.onceTargets.get(scope);
    if (targets === undefined) {
      targets = new Map();
      for (const block of scope.blocks) countOnceTargets(block, false, targets);
      this.onceTargets.set(scope, targets);
    }
    return targets.get(target) !== 1;
  }

  private enqueue(scope: Scope): void {
    if (this.queued.has(scope)) return;
    this.queued.add(scope);
    this.pending.push(scope);
  }

  private localsOf(scope: Scope): Map<Local, Map<string, readonly string[]>> {
    let locals = this.aliases.get(scope);
    if (locals === undefined) {
      locals = new Map();
      this.aliases.set(scope, locals);
    }
    return locals;
  }

  /** Returns whether the alias is new. */
  private addAlias(scope: Scope, local: Local, path: readonly string[]): boolean {
    const locals = this.localsOf(scope);
    let paths = locals.get(local);
    if (paths === undefined) {
      paths = new Map();
      locals.set(local, paths);
    }
    const key = pathKey(path);
    if (paths.has(key)) return false;
    paths.set(key, path);
    // Callers already past their call read the return local with fewer aliases: run them again.
    if ('return' in scope && scope.return === local) for (const caller of this.callers.get(scope) ?? []) this.enqueue(caller);
    return true;
  }

  private pathsOf(scope: Scope, local: Local): readonly (readonly string[])[] {
    const paths = this.aliases.get(scope)?.get(local);
    return paths === undefined ? [] : [...paths.values()];
  }

  private operandPaths(scope: Scope, operand: Operand): readonly (readonly string[])[] {
    return operand.type === 'local' ? this.pathsOf(scope, operand.value) : [];
  }

  private readValue(paths: readonly (readonly string[])[]): void {
    for (const path of paths) this.values.set(pathKey(path), path);
  }

  private readPresence(path: readonly string[]): void {
    this.presence.set(pathKey(path), path);
  }

  private flow(scope: Scope, paths: readonly (readonly string[])[], target: Local): void {
    let changed = false;
    for (const path of paths) changed = this.addAlias(scope, target, path) || changed;
    // Later statements of this scope may already have been visited with fewer aliases.
    if (changed) this.enqueue(scope);
  }

  private block(scope: Scope, block: Block): void {
    for (const stmt of block.stmts) this.stmt(scope, stmt);
  }

  private stmt(scope: Scope, s: Stmt): void {
    const value = (operand: Operand): void => { this.readValue(this.operandPaths(scope, operand)); };
    const local = (l: Local): void => { this.readValue(this.pathsOf(scope, l)); };
    switch (s.type) {
      case 'DotStmt': {
        const { source, key, target } = s.stmt;
        const paths = this.operandPaths(scope, source);
        if (paths.length === 0) {
          value(key);
          return;
        }
        if (key.type !== 'string_index') {
          // A computed key can select any member.
          this.readValue(paths);
          value(key);
          return;
        }
        const name = this.policy.static.strings[key.value]?.value;
        if (name === undefined) {
          this.readValue(paths);
          return;
        }
        const next: (readonly string[])[] = [];
        for (const path of paths) {
          if (path.length >= MAX_DEPTH) this.readValue([path]);
          else {
            const child = [...path, name];
            // The lookup fails when the member is absent: presence alone decides that much.
            this.readPresence(child);
            next.push(child);
          }
        }
        this.flow(scope, next, target);
        return;
      }
      case 'AssignVarStmt':
        this.flow(scope, this.operandPaths(scope, s.stmt.source), s.stmt.target);
        return;
      case 'AssignVarOnceStmt': {
        // Assigning again compares the new value with the one held, whole, and fails (a conflict
        // error) when they differ: then both sides are read entirely, not just where used later.
        // A target with one such statement outside any loop is assigned at most once per call.
        const paths = this.operandPaths(scope, s.stmt.source);
        if (this.mayReassign(scope, s.stmt.target)) this.readValue(paths);
        this.flow(scope, paths, s.stmt.target);
        return;
      }
      case 'CallStmt': {
        const callee = this.funcs.get(s.stmt.func);
        if (callee === undefined) {
          // A built-in: it sees its arguments whole.
          for (const arg of s.stmt.args) value(arg);
          return;
        }
        this.call(scope, callee, s.stmt.args, s.stmt.result);
        return;
      }
      case 'IsDefinedStmt':
      case 'IsUndefinedStmt':
        for (const path of this.pathsOf(scope, s.stmt.source)) this.readPresence(path);
        return;
      case 'ReturnLocalStmt':
        // The function's return local is read by its callers (see call()).
        return;
      case 'BlockStmt':
        for (const b of s.stmt.blocks) this.block(scope, b);
        return;
      case 'NotStmt':
        this.block(scope, s.stmt.block);
        return;
      case 'ScanStmt':
        // Iterating yields every member (and which members exist): the value is read whole.
        local(s.stmt.source);
        this.block(scope, s.stmt.block);
        return;
      case 'WithStmt':
        // Replacing part of input (or data) with a value copies that value somewhere the policy can
        // read in any way; the rest of the replaced document is still tracked through its local.
        value(s.stmt.value);
        this.block(scope, s.stmt.block);
        return;
      case 'ArrayAppendStmt':
        value(s.stmt.value);
        return;
      case 'EqualStmt':
      case 'NotEqualStmt':
        value(s.stmt.a);
        value(s.stmt.b);
        return;
      case 'IsArrayStmt':
      case 'IsObjectStmt':
      case 'IsSetStmt':
      case 'LenStmt':
        value(s.stmt.source);
        return;
      case 'ObjectInsertOnceStmt':
      case 'ObjectInsertStmt':
        value(s.stmt.key);
        value(s.stmt.value);
        return;
      case 'ObjectMergeStmt':
        local(s.stmt.a);
        local(s.stmt.b);
        return;
      case 'ResultSetAddStmt':
        local(s.stmt.value);
        return;
      case 'SetAddStmt':
        value(s.stmt.value);
        return;
      case 'CallDynamicStmt':
        for (const arg of s.stmt.args) local(arg);
        for (const part of s.stmt.path) value(part);
        return;
      case 'AssignIntStmt':
      case 'BreakStmt':
      case 'MakeArrayStmt':
      case 'MakeNullStmt':
      case 'MakeNumberIntStmt':
      case 'MakeNumberRefStmt':
      case 'MakeObjectStmt':
      case 'MakeSetStmt':
      case 'NopStmt':
      case 'ResetLocalStmt':
        return;
      default:
        assertNever(s, 'IR statement');
    }
  }

  /** Arguments alias the callee's parameters; the callee's return local aliases the result. */
  private call(scope: Scope, callee: Func, args: readonly Operand[], result: Local): void {
    let callers = this.callers.get(callee);
    if (callers === undefined) {
      callers = new Set();
      this.callers.set(callee, callers);
    }
    callers.add(scope);
    let calleeChanged = false;
    args.forEach((arg, i) => {
      const param = callee.params[i];
      const paths = this.operandPaths(scope, arg);
      // An argument without a parameter cannot be read by the callee, but stay conservative.
      if (param === undefined) this.readValue(paths);
      else for (const path of paths) calleeChanged = this.addAlias(callee, param, path) || calleeChanged;
    });
    if (calleeChanged) this.enqueue(callee);
    this.flow(scope, this.pathsOf(callee, callee.return), result);
  }
}

function countOnceTargets(block: Block, inLoop: boolean, counts: Map<Local, number>): void {
  for (const s of block.stmts) {
    if (s.type === 'AssignVarOnceStmt') counts.set(s.stmt.target, (counts.get(s.stmt.target) ?? 0) + (inLoop ? 2 : 1));
    for (const b of childBlocks(s)) countOnceTargets(b, inLoop || s.type === 'ScanStmt', counts);
  }
}

export function analyzeInputUse(policy: Policy): InputUse {
  const analysis = new Analysis(policy);
  analysis.run();
  const nondeterministic = new Set(policy.static.builtin_funcs.map((b) => b.name).filter((n) => NONDETERMINISTIC_BUILTINS.has(n)));
  return { values: sorted(analysis.values), presence: sorted(analysis.presence), nondeterministic: [...nondeterministic].sort() };
}

function sorted(paths: ReadonlyMap<string, readonly string[]>): (readonly string[])[] {
  return [...paths.keys()].sort().map((key) => paths.get(key) ?? []);
}

function isPathList(value: unknown): value is string[][] {
  return Array.isArray(value) && value.every((p) => Array.isArray(p) && p.length <= MAX_DEPTH && p.every((k) => typeof k === 'string'));
}

/** Reads the custom section back; null when it is not exactly what analyzeInputUse writes. */
export function parseInputUse(payload: Uint8Array): InputUse | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;
  const { values, presence, nondeterministic } = parsed;
  if (!isPathList(values) || !isPathList(presence)) return null;
  if (!Array.isArray(nondeterministic) || !nondeterministic.every((n) => typeof n === 'string')) return null;
  return { values, presence, nondeterministic };
}
