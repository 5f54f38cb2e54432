// Test oracle: a direct interpreter of OPA IR (src/rego/ir.ts), so planned policies can be run on
// inputs without the Wasm backend. Deliberately naive and strict: reading an undefined local
// throws (a planner bug), every statement follows the IR documentation literally.

import type { Block, Func, Local, Operand, Policy, Stmt } from '../../../src/rego/ir.js';

export type Value = null | boolean | number | string | Value[] | RObject | RSet;

export class RObject {
  readonly map = new Map<string, [Value, Value]>();
  get(key: Value): Value | undefined { return this.map.get(keyOf(key))?.[1]; }
  set(key: Value, value: Value): void { this.map.set(keyOf(key), [key, value]); }
  sortedEntries(): [Value, Value][] { return [...this.map.values()].sort((a, b) => compare(a[0], b[0])); }
}

export class RSet {
  readonly map = new Map<string, Value>();
  has(v: Value): boolean { return this.map.has(keyOf(v)); }
  add(v: Value): void { this.map.set(keyOf(v), v); }
  sorted(): Value[] { return [...this.map.values()].sort(compare); }
}

export class ConflictError extends Error {}

function rank(v: Value): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 4;
  if (v instanceof RObject) return 5;
  return 6;
}

export function compare(a: Value, b: Value): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (typeof a === 'boolean' || typeof a === 'number' || typeof a === 'string') {
    return a === b ? 0 : (a as number | string | boolean) < (b as number | string | boolean) ? -1 : 1;
  }
  if (a === null) return 0;
  const seq = (xs: Value[], ys: Value[]): number => {
    for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
      const c = compare(xs[i] as Value, ys[i] as Value);
      if (c !== 0) return c;
    }
    return xs.length - ys.length === 0 ? 0 : xs.length < ys.length ? -1 : 1;
  };
  if (Array.isArray(a)) return seq(a, b as Value[]);
  if (a instanceof RObject) {
    const ea = a.sortedEntries().flat();
    const eb = (b as RObject).sortedEntries().flat();
    return seq(ea, eb);
  }
  return seq((a as RSet).sorted(), (b as RSet).sorted());
}

export function keyOf(v: Value): string {
  if (v === null) return 'n';
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (typeof v === 'number') return `d${v}`;
  if (typeof v === 'string') return `s${JSON.stringify(v)}`;
  if (Array.isArray(v)) return `a[${v.map(keyOf).join(',')}]`;
  if (v instanceof RObject) return `o{${v.sortedEntries().map(([k, x]) => `${keyOf(k)}:${keyOf(x)}`).join(',')}}`;
  return `S{${v.sorted().map(keyOf).join(',')}}`;
}

/** JSON (plain JS) → Value. */
export function fromJson(j: unknown): Value {
  if (j === null || typeof j === 'boolean' || typeof j === 'number' || typeof j === 'string') return j;
  if (Array.isArray(j)) return j.map(fromJson);
  if (typeof j === 'object') {
    const o = new RObject();
    for (const [k, v] of Object.entries(j as Record<string, unknown>)) o.set(k, fromJson(v));
    return o;
  }
  throw new Error(`not JSON: ${String(j)}`);
}

/** Value → JSON as OPA prints it: sets become sorted arrays, object keys sorted. */
export function toJson(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof RObject) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v.sortedEntries()) out[typeof k === 'string' ? k : JSON.stringify(toJson(k))] = toJson(x);
    return out;
  }
  return v.sorted().map(toJson);
}

type Outcome = { k: 'done' } | { k: 'undef' } | { k: 'break'; n: number } | { k: 'return'; v: Value | undefined };

const isNum = (v: Value | undefined): v is number => typeof v === 'number';
const isStr = (v: Value | undefined): v is string => typeof v === 'string';
const bool = (b: boolean): Value => b;

/** Built-ins the oracle knows; undefined (`undefined`) for bad operand types, as OPA. */
const BUILTINS: Record<string, (...args: Value[]) => Value | undefined> = {
  plus: (a, b) => (isNum(a) && isNum(b) ? a + b : undefined),
  minus: (a, b) => {
    if (isNum(a) && isNum(b)) return a - b;
    if (a instanceof RSet && b instanceof RSet) { const s = new RSet(); for (const x of a.sorted()) if (!b.has(x)) s.add(x); return s; }
    return undefined;
  },
  mul: (a, b) => (isNum(a) && isNum(b) ? a * b : undefined),
  div: (a, b) => (isNum(a) && isNum(b) && b !== 0 ? a / b : undefined),
  rem: (a, b) => (isNum(a) && isNum(b) && Number.isInteger(a) && Number.isInteger(b) && b !== 0 ? a % b : undefined),
  equal: (a, b) => bool(compare(a, b) === 0),
  neq: (a, b) => bool(compare(a, b) !== 0),
  lt: (a, b) => bool(compare(a, b) < 0),
  lte: (a, b) => bool(compare(a, b) <= 0),
  gt: (a, b) => bool(compare(a, b) > 0),
  gte: (a, b) => bool(compare(a, b) >= 0),
  count: (a) => {
    if (Array.isArray(a)) return a.length;
    if (a instanceof RObject) return a.map.size;
    if (a instanceof RSet) return a.map.size;
    if (isStr(a)) return [...a].length;
    return undefined;
  },
  sum: (a) => {
    const xs = Array.isArray(a) ? a : a instanceof RSet ? a.sorted() : undefined;
    if (xs === undefined || !xs.every(isNum)) return undefined;
    return (xs as number[]).reduce((s, x) => s + x, 0);
  },
  max: (a) => { const xs = Array.isArray(a) ? a : a instanceof RSet ? a.sorted() : undefined; return xs && xs.length > 0 ? [...xs].sort(compare)[xs.length - 1] : undefined; },
  sort: (a) => (Array.isArray(a) ? [...a].sort(compare) : a instanceof RSet ? a.sorted() : undefined),
  'internal.member_2': (x, c) => {
    if (Array.isArray(c)) return c.some((y) => compare(x, y) === 0);
    if (c instanceof RSet) return c.has(x);
    if (c instanceof RObject) return [...c.map.values()].some(([, y]) => compare(x, y) === 0);
    return false;
  },
  'internal.member_3': (k, v, c) => {
    if (Array.isArray(c)) return isNum(k) && compare(c[k] ?? null, v) === 0 && k in c;
    if (c instanceof RObject) { const got = c.get(k); return got !== undefined && compare(got, v) === 0; }
    return false;
  },
  concat: (sep, xs) => {
    const items = Array.isArray(xs) ? xs : xs instanceof RSet ? xs.sorted() : undefined;
    return isStr(sep) && items && items.every(isStr) ? (items as string[]).join(sep) : undefined;
  },
  startswith: (a, b) => (isStr(a) && isStr(b) ? a.startsWith(b) : undefined),
  endswith: (a, b) => (isStr(a) && isStr(b) ? a.endsWith(b) : undefined),
  contains: (a, b) => (isStr(a) && isStr(b) ? a.includes(b) : undefined),
  lower: (a) => (isStr(a) ? a.toLowerCase() : undefined),
  upper: (a) => (isStr(a) ? a.toUpperCase() : undefined),
  split: (a, b) => (isStr(a) && isStr(b) ? a.split(b) : undefined),
  'object.get': (o, k, d) => (o instanceof RObject ? (o.get(k) ?? d) : undefined),
  'array.concat': (a, b) => (Array.isArray(a) && Array.isArray(b) ? [...a, ...b] : undefined),
  and: (a, b) => { if (!(a instanceof RSet && b instanceof RSet)) return undefined; const s = new RSet(); for (const x of a.sorted()) if (b.has(x)) s.add(x); return s; },
  or: (a, b) => { if (!(a instanceof RSet && b instanceof RSet)) return undefined; const s = new RSet(); for (const x of [...a.sorted(), ...b.sorted()]) s.add(x); return s; },
  is_string: (a) => isStr(a),
  is_number: (a) => isNum(a),
  to_number: (a) => (isNum(a) ? a : isStr(a) && a.trim() !== '' && !Number.isNaN(Number(a)) ? Number(a) : undefined),
  abs: (a) => (isNum(a) ? Math.abs(a) : undefined),
};

export class IrInterpreter {
  readonly #funcs = new Map<string, Func>();
  /** Built-in names called, for assertions on what a plan uses. */
  readonly calledBuiltins = new Set<string>();

  constructor(private readonly policy: Policy) {
    for (const f of policy.funcs.funcs) this.#funcs.set(f.name, f);
  }

  /** Runs one entrypoint; returns the result set as JSON (`[{"result": …}]` or `[]`). */
  evaluate(entrypoint: string, input: unknown, data: unknown = {}): unknown {
    const plan = this.policy.plans.plans.find((p) => p.name === entrypoint);
    if (plan === undefined) throw new Error(`no plan ${entrypoint}`);
    const locals: (Value | undefined)[] = [input === undefined ? undefined : fromJson(input), fromJson(data)];
    const results: Value[] = [];
    for (const block of plan.blocks) {
      const r = this.block(block, locals, results);
      if (r.k === 'return') break;
    }
    return results.map(toJson);
  }

  operand(op: Operand, locals: (Value | undefined)[]): Value {
    switch (op.type) {
      case 'bool': return op.value;
      case 'string_index': {
        const s = this.policy.static.strings[op.value];
        if (s === undefined) throw new Error(`no string ${op.value}`);
        return s.value;
      }
      case 'local': {
        const v = locals[op.value];
        if (v === undefined) throw new Error(`read of undefined local ${op.value}`);
        return v;
      }
    }
  }

  local(l: Local, locals: (Value | undefined)[]): Value {
    return this.operand({ type: 'local', value: l }, locals);
  }

  call(name: string, args: Value[]): Value | undefined {
    const func = this.#funcs.get(name);
    if (func) {
      const locals: (Value | undefined)[] = [];
      func.params.forEach((p, i) => { locals[p] = args[i]; });
      for (const block of func.blocks) {
        const r = this.block(block, locals, []);
        if (r.k === 'return') return r.v;
        if (r.k === 'break') throw new Error('break out of a function');
      }
      return undefined;
    }
    const builtin = BUILTINS[name];
    if (builtin === undefined) throw new Error(`oracle lacks built-in ${name}`);
    this.calledBuiltins.add(name);
    return builtin(...args);
  }

  block(block: Block, locals: (Value | undefined)[], results: Value[]): Outcome {
    for (const s of block.stmts) {
      const r = this.stmt(s, locals, results);
      if (r.k === 'done') continue;
      if (r.k === 'undef') return { k: 'undef' };
      if (r.k === 'return') return r;
      return r.n === 0 ? { k: 'undef' } : { k: 'break', n: r.n - 1 };
    }
    return { k: 'done' };
  }

  /** A nested block that must not be left with a break (scan, not, with bodies). */
  closedBlock(block: Block, locals: (Value | undefined)[], results: Value[]): Outcome {
    const r = this.block(block, locals, results);
    if (r.k === 'break') throw new Error('break out of a scan/not/with block');
    return r;
  }

  stmt(s: Stmt, locals: (Value | undefined)[], results: Value[]): Outcome {
    const ok: Outcome = { k: 'done' };
    const undef: Outcome = { k: 'undef' };
    const get = (op: Operand): Value => this.operand(op, locals);
    switch (s.type) {
      case 'ArrayAppendStmt': (this.local(s.stmt.array, locals) as Value[]).push(get(s.stmt.value)); return ok;
      case 'AssignIntStmt': locals[s.stmt.target] = s.stmt.value; return ok;
      case 'AssignVarOnceStmt': {
        const v = get(s.stmt.source);
        const cur = locals[s.stmt.target];
        if (cur !== undefined && compare(cur, v) !== 0) throw new ConflictError('var assignment conflict');
        locals[s.stmt.target] = v;
        return ok;
      }
      case 'AssignVarStmt':
        locals[s.stmt.target] = s.stmt.source.type === 'local' ? locals[s.stmt.source.value] : get(s.stmt.source);
        return ok;
      case 'BlockStmt':
        for (const b of s.stmt.blocks) {
          const r = this.block(b, locals, results);
          if (r.k === 'return') return r;
          if (r.k === 'break') return { k: 'break', n: r.n };
        }
        return ok;
      case 'BreakStmt': return { k: 'break', n: s.stmt.index };
      case 'CallDynamicStmt': throw new Error('CallDynamicStmt is not planned');
      case 'CallStmt': {
        const v = this.call(s.stmt.func, s.stmt.args.map((a) => (a.type === 'local' ? locals[a.value] : get(a)) as Value));
        if (v === undefined) return undef;
        locals[s.stmt.result] = v;
        return ok;
      }
      case 'DotStmt': {
        const src = get(s.stmt.source);
        const key = get(s.stmt.key);
        let v: Value | undefined;
        if (Array.isArray(src)) v = isNum(key) && Number.isInteger(key) ? src[key] : undefined;
        else if (src instanceof RObject) v = src.get(key);
        else if (src instanceof RSet) v = src.has(key) ? key : undefined;
        if (v === undefined) return undef;
        locals[s.stmt.target] = v;
        return ok;
      }
      case 'EqualStmt': return compare(get(s.stmt.a), get(s.stmt.b)) === 0 ? ok : undef;
      case 'NotEqualStmt': return compare(get(s.stmt.a), get(s.stmt.b)) !== 0 ? ok : undef;
      case 'IsArrayStmt': return Array.isArray(get(s.stmt.source)) ? ok : undef;
      case 'IsObjectStmt': return get(s.stmt.source) instanceof RObject ? ok : undef;
      case 'IsSetStmt': return get(s.stmt.source) instanceof RSet ? ok : undef;
      case 'IsDefinedStmt': return locals[s.stmt.source] !== undefined ? ok : undef;
      case 'IsUndefinedStmt': return locals[s.stmt.source] === undefined ? ok : undef;
      case 'LenStmt': {
        const v = get(s.stmt.source);
        const n = Array.isArray(v) ? v.length : v instanceof RObject || v instanceof RSet ? v.map.size : undefined;
        if (n === undefined) return undef;
        locals[s.stmt.target] = n;
        return ok;
      }
      case 'MakeArrayStmt': locals[s.stmt.target] = []; return ok;
      case 'MakeNullStmt': locals[s.stmt.target] = null; return ok;
      case 'MakeNumberIntStmt': locals[s.stmt.target] = s.stmt.value; return ok;
      case 'MakeNumberRefStmt': locals[s.stmt.target] = Number(this.policy.static.strings[s.stmt.Index]?.value); return ok;
      case 'MakeObjectStmt': locals[s.stmt.target] = new RObject(); return ok;
      case 'MakeSetStmt': locals[s.stmt.target] = new RSet(); return ok;
      case 'NopStmt': return ok;
      case 'NotStmt': {
        const r = this.closedBlock(s.stmt.block, locals, results);
        return r.k === 'done' ? undef : ok;
      }
      case 'ObjectInsertOnceStmt': {
        const obj = this.local(s.stmt.object, locals) as RObject;
        const key = get(s.stmt.key);
        const value = get(s.stmt.value);
        const cur = obj.get(key);
        if (cur !== undefined && compare(cur, value) !== 0) throw new ConflictError('object insert conflict');
        obj.set(key, value);
        return ok;
      }
      case 'ObjectInsertStmt': (this.local(s.stmt.object, locals) as RObject).set(get(s.stmt.key), get(s.stmt.value)); return ok;
      case 'ObjectMergeStmt': {
        const merged = merge(this.local(s.stmt.a, locals), this.local(s.stmt.b, locals));
        if (merged === undefined) throw new ConflictError('object merge conflict');
        locals[s.stmt.target] = merged;
        return ok;
      }
      case 'ResetLocalStmt': locals[s.stmt.target] = undefined; return ok;
      case 'ResultSetAddStmt': results.push(this.local(s.stmt.value, locals)); return ok;
      case 'ReturnLocalStmt': return { k: 'return', v: locals[s.stmt.source] };
      case 'ScanStmt': {
        const src = locals[s.stmt.source];
        if (src === undefined) throw new Error('scan of undefined local');
        const pairs: [Value, Value][] = Array.isArray(src) ? src.map((v, i) => [i, v])
          : src instanceof RObject ? src.sortedEntries()
            : src instanceof RSet ? src.sorted().map((v) => [v, v]) : [];
        for (const [k, v] of pairs) {
          locals[s.stmt.key] = k;
          locals[s.stmt.value] = v;
          const r = this.closedBlock(s.stmt.block, locals, results);
          if (r.k === 'return') return r;
        }
        return ok;
      }
      case 'SetAddStmt': (this.local(s.stmt.set, locals) as RSet).add(get(s.stmt.value)); return ok;
      case 'WithStmt': {
        const saved = locals[s.stmt.local];
        const path = s.stmt.path.map((i) => this.policy.static.strings[i]?.value as string);
        locals[s.stmt.local] = upsert(saved, path, get(s.stmt.value));
        const r = this.closedBlock(s.stmt.block, locals, results);
        locals[s.stmt.local] = saved;
        return r.k === 'return' ? r : ok;
      }
    }
  }
}

function merge(a: Value, b: Value): Value | undefined {
  if (!(a instanceof RObject) || !(b instanceof RObject)) return undefined;
  const out = new RObject();
  for (const [k, v] of a.map.values()) out.set(k, v);
  for (const [k, v] of b.map.values()) {
    const cur = out.get(k);
    if (cur === undefined) out.set(k, v);
    else if (cur instanceof RObject && v instanceof RObject) out.set(k, merge(cur, v) as Value);
    else return undefined;
  }
  return out;
}

/** A copy of `root` with `value` at `path`, never mutating `root` (it may be base data). */
function upsert(root: Value | undefined, path: readonly string[], value: Value): Value {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const out = new RObject();
  if (root instanceof RObject) for (const [k, v] of root.map.values()) out.set(k, v);
  out.set(head, upsert(root instanceof RObject ? root.get(head) : undefined, rest, value));
  return out;
}
