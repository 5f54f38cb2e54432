// OPA IR (plans and functions) → encoded Wasm function bodies that call the module runtime.
// Label structure follows OPA's own Wasm compiler so that IR written by `opa build -t plan` keeps
// its meaning: every IR block is one Wasm label, a ScanStmt is `block { loop { … } }` with the body
// inline (so `BreakStmt{0}` in a scan body moves on to the next element), and statements that can
// be undefined end with `br_if 0`.
import type { Diagnostic } from '../diagnostics.js';
import { childBlocks, type Block, type Func, type Location, type Operand, type Plan, type Policy, type Stmt } from '../ir.js';
import { FunctionBuilder, Op } from './function-builder.js';
import { type PolicyLayout, STRING_SLOT_SIZE } from './policy-layout.js';
import { assertNever } from '../../shared/assert-never.js';

export interface IndexedFunc {
  readonly index: number;
  readonly params: number;
}

export interface CodegenEnv {
  readonly policy: Policy;
  readonly layout: PolicyLayout;
  /** Index of a runtime export the linker has already checked exists with the right type. */
  readonly rt: (name: RuntimeName) => number;
  /** A native built-in, `opa_bi_<name>`, when the runtime has it. */
  readonly nativeBuiltin: (name: string) => IndexedFunc | undefined;
  /** Built-ins called through `opa_builtinN`, by name → id listed in `builtins()`. */
  readonly hostBuiltinIds: ReadonlyMap<string, number>;
  readonly builtinImports: readonly number[];
  readonly abortImport: number;
  readonly globals: { readonly memoGen: number; readonly genCounter: number };
  readonly dispatchFunc: number;
  readonly planFuncs: readonly number[];
  readonly funcs: ReadonlyMap<string, IndexedFunc & { readonly memoSlot: number | undefined }>;
  /** Rules reachable by `CallDynamicStmt`, with their data paths (`["g0", "pkg", "rule"]`). */
  readonly dynamicTargets: readonly (IndexedFunc & { readonly path: readonly string[] })[];
  /** Index in the layout's string table of a constant the linker added (function path segments). */
  readonly extraString: (text: string) => number | undefined;
  /** Number and boolean constants created once at instantiation, in slot order (see `scalarConstants`). */
  readonly scalars: ScalarConstants;
}

export type ScalarConstant =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ref'; readonly index: number }
  | { readonly kind: 'bool'; readonly value: boolean };

/** Distinct number and boolean constants of a policy, each with its slot. */
export class ScalarConstants {
  readonly list: ScalarConstant[] = [];
  readonly #slots = new Map<string, number>();

  add(c: ScalarConstant): void {
    const key = constantKey(c);
    if (!this.#slots.has(key)) this.#slots.set(key, this.list.push(c) - 1);
  }

  slot(c: ScalarConstant): number | undefined {
    return this.#slots.get(constantKey(c));
  }
}

function constantKey(c: ScalarConstant): string {
  switch (c.kind) {
    case 'int': return `i${c.value}`;
    case 'ref': return `r${c.index}`;
    case 'bool': return `b${c.value ? 1 : 0}`;
    default: return assertNever(c);
  }
}

/** Collects the scalar constants of every plan and function (valid string indices only). */
export function scalarConstants(policy: Policy): ScalarConstants {
  const out = new ScalarConstants();
  // Booleans are shared values in the runtime already; a slot saves the call per use.
  out.add({ kind: 'bool', value: false });
  out.add({ kind: 'bool', value: true });
  const visit = (stmts: readonly Stmt[]): void => {
    for (const s of stmts) {
      switch (s.type) {
        case 'MakeNumberIntStmt': case 'AssignIntStmt': out.add({ kind: 'int', value: s.stmt.value }); break;
        case 'MakeNumberRefStmt':
          if (s.stmt.Index < policy.static.strings.length) out.add({ kind: 'ref', index: s.stmt.Index });
          break;
        default: for (const b of childBlocks(s)) visit(b.stmts); break;
      }
    }
  };
  for (const p of [...policy.plans.plans, ...policy.funcs.funcs]) for (const b of p.blocks) visit(b.stmts);
  return out;
}

export const RUNTIME_FUNCTIONS = {
  nmp_null: [[], 1],
  nmp_bool: [['i32'], 1],
  nmp_int: [['i64'], 1],
  nmp_number_ref: [['i32', 'i32'], 1],
  nmp_string_ref: [['i32', 'i32'], 1],
  nmp_array: [['i32'], 1],
  nmp_array_append: [['i32', 'i32'], 0],
  nmp_object: [[], 1],
  nmp_object_insert: [['i32', 'i32', 'i32'], 0],
  nmp_object_insert_once: [['i32', 'i32', 'i32'], 1],
  nmp_set: [[], 1],
  nmp_set_add: [['i32', 'i32'], 0],
  nmp_type: [['i32'], 1],
  nmp_get: [['i32', 'i32'], 1],
  nmp_len: [['i32'], 1],
  nmp_scan_key: [['i32', 'i32'], 1],
  nmp_scan_value: [['i32', 'i32'], 1],
  nmp_equal: [['i32', 'i32'], 1],
  nmp_merge: [['i32', 'i32'], 1],
  nmp_upsert: [['i32', 'i32', 'i32'], 1],
  nmp_eval_begin: [['i32', 'i32', 'i32'], 1],
  nmp_eval_end: [['i32'], 1],
  nmp_ctx_entrypoint: [['i32'], 1],
  nmp_ctx_input: [['i32'], 1],
  nmp_ctx_data: [['i32'], 1],
  nmp_ctx_set_result: [['i32', 'i32'], 0],
  nmp_abort_conflict: [['i32'], 0],
} as const satisfies Record<string, readonly [readonly ('i32' | 'i64')[], 0 | 1]>;

export type RuntimeName = keyof typeof RUNTIME_FUNCTIONS;

const MAX_CAPACITY_HINT = 4096;
const TYPE_ARRAY = 5;
const TYPE_OBJECT = 6;
const TYPE_SET = 7;
const CONFLICT_VAR = 0;
const CONFLICT_OBJECT = 1;

export const BackendCodes = {
  badBreak: 'wasm_invalid_break',
  badString: 'wasm_invalid_string_index',
  unknownFunction: 'wasm_unknown_function',
  unsupportedBuiltin: 'wasm_unsupported_builtin',
  builtinArity: 'wasm_builtin_arity',
  misplacedStmt: 'wasm_misplaced_statement',
  badFunc: 'wasm_invalid_function',
  runtime: 'wasm_runtime_incompatible',
} as const;

class FunctionCompiler {
  readonly b: FunctionBuilder;
  readonly #locals = new Map<number, number>();
  readonly #params: ReadonlySet<number>;
  /** The Wasm local holding a plan's result set; undefined in IR functions. */
  readonly resultSet: number | undefined;

  constructor(
    readonly env: CodegenEnv,
    readonly diagnostics: Diagnostic[],
    params: readonly number[],
    isPlan: boolean,
    withCount: number,
    /** Locals mentioned only once (by the scan that sets them) need not be set at all. */
    readonly mentions: ReadonlyMap<number, number> = new Map(),
  ) {
    this.b = new FunctionBuilder(params.length, withCount);
    this.#params = new Set(params);
    params.forEach((p, i) => {
      if (!this.#locals.has(p)) this.#locals.set(p, i);
    });
    this.resultSet = isPlan ? this.b.newLocal() : undefined;
  }

  isParam(l: number): boolean {
    return this.#params.has(l);
  }

  local(l: number): number {
    let idx = this.#locals.get(l);
    if (idx === undefined) {
      idx = this.b.newLocal();
      this.#locals.set(l, idx);
    }
    return idx;
  }

  diag(code: string, message: string, loc: Location): void {
    const file = this.env.policy.static.files[loc.file]?.value ?? '<plan>';
    this.diagnostics.push({ code, message, file, line: loc.row, col: loc.col });
  }

  stringOperand(index: number, loc: Location): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.env.policy.static.strings.length) {
      this.diag(BackendCodes.badString, `string index ${index} is not in the plan's string table`, loc);
      this.b.i32(0);
      return;
    }
    this.loadString(index);
  }

  /** The value of static string `index`: created at instantiation, so a load, no call. */
  loadString(index: number): void {
    this.b.i32(this.env.layout.stringSlots + STRING_SLOT_SIZE * index).load32();
  }

  /** A number or boolean constant: created at instantiation like the strings (values are never mutated). */
  loadScalar(c: ScalarConstant): void {
    const slot = this.env.scalars.slot(c);
    if (slot === undefined) throw new Error('scalar constant missing from the layout');
    this.b.i32(this.env.layout.scalarSlots + STRING_SLOT_SIZE * slot).load32();
  }

  operand(op: Operand, loc: Location): void {
    switch (op.type) {
      case 'local': this.b.get(this.local(op.value)); break;
      case 'bool': this.loadScalar({ kind: 'bool', value: op.value }); break;
      case 'string_index': this.stringOperand(op.value, loc); break;
      default: assertNever(op);
    }
  }

  blocks(blocks: readonly Block[]): void {
    for (const block of blocks) {
      this.b.block();
      this.stmts(block.stmts);
      this.b.end();
    }
  }

  stmts(stmts: readonly Stmt[]): void {
    for (const s of stmts) this.stmt(s);
  }

  stmt(s: Stmt): void {
    const { b, env } = this;
    const rt = env.rt;
    switch (s.type) {
      case 'ArrayAppendStmt':
        b.get(this.local(s.stmt.array));
        this.operand(s.stmt.value, s.stmt);
        b.call(rt('nmp_array_append'));
        break;
      case 'AssignIntStmt':
        this.loadScalar({ kind: 'int', value: s.stmt.value });
        b.set(this.local(s.stmt.target));
        break;
      case 'AssignVarOnceStmt': {
        const t = this.local(s.stmt.target);
        b.block().block();
        b.get(t).op(Op.i32Eqz).brIf(0);
        b.get(t);
        this.operand(s.stmt.source, s.stmt);
        b.call(rt('nmp_equal')).brIf(1);
        b.i32(CONFLICT_VAR).call(rt('nmp_abort_conflict')).op(Op.unreachable);
        b.end();
        this.operand(s.stmt.source, s.stmt);
        b.set(t).end();
        break;
      }
      case 'AssignVarStmt':
        this.operand(s.stmt.source, s.stmt);
        b.set(this.local(s.stmt.target));
        break;
      case 'BlockStmt':
        this.blocks(s.stmt.blocks);
        break;
      case 'BreakStmt':
        if (!Number.isInteger(s.stmt.index) || s.stmt.index < 0 || s.stmt.index >= b.depth) {
          this.diag(BackendCodes.badBreak, `break index ${s.stmt.index} exceeds the ${b.depth} enclosing blocks`, s.stmt);
          break;
        }
        b.br(s.stmt.index);
        break;
      case 'CallDynamicStmt':
        this.callDynamic(s.stmt.args, s.stmt.path, s.stmt.result, s.stmt);
        break;
      case 'CallStmt':
        this.call(s.stmt.func, s.stmt.args, s.stmt.result, s.stmt);
        break;
      case 'DotStmt':
        if (s.stmt.source.type !== 'local') {
          b.br(0);
          break;
        }
        b.get(this.local(s.stmt.source.value));
        this.operand(s.stmt.key, s.stmt);
        b.call(rt('nmp_get')).tee(this.local(s.stmt.target)).op(Op.i32Eqz).brIf(0);
        break;
      case 'EqualStmt':
        if (sameOperand(s.stmt.a, s.stmt.b)) break;
        if (this.#distinctConstants(s.stmt.a, s.stmt.b)) {
          b.br(0);
          break;
        }
        this.operand(s.stmt.a, s.stmt);
        this.operand(s.stmt.b, s.stmt);
        b.call(rt('nmp_equal')).op(Op.i32Eqz).brIf(0);
        break;
      case 'NotEqualStmt':
        if (sameOperand(s.stmt.a, s.stmt.b)) {
          b.br(0);
          break;
        }
        if (this.#distinctConstants(s.stmt.a, s.stmt.b)) break;
        this.operand(s.stmt.a, s.stmt);
        this.operand(s.stmt.b, s.stmt);
        b.call(rt('nmp_equal')).brIf(0);
        break;
      case 'IsArrayStmt':
        this.typeCheck(s.stmt.source, TYPE_ARRAY);
        break;
      case 'IsObjectStmt':
        this.typeCheck(s.stmt.source, TYPE_OBJECT);
        break;
      case 'IsSetStmt':
        this.typeCheck(s.stmt.source, TYPE_SET);
        break;
      case 'IsDefinedStmt':
        b.get(this.local(s.stmt.source)).op(Op.i32Eqz).brIf(0);
        break;
      case 'IsUndefinedStmt':
        b.get(this.local(s.stmt.source)).brIf(0);
        break;
      case 'LenStmt':
        this.operand(s.stmt.source, s.stmt);
        b.call(rt('nmp_len')).op(Op.i64ExtendI32U).call(rt('nmp_int')).set(this.local(s.stmt.target));
        break;
      case 'MakeArrayStmt':
        // Only a size hint: bounded so a hostile plan cannot ask for gigabytes up front.
        b.i32(Math.min(s.stmt.capacity, MAX_CAPACITY_HINT)).call(rt('nmp_array')).set(this.local(s.stmt.target));
        break;
      case 'MakeNullStmt':
        b.call(rt('nmp_null')).set(this.local(s.stmt.target));
        break;
      case 'MakeNumberIntStmt':
        this.loadScalar({ kind: 'int', value: s.stmt.value });
        b.set(this.local(s.stmt.target));
        break;
      case 'MakeNumberRefStmt':
        if (s.stmt.Index >= env.policy.static.strings.length) {
          this.diag(BackendCodes.badString, `string index ${s.stmt.Index} is not in the plan's string table`, s.stmt);
          break;
        }
        this.loadScalar({ kind: 'ref', index: s.stmt.Index });
        b.set(this.local(s.stmt.target));
        break;
      case 'MakeObjectStmt':
        b.call(rt('nmp_object')).set(this.local(s.stmt.target));
        break;
      case 'MakeSetStmt':
        b.call(rt('nmp_set')).set(this.local(s.stmt.target));
        break;
      case 'NopStmt':
        break;
      case 'NotStmt':
        // Reaching the end of the body means the negated expression held: leave the enclosing block.
        b.block();
        this.stmts(s.stmt.block.stmts);
        b.br(1).end();
        break;
      case 'ObjectInsertOnceStmt':
        b.get(this.local(s.stmt.object));
        this.operand(s.stmt.key, s.stmt);
        this.operand(s.stmt.value, s.stmt);
        b.call(rt('nmp_object_insert_once')).if();
        b.i32(CONFLICT_OBJECT).call(rt('nmp_abort_conflict')).op(Op.unreachable);
        b.end();
        break;
      case 'ObjectInsertStmt':
        b.get(this.local(s.stmt.object));
        this.operand(s.stmt.key, s.stmt);
        this.operand(s.stmt.value, s.stmt);
        b.call(rt('nmp_object_insert'));
        break;
      case 'ObjectMergeStmt':
        b.get(this.local(s.stmt.a)).get(this.local(s.stmt.b)).call(rt('nmp_merge')).set(this.local(s.stmt.target));
        break;
      case 'ResetLocalStmt':
        b.i32(0).set(this.local(s.stmt.target));
        break;
      case 'ResultSetAddStmt':
        if (this.resultSet === undefined) {
          this.diag(BackendCodes.misplacedStmt, 'ResultSetAddStmt outside a plan', s.stmt);
          break;
        }
        b.get(this.resultSet).get(this.local(s.stmt.value)).call(rt('nmp_set_add'));
        break;
      case 'ReturnLocalStmt':
        if (this.resultSet !== undefined) {
          this.diag(BackendCodes.misplacedStmt, 'ReturnLocalStmt inside a plan', s.stmt);
          break;
        }
        this.emitReturn(this.local(s.stmt.source));
        break;
      case 'ScanStmt':
        this.scan(s.stmt.source, s.stmt.key, s.stmt.value, s.stmt.block);
        break;
      case 'SetAddStmt':
        b.get(this.local(s.stmt.set));
        this.operand(s.stmt.value, s.stmt);
        b.call(rt('nmp_set_add'));
        break;
      case 'WithStmt':
        this.with(s.stmt.local, s.stmt.path, s.stmt.value, s.stmt.block, s.stmt);
        break;
      default:
        assertNever(s);
    }
  }

  /** Set by the function compiler: how a `ReturnLocalStmt` leaves (memo store + return). */
  emitReturn: (local: number) => void = (local) => {
    this.b.get(local).op(Op.return);
  };

  #distinctConstants(a: Operand, b: Operand): boolean {
    if (a.type === 'bool' && b.type === 'bool') return a.value !== b.value;
    if (a.type === 'string_index' && b.type === 'string_index') {
      const sa = this.env.policy.static.strings[a.value]?.value;
      const sb = this.env.policy.static.strings[b.value]?.value;
      return sa !== undefined && sb !== undefined && sa !== sb;
    }
    return false;
  }

  typeCheck(source: Operand, code: number): void {
    if (source.type !== 'local') {
      this.b.br(0);
      return;
    }
    const l = this.local(source.value);
    // nmp_type is only defined on values; an undefined local fails the check.
    this.b.get(l).op(Op.i32Eqz).brIf(0);
    this.b.get(l).call(this.env.rt('nmp_type')).i32(code).op(Op.i32Ne).brIf(0);
  }

  scan(source: number, key: number, value: number, body: Block): void {
    const { b } = this;
    const rt = this.env.rt;
    const src = this.local(source);
    const idx = this.b.newLocal();
    const len = this.b.newLocal();
    b.block();
    // Only collections are scanned; a string's byte length must not turn into iterations.
    b.get(src).op(Op.i32Eqz).brIf(0);
    b.get(src).call(rt('nmp_type')).i32(TYPE_ARRAY).op(Op.i32LtU).brIf(0);
    b.get(src).call(rt('nmp_len')).set(len);
    b.i32(0).set(idx);
    b.loop();
    b.get(idx).get(len).op(Op.i32GeU).brIf(1);
    // A key or value nothing else mentions is not fetched: for arrays a key is a new number each time.
    if ((this.mentions.get(key) ?? 0) > 1 || this.isParam(key)) b.get(src).get(idx).call(rt('nmp_scan_key')).set(this.local(key));
    if ((this.mentions.get(value) ?? 0) > 1 || this.isParam(value)) b.get(src).get(idx).call(rt('nmp_scan_value')).set(this.local(value));
    b.get(idx).i32(1).op(Op.i32Add).set(idx);
    this.stmts(body.stmts);
    b.br(0);
    b.end();
    b.end();
  }

  with(local: number, path: readonly number[], value: Operand, body: Block, loc: Location): void {
    const { b, env } = this;
    const rt = env.rt;
    const target = this.local(local);
    const saved = b.newLocal();
    const savedGen = b.newI64Local();
    const undefinedFlag = b.newLocal();
    b.get(target).set(saved);
    // Memoised rule values computed under a different input/data must not leak in or out.
    b.globalGet(env.globals.memoGen).set(savedGen);
    b.globalGet(env.globals.genCounter).i64(1n).op(Op.i64Add).globalSet(env.globals.genCounter);
    b.globalGet(env.globals.genCounter).globalSet(env.globals.memoGen);
    if (path.length === 0) {
      this.operand(value, loc);
      b.set(target);
    } else {
      const arr = b.newLocal();
      b.i32(path.length).call(rt('nmp_array')).set(arr);
      for (const p of path) {
        b.get(arr);
        this.stringOperand(p, loc);
        b.call(rt('nmp_array_append'));
      }
      b.get(target).get(arr);
      this.operand(value, loc);
      b.call(rt('nmp_upsert')).set(target);
    }
    b.i32(1).set(undefinedFlag);
    b.block();
    this.stmts(body.stmts);
    b.i32(0).set(undefinedFlag);
    b.end();
    b.get(saved).set(target);
    b.get(savedGen).globalSet(env.globals.memoGen);
    b.get(undefinedFlag).brIf(0);
  }

  /**
   * Calls the rule whose data path matches `path` (constants resolved now, variables compared at
   * run time). As in OPA's compiler: no matching rule → `br 0` (the planner then builds the value
   * from base data instead); a matching rule that is undefined → `br 2`.
   */
  callDynamic(args: readonly number[], path: readonly Operand[], result: number, loc: Location): void {
    const { b, env } = this;
    if (b.depth < 3) {
      this.diag(BackendCodes.badBreak, 'CallDynamicStmt needs three enclosing blocks', loc);
      return;
    }
    const target = this.local(result);
    const strings = env.policy.static.strings;
    b.block(); // found
    for (const f of env.dynamicTargets) {
      if (f.path.length !== path.length || f.params !== args.length) continue;
      const dynamic: [number, number][] = [];
      let possible = true;
      path.forEach((op, i) => {
        const want = f.path[i] as string;
        if (op.type === 'string_index') possible &&= strings[op.value]?.value === want;
        else if (op.type === 'bool') possible = false;
        else {
          const idx = env.extraString(want);
          if (idx === undefined) possible = false;
          else dynamic.push([this.local(op.value), idx]);
        }
      });
      if (!possible) continue;
      b.block();
      for (const [local, idx] of dynamic) {
        b.get(local);
        this.loadString(idx);
        b.call(env.rt('nmp_equal')).op(Op.i32Eqz).brIf(0);
      }
      for (const a of args) b.get(this.local(a));
      b.call(f.index).set(target).br(1);
      b.end();
    }
    b.br(1); // no rule has this path
    b.end();
    b.get(target).op(Op.i32Eqz).brIf(2);
  }

  call(func: string, args: readonly Operand[], result: number, loc: Location): void {
    const { b, env } = this;
    const target = env.funcs.get(func);
    if (target !== undefined) {
      if (target.params !== args.length) {
        this.diag(BackendCodes.badFunc, `${func} takes ${target.params} arguments, called with ${args.length}`, loc);
        return;
      }
      for (const a of args) this.operand(a, loc);
      b.call(target.index);
    } else {
      const native = env.nativeBuiltin(func);
      const hostId = env.hostBuiltinIds.get(func);
      if (native !== undefined) {
        if (native.params !== args.length) {
          this.diag(BackendCodes.builtinArity, `built-in ${func} takes ${native.params} arguments, called with ${args.length}`, loc);
          return;
        }
        for (const a of args) this.operand(a, loc);
        b.call(native.index);
      } else if (hostId !== undefined) {
        const dispatcher = env.builtinImports[args.length];
        if (dispatcher === undefined) {
          this.diag(BackendCodes.builtinArity, `built-in ${func} is called with ${args.length} arguments; host built-ins take at most 4`, loc);
          return;
        }
        b.i32(hostId).i32(0);
        for (const a of args) this.operand(a, loc);
        b.call(dispatcher);
      } else if (env.policy.static.builtin_funcs.some((f) => f.name === func)) {
        this.diag(BackendCodes.unsupportedBuiltin, `built-in ${func} is not supported by the Wasm target`, loc);
        return;
      } else {
        this.diag(BackendCodes.unknownFunction, `call to unknown function ${func}`, loc);
        return;
      }
    }
    b.tee(this.local(result)).op(Op.i32Eqz).brIf(0);
  }
}

function sameOperand(a: Operand, b: Operand): boolean {
  return a.type === b.type && a.value === b.value;
}

/** How often each local is mentioned in `blocks`, counting a scan's own key and value fields. */
export function localMentions(blocks: readonly Block[]): Map<number, number> {
  const counts = new Map<number, number>();
  const mention = (l: number): void => {
    counts.set(l, (counts.get(l) ?? 0) + 1);
  };
  const op = (o: Operand): void => {
    if (o.type === 'local') mention(o.value);
  };
  const visit = (stmts: readonly Stmt[]): void => {
    for (const s of stmts) {
      switch (s.type) {
        case 'ArrayAppendStmt': mention(s.stmt.array); op(s.stmt.value); break;
        case 'AssignIntStmt': mention(s.stmt.target); break;
        case 'AssignVarOnceStmt': case 'AssignVarStmt': op(s.stmt.source); mention(s.stmt.target); break;
        case 'BlockStmt': for (const b of s.stmt.blocks) visit(b.stmts); break;
        case 'BreakStmt': case 'NopStmt': break;
        case 'CallDynamicStmt': s.stmt.args.forEach(mention); s.stmt.path.forEach(op); mention(s.stmt.result); break;
        case 'CallStmt': s.stmt.args.forEach(op); mention(s.stmt.result); break;
        case 'DotStmt': op(s.stmt.source); op(s.stmt.key); mention(s.stmt.target); break;
        case 'EqualStmt': case 'NotEqualStmt': op(s.stmt.a); op(s.stmt.b); break;
        case 'IsArrayStmt': case 'IsObjectStmt': case 'IsSetStmt': op(s.stmt.source); break;
        case 'IsDefinedStmt': case 'IsUndefinedStmt': mention(s.stmt.source); break;
        case 'LenStmt': op(s.stmt.source); mention(s.stmt.target); break;
        case 'MakeArrayStmt': case 'MakeNullStmt': case 'MakeNumberIntStmt': case 'MakeNumberRefStmt':
        case 'MakeObjectStmt': case 'MakeSetStmt': case 'ResetLocalStmt':
          mention(s.stmt.target);
          break;
        case 'NotStmt': visit(s.stmt.block.stmts); break;
        case 'ObjectInsertOnceStmt': case 'ObjectInsertStmt': op(s.stmt.key); op(s.stmt.value); mention(s.stmt.object); break;
        case 'ObjectMergeStmt': mention(s.stmt.a); mention(s.stmt.b); mention(s.stmt.target); break;
        case 'ResultSetAddStmt': mention(s.stmt.value); break;
        case 'ReturnLocalStmt': mention(s.stmt.source); break;
        case 'ScanStmt': mention(s.stmt.source); mention(s.stmt.key); mention(s.stmt.value); visit(s.stmt.block.stmts); break;
        case 'SetAddStmt': mention(s.stmt.set); op(s.stmt.value); break;
        case 'WithStmt': mention(s.stmt.local); op(s.stmt.value); visit(s.stmt.block.stmts); break;
        default: assertNever(s);
      }
    }
  };
  for (const b of blocks) visit(b.stmts);
  return counts;
}

function countWith(blocks: readonly Block[]): number {
  let n = 0;
  const visit = (stmts: readonly Stmt[]): void => {
    for (const s of stmts) {
      if (s.type === 'WithStmt') n++;
      for (const b of childBlocks(s)) visit(b.stmts);
    }
  };
  for (const b of blocks) visit(b.stmts);
  return n;
}

/** A plan → `(input, data) -> result_set`. */
export function compilePlanFunction(env: CodegenEnv, plan: Plan, diagnostics: Diagnostic[]): Uint8Array {
  const compiler = new FunctionCompiler(env, diagnostics, [0, 1], true, countWith(plan.blocks), localMentions(plan.blocks));
  const rs = compiler.resultSet as number;
  compiler.b.call(env.rt('nmp_set')).set(rs);
  compiler.blocks(plan.blocks);
  compiler.b.get(rs);
  return compiler.b.finish();
}

/** An IR function → `(params...) -> value`; rules without arguments are memoised per evaluation. */
export function compileFuncFunction(
  env: CodegenEnv,
  fn: Func,
  memoSlot: number | undefined,
  diagnostics: Diagnostic[],
): Uint8Array {
  const mentions = localMentions(fn.blocks);
  // The return local is read after the blocks even when no statement names it again.
  mentions.set(fn.return, (mentions.get(fn.return) ?? 0) + 2);
  const c = new FunctionCompiler(env, diagnostics, fn.params, false, countWith(fn.blocks), mentions);
  const { b } = c;
  const ret = c.local(fn.return);
  if (memoSlot !== undefined) {
    // A hit needs the current generation and the very input and data values: the planner may call
    // a rule with the saved, unmodified input inside a `with` block.
    b.i32(memoSlot).load64().globalGet(env.globals.memoGen).op(Op.i64Eq).if();
    b.i32(memoSlot).load32(8).get(0).op(Op.i32Eq).if();
    b.i32(memoSlot).load32(12).get(1).op(Op.i32Eq).if();
    b.i32(memoSlot).load32(16).op(Op.return);
    b.end().end().end();
    // Undefined (0) is cached too: rules that usually fail (`not is_admin`) are asked repeatedly.
    c.emitReturn = (local) => {
      b.i32(memoSlot).globalGet(env.globals.memoGen).store64();
      b.i32(memoSlot).get(0).store32(8);
      b.i32(memoSlot).get(1).store32(12);
      b.i32(memoSlot).get(local).store32(16);
      b.get(local).op(Op.return);
    };
  }
  c.blocks(fn.blocks);
  c.emitReturn(ret);
  return b.finish();
}

/**
 * `$init`, the module's start function: runs the runtime's own start function, then creates every
 * static string, number and boolean constant once. They are allocated before the SDK first reads the heap pointer, so
 * they lie below all data and evaluations and stay valid for the life of the instance.
 */
export function compileInitFunction(env: CodegenEnv, runtimeStart: number | undefined): Uint8Array {
  const b = new FunctionBuilder(0);
  if (runtimeStart !== undefined) b.call(runtimeStart);
  env.layout.strings.forEach((ref, i) => {
    b.i32(env.layout.stringSlots + STRING_SLOT_SIZE * i).i32(ref.ptr).i32(ref.len).call(env.rt('nmp_string_ref')).store32();
  });
  env.scalars.list.forEach((c, i) => {
    b.i32(env.layout.scalarSlots + STRING_SLOT_SIZE * i);
    switch (c.kind) {
      case 'int': b.i64(BigInt(c.value)).call(env.rt('nmp_int')); break;
      case 'bool': b.i32(c.value ? 1 : 0).call(env.rt('nmp_bool')); break;
      case 'ref': {
        const ref = env.layout.strings[c.index] as { ptr: number; len: number };
        b.i32(ref.ptr).i32(ref.len).call(env.rt('nmp_number_ref'));
        break;
      }
      default: assertNever(c);
    }
    b.store32();
  });
  return b.finish();
}

/** Starts a new evaluation generation: memo entries of earlier calls become stale. */
function bumpGenerations(b: FunctionBuilder, env: CodegenEnv): void {
  const g = env.globals;
  b.globalGet(g.genCounter).i64(1n).op(Op.i64Add).globalSet(g.genCounter);
  b.globalGet(g.genCounter).globalSet(g.memoGen);
}

/** `$dispatch(entrypoint, input, data) -> result_set`; an unknown id aborts. */
export function compileDispatchFunction(env: CodegenEnv): Uint8Array {
  const b = new FunctionBuilder(3);
  const n = env.planFuncs.length;
  for (let i = 0; i <= n; i++) b.block();
  b.get(0).brTable(Array.from({ length: n }, (_, i) => i), n);
  for (let i = 0; i < n; i++) {
    b.end();
    b.get(1).get(2).call(env.planFuncs[i] as number).op(Op.return);
  }
  b.end();
  b.i32(env.layout.badEntrypointMessage).call(env.abortImport).op(Op.unreachable);
  return b.finish();
}

/** `opa_eval(reserved, entrypoint, data, input_addr, input_len, heap_ptr, format) -> cstr`. */
export function compileOpaEvalFunction(env: CodegenEnv): Uint8Array {
  const b = new FunctionBuilder(7);
  const input = b.newLocal();
  b.get(5).get(3).get(4).call(env.rt('nmp_eval_begin')).set(input);
  bumpGenerations(b, env);
  b.get(1).get(input).get(2).call(env.dispatchFunc);
  b.call(env.rt('nmp_eval_end'));
  return b.finish();
}

/** `eval(ctx) -> 0`, the context-based ABI path. */
export function compileCtxEvalFunction(env: CodegenEnv): Uint8Array {
  const b = new FunctionBuilder(1);
  bumpGenerations(b, env);
  b.get(0);
  b.get(0).call(env.rt('nmp_ctx_entrypoint'));
  b.get(0).call(env.rt('nmp_ctx_input'));
  b.get(0).call(env.rt('nmp_ctx_data'));
  b.call(env.dispatchFunc);
  b.call(env.rt('nmp_ctx_set_result'));
  b.i32(0);
  return b.finish();
}

/** `entrypoints()` / `builtins()`: an object mapping names to ids. */
export function compileNameTableFunction(
  env: CodegenEnv,
  entries: readonly { readonly ptr: number; readonly len: number; readonly id: number }[],
): Uint8Array {
  const b = new FunctionBuilder(0);
  const obj = b.newLocal();
  b.call(env.rt('nmp_object')).set(obj);
  for (const e of entries) {
    b.get(obj).i32(e.ptr).i32(e.len).call(env.rt('nmp_string_ref'));
    b.i64(BigInt(e.id)).call(env.rt('nmp_int'));
    b.call(env.rt('nmp_object_insert'));
  }
  b.get(obj);
  return b.finish();
}


