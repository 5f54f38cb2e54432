// Untrusted plan.json text (ours or `opa build -t plan`'s) → a validated IR `Policy`, or every
// problem found, each with the JSON path where it is (following OPA's published IR schema).
import type { Block, Func, Operand, Plan, Policy, Stmt, StmtType } from './ir.js';
import { assertNever } from '../shared/assert-never.js';
import { isRecord } from '../shared/is-record.js';

export interface PlanJsonError {
  readonly code: 'plan_invalid_json' | 'plan_invalid';
  /** Dotted path into the document (`plans.plans[0].blocks[2].stmts[1].stmt.target`). */
  readonly path: string;
  readonly message: string;
}

export type ParsePlanResult =
  | { readonly ok: true; readonly policy: Policy }
  | { readonly ok: false; readonly errors: readonly PlanJsonError[] };

type FieldKind = 'local' | 'int' | 'uint' | 'bool' | 'string' | 'operand' | 'block' | 'blocks' | 'locals' | 'uints' | 'operands';

/** Field kinds of every statement, keyed like plan.json's `type`; location fields are added to all. */
const STMT_FIELDS: { readonly [K in StmtType]: Readonly<Record<string, FieldKind>> } = {
  ArrayAppendStmt: { array: 'local', value: 'operand' },
  AssignIntStmt: { value: 'int', target: 'local' },
  AssignVarOnceStmt: { source: 'operand', target: 'local' },
  AssignVarStmt: { source: 'operand', target: 'local' },
  BlockStmt: { blocks: 'blocks' },
  BreakStmt: { index: 'uint' },
  CallDynamicStmt: { args: 'locals', path: 'operands', result: 'local' },
  CallStmt: { func: 'string', args: 'operands', result: 'local' },
  DotStmt: { source: 'operand', key: 'operand', target: 'local' },
  EqualStmt: { a: 'operand', b: 'operand' },
  IsArrayStmt: { source: 'operand' },
  IsDefinedStmt: { source: 'local' },
  IsObjectStmt: { source: 'operand' },
  IsSetStmt: { source: 'operand' },
  IsUndefinedStmt: { source: 'local' },
  LenStmt: { source: 'operand', target: 'local' },
  MakeArrayStmt: { capacity: 'uint', target: 'local' },
  MakeNullStmt: { target: 'local' },
  MakeNumberIntStmt: { value: 'int', target: 'local' },
  MakeNumberRefStmt: { Index: 'uint', target: 'local' },
  MakeObjectStmt: { target: 'local' },
  MakeSetStmt: { target: 'local' },
  NopStmt: {},
  NotEqualStmt: { a: 'operand', b: 'operand' },
  NotStmt: { block: 'block' },
  ObjectInsertOnceStmt: { key: 'operand', value: 'operand', object: 'local' },
  ObjectInsertStmt: { key: 'operand', value: 'operand', object: 'local' },
  ObjectMergeStmt: { a: 'local', b: 'local', target: 'local' },
  ResetLocalStmt: { target: 'local' },
  ResultSetAddStmt: { value: 'local' },
  ReturnLocalStmt: { source: 'local' },
  ScanStmt: { source: 'local', key: 'local', value: 'local', block: 'block' },
  SetAddStmt: { set: 'local', value: 'operand' },
  WithStmt: { local: 'local', path: 'uints', value: 'operand', block: 'block' },
};

const LOCATION_FIELDS = ['file', 'row', 'col'] as const;
/** Deeper nesting than any real policy; bounds recursion on hostile input. */
const MAX_BLOCK_DEPTH = 512;
const MAX_ERRORS = 100;


function isStmtType(x: string): x is StmtType {
  return Object.prototype.hasOwnProperty.call(STMT_FIELDS, x);
}

class PlanReader {
  readonly errors: PlanJsonError[] = [];

  fail(path: string, message: string): undefined {
    if (this.errors.length < MAX_ERRORS) this.errors.push({ code: 'plan_invalid', path, message });
    return undefined;
  }

  object(x: unknown, path: string, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (!isRecord(x)) return this.fail(path, 'must be an object');
    for (const k of Object.keys(x)) if (!allowed.includes(k)) this.fail(join(path, k), 'unknown field');
    return x;
  }

  array(x: unknown, path: string): readonly unknown[] | undefined {
    if (!Array.isArray(x)) return this.fail(path, 'must be an array');
    return x;
  }

  /** OPA omits empty lists (`omitempty`) and writes `null` for nil slices. */
  optionalArray(x: unknown, path: string): readonly unknown[] | undefined {
    if (x === undefined || x === null) return [];
    return this.array(x, path);
  }

  int(x: unknown, path: string, min: number): number | undefined {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min) {
      return this.fail(path, min >= 0 ? 'must be a non-negative integer' : 'must be an integer');
    }
    return x;
  }

  string(x: unknown, path: string): string | undefined {
    if (typeof x !== 'string') return this.fail(path, 'must be a string');
    return x;
  }

  stringConsts(x: unknown, path: string): { value: string }[] {
    const out: { value: string }[] = [];
    (this.optionalArray(x, path) ?? []).forEach((item, i) => {
      const p = `${path}[${i}]`;
      const o = this.object(item, p, ['value']);
      const value = o === undefined ? undefined : this.string(o['value'], join(p, 'value'));
      out.push({ value: value ?? '' });
    });
    return out;
  }

  operand(x: unknown, path: string): Operand | undefined {
    const o = this.object(x, path, ['type', 'value']);
    if (o === undefined) return undefined;
    const v = o['value'];
    switch (o['type']) {
      case 'local': {
        const n = this.int(v, join(path, 'value'), 0);
        return n === undefined ? undefined : { type: 'local', value: n };
      }
      case 'string_index': {
        const n = this.int(v, join(path, 'value'), 0);
        return n === undefined ? undefined : { type: 'string_index', value: n };
      }
      case 'bool':
        if (typeof v !== 'boolean') return this.fail(join(path, 'value'), 'must be a boolean');
        return { type: 'bool', value: v };
      default:
        return this.fail(join(path, 'type'), 'must be "local", "string_index" or "bool"');
    }
  }

  block(x: unknown, path: string, depth: number): Block | undefined {
    if (depth > MAX_BLOCK_DEPTH) return this.fail(path, `blocks nest deeper than ${MAX_BLOCK_DEPTH}`);
    const o = this.object(x, path, ['stmts']);
    if (o === undefined) return undefined;
    const stmts: Stmt[] = [];
    (this.optionalArray(o['stmts'], join(path, 'stmts')) ?? []).forEach((s, i) => {
      const stmt = this.stmt(s, `${path}.stmts[${i}]`, depth);
      if (stmt !== undefined) stmts.push(stmt);
    });
    return { stmts };
  }

  blocks(x: unknown, path: string, depth: number): Block[] {
    const out: Block[] = [];
    (this.optionalArray(x, path) ?? []).forEach((b, i) => {
      const block = this.block(b, `${path}[${i}]`, depth + 1);
      if (block !== undefined) out.push(block);
    });
    return out;
  }

  stmt(x: unknown, path: string, depth: number): Stmt | undefined {
    const o = this.object(x, path, ['type', 'stmt']);
    if (o === undefined) return undefined;
    const type = o['type'];
    if (typeof type !== 'string' || !isStmtType(type)) return this.fail(join(path, 'type'), 'must be a statement type of OPA\'s IR');
    const fields = STMT_FIELDS[type];
    const sp = join(path, 'stmt');
    const raw = this.object(o['stmt'], sp, [...Object.keys(fields), ...LOCATION_FIELDS]);
    if (raw === undefined) return undefined;
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const loc of LOCATION_FIELDS) {
      // OPA always writes positions; plans from other tools may not, and they only feed messages.
      out[loc] = raw[loc] === undefined ? 0 : this.int(raw[loc], join(sp, loc), 0);
      if (out[loc] === undefined) ok = false;
    }
    for (const [name, kind] of Object.entries(fields)) {
      const value = this.field(raw[name], join(sp, name), kind, depth);
      if (value === undefined) ok = false;
      out[name] = value;
    }
    // The object now matches StmtFields[type] field by field; TypeScript cannot see it through the table.
    return ok ? ({ type, stmt: out } as unknown as Stmt) : undefined;
  }

  field(x: unknown, path: string, kind: FieldKind, depth: number): unknown {
    switch (kind) {
      case 'local': case 'uint': return this.int(x, path, 0);
      case 'int': return this.int(x, path, Number.MIN_SAFE_INTEGER);
      case 'bool': return typeof x === 'boolean' ? x : this.fail(path, 'must be a boolean');
      case 'string': return this.string(x, path);
      case 'operand': return this.operand(x, path);
      case 'block': return this.block(x, path, depth + 1);
      case 'blocks': {
        const arr = this.optionalArray(x, path);
        return arr === undefined ? undefined : this.blocks(arr, path, depth);
      }
      case 'locals': case 'uints': {
        const arr = this.optionalArray(x, path);
        if (arr === undefined) return undefined;
        const nums = arr.map((n, i) => this.int(n, `${path}[${i}]`, 0));
        return nums.every((n) => n !== undefined) ? nums : undefined;
      }
      case 'operands': {
        const arr = this.optionalArray(x, path);
        if (arr === undefined) return undefined;
        const ops = arr.map((n, i) => this.operand(n, `${path}[${i}]`));
        return ops.every((n) => n !== undefined) ? ops : undefined;
      }
      default: return assertNever(kind);
    }
  }

  policy(x: unknown): Policy | undefined {
    const root = this.object(x, '', ['static', 'plans', 'funcs']);
    if (root === undefined) return undefined;
    const st = this.object(root['static'] ?? {}, 'static', ['strings', 'builtin_funcs', 'files']) ?? {};
    const builtinFuncs = (this.optionalArray(st['builtin_funcs'], 'static.builtin_funcs') ?? []).flatMap((b, i) => {
      const p = `static.builtin_funcs[${i}]`;
      const o = this.object(b, p, ['name', 'decl']);
      const name = o === undefined ? undefined : this.string(o['name'], join(p, 'name'));
      return name === undefined || o === undefined ? [] : [{ name, decl: o['decl'] }];
    });
    const plansObj = this.object(root['plans'] ?? {}, 'plans', ['plans']) ?? {};
    const plans: Plan[] = (this.optionalArray(plansObj['plans'], 'plans.plans') ?? []).flatMap((p, i) => {
      const path = `plans.plans[${i}]`;
      const o = this.object(p, path, ['name', 'blocks']);
      if (o === undefined) return [];
      const name = this.string(o['name'], join(path, 'name'));
      const blocks = this.blocks(o['blocks'], join(path, 'blocks'), 0);
      return name === undefined ? [] : [{ name, blocks }];
    });
    const funcsObj = this.object(root['funcs'] ?? {}, 'funcs', ['funcs']) ?? {};
    const funcs: Func[] = (this.optionalArray(funcsObj['funcs'], 'funcs.funcs') ?? []).flatMap((f, i) => {
      const path = `funcs.funcs[${i}]`;
      const o = this.object(f, path, ['name', 'params', 'return', 'blocks', 'path']);
      if (o === undefined) return [];
      const name = this.string(o['name'], join(path, 'name'));
      const params = this.field(o['params'], join(path, 'params'), 'locals', 0) as number[] | undefined;
      const ret = this.int(o['return'], join(path, 'return'), 0);
      const blocks = this.blocks(o['blocks'], join(path, 'blocks'), 0);
      const fpath = (this.optionalArray(o['path'], join(path, 'path')) ?? []).map((s, k) => this.string(s, `${path}.path[${k}]`) ?? '');
      if (name === undefined || params === undefined || ret === undefined) return [];
      return [{ name, params, return: ret, blocks, path: fpath }];
    });
    return {
      static: {
        strings: this.stringConsts(st['strings'], 'static.strings'),
        builtin_funcs: builtinFuncs,
        files: this.stringConsts(st['files'], 'static.files'),
      },
      plans: { plans },
      funcs: { funcs },
    };
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Validates an already-parsed JSON value as an IR policy. */
export function readPlan(value: unknown): ParsePlanResult {
  const reader = new PlanReader();
  const policy = reader.policy(value);
  if (policy === undefined || reader.errors.length > 0) return { ok: false, errors: reader.errors };
  return { ok: true, policy };
}

export function parsePlanJson(text: string): ParsePlanResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [{ code: 'plan_invalid_json', path: '', message: e instanceof Error ? e.message : 'not JSON' }] };
  }
  return readPlan(value);
}

