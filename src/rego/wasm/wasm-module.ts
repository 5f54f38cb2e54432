// WebAssembly binary ⇄ a small module model: decodes the sections the linker edits (types, imports,
// functions, globals, exports, code, data) and keeps the others as opaque payloads.
import { ByteWriter } from './byte-writer.js';
import { assertNever } from '../../shared/assert-never.js';

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;

export const EXPORT_FUNC = 0;
export const EXPORT_TABLE = 1;
export const EXPORT_MEMORY = 2;
export const EXPORT_GLOBAL = 3;

export interface FuncType {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

export type ImportDesc =
  | { readonly kind: 'func'; readonly type: number }
  | { readonly kind: 'table'; readonly raw: Uint8Array }
  | { readonly kind: 'memory'; readonly min: number; readonly max: number | undefined; readonly flags: number }
  | { readonly kind: 'global'; readonly raw: Uint8Array };

export interface Import {
  readonly module: string;
  readonly name: string;
  readonly desc: ImportDesc;
}

export interface Global {
  readonly type: number;
  readonly mutable: boolean;
  /** The constant initialiser expression, including its `end` opcode. */
  readonly init: Uint8Array;
}

export interface Export {
  readonly name: string;
  readonly kind: number;
  readonly index: number;
}

export type DataSegment =
  | { readonly kind: 'active'; readonly memory: number; readonly offset: Uint8Array; readonly init: Uint8Array }
  | { readonly kind: 'passive'; readonly init: Uint8Array };

/** A decoded module. Function bodies stay encoded (locals + code), as the linker only appends. */
export interface WasmModule {
  types: FuncType[];
  imports: Import[];
  /** Type index of every defined function, in index order after the imported ones. */
  functions: number[];
  table: Uint8Array | undefined;
  memory: Uint8Array | undefined;
  globals: Global[];
  exports: Export[];
  start: number | undefined;
  elements: Uint8Array | undefined;
  code: Uint8Array[];
  data: DataSegment[];
  hasDataCount: boolean;
  /** Custom sections written after all others (e.g. `name` for profilers); none are read back. */
  trailingCustom?: { readonly name: string; readonly payload: Uint8Array }[];
}

export class WasmDecodeError extends Error {
  readonly code = 'wasm_malformed';
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
  }
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

class ByteReader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
  }

  fail(message: string): never {
    throw new WasmDecodeError(message, this.pos);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) this.fail('unexpected end');
    return this.buf[this.pos++] as number;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) this.fail('LEB128 too long');
    }
    if (result > 0xffffffff) this.fail('u32 out of range');
    return result;
  }

  /** Skips a signed LEB128 of up to `bits` bits. */
  skipSigned(bits: number): void {
    const maxBytes = Math.ceil(bits / 7);
    for (let i = 0; i < maxBytes; i++) {
      if ((this.byte() & 0x80) === 0) return;
    }
    this.fail('LEB128 too long');
  }

  s32(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      result |= (b & 0x7f) << shift;
      shift += 7;
      if (shift > 35) this.fail('LEB128 too long');
    } while ((b & 0x80) !== 0);
    if (shift < 32 && (b & 0x40) !== 0) result |= -1 << shift;
    return result | 0;
  }

  take(n: number): Uint8Array {
    if (n > this.end - this.pos) this.fail('unexpected end');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  name(): string {
    const bytes = this.take(this.u32());
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return this.fail('invalid UTF-8 name');
    }
  }

  limits(): { flags: number; min: number; max: number | undefined } {
    const flags = this.byte();
    if (flags > 3) this.fail('unsupported limits flags');
    const min = this.u32();
    const max = (flags & 1) !== 0 ? this.u32() : undefined;
    return { flags, min, max };
  }

  /** A constant expression, returned with its terminating `end`. */
  constExpr(): Uint8Array {
    const start = this.pos;
    for (;;) {
      const op = this.byte();
      switch (op) {
        case 0x0b:
          return this.buf.slice(start, this.pos);
        case 0x41: this.skipSigned(32); break;
        case 0x42: this.skipSigned(64); break;
        case 0x43: this.take(4); break;
        case 0x44: this.take(8); break;
        case 0x23: this.u32(); break;
        case 0xd0: this.byte(); break;
        case 0xd2: this.u32(); break;
        case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: break;
        default: this.fail(`unsupported opcode 0x${op.toString(16)} in constant expression`);
      }
    }
  }
}

export function decodeModule(bytes: Uint8Array): WasmModule {
  const r = new ByteReader(bytes);
  for (const b of MAGIC) if (r.byte() !== b) r.fail('not a WebAssembly 1.0 module');
  const m: WasmModule = {
    types: [], imports: [], functions: [], table: undefined, memory: undefined, globals: [],
    exports: [], start: undefined, elements: undefined, code: [], data: [], hasDataCount: false,
  };
  let lastId = 0;
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    if (size > r.end - r.pos) r.fail('section overruns module');
    const s = new ByteReader(bytes, r.pos, r.pos + size);
    r.pos += size;
    if (id !== 0) {
      // Data count (12) sits between element (9) and code (10) in the required order.
      const rank = (x: number): number => (x === 12 ? 9.5 : x);
      if (rank(id) <= rank(lastId)) s.fail(`section ${id} out of order`);
      lastId = id;
    }
    switch (id) {
      case 0: break; // custom sections (names, producers) are not carried over
      case 1: readTypes(s, m); break;
      case 2: readImports(s, m); break;
      case 3: for (let n = s.u32(); n > 0; n--) m.functions.push(s.u32()); break;
      case 4: m.table = s.take(size); break;
      case 5: m.memory = s.take(size); break;
      case 6: readGlobals(s, m); break;
      case 7: readExports(s, m); break;
      case 8: m.start = s.u32(); break;
      case 9: m.elements = s.take(size); break;
      case 10: for (let n = s.u32(); n > 0; n--) m.code.push(s.take(s.u32()).slice()); break;
      case 11: readData(s, m); break;
      case 12: s.u32(); m.hasDataCount = true; break;
      default: s.fail(`unknown section ${id}`);
    }
    if (id !== 0 && id !== 4 && id !== 5 && id !== 9 && !s.done) s.fail(`trailing bytes in section ${id}`);
  }
  if (m.functions.length !== m.code.length) r.fail('function and code section sizes differ');
  return m;
}

function readTypes(s: ByteReader, m: WasmModule): void {
  for (let n = s.u32(); n > 0; n--) {
    if (s.byte() !== 0x60) s.fail('expected a function type');
    const params: number[] = [];
    for (let k = s.u32(); k > 0; k--) params.push(s.byte());
    const results: number[] = [];
    for (let k = s.u32(); k > 0; k--) results.push(s.byte());
    m.types.push({ params, results });
  }
}

function readImports(s: ByteReader, m: WasmModule): void {
  for (let n = s.u32(); n > 0; n--) {
    const module = s.name();
    const name = s.name();
    const kind = s.byte();
    let desc: ImportDesc;
    switch (kind) {
      case 0: desc = { kind: 'func', type: s.u32() }; break;
      case 1: {
        const start = s.pos;
        s.byte();
        s.limits();
        desc = { kind: 'table', raw: s.buf.slice(start, s.pos) };
        break;
      }
      case 2: {
        const lim = s.limits();
        desc = { kind: 'memory', min: lim.min, max: lim.max, flags: lim.flags };
        break;
      }
      case 3: desc = { kind: 'global', raw: s.take(2).slice() }; break;
      default: s.fail(`unknown import kind ${kind}`);
    }
    m.imports.push({ module, name, desc });
  }
}

function readGlobals(s: ByteReader, m: WasmModule): void {
  for (let n = s.u32(); n > 0; n--) {
    const type = s.byte();
    const mutable = s.byte() === 1;
    m.globals.push({ type, mutable, init: s.constExpr() });
  }
}

function readExports(s: ByteReader, m: WasmModule): void {
  for (let n = s.u32(); n > 0; n--) {
    const name = s.name();
    const kind = s.byte();
    m.exports.push({ name, kind, index: s.u32() });
  }
}

function readData(s: ByteReader, m: WasmModule): void {
  for (let n = s.u32(); n > 0; n--) {
    const flags = s.u32();
    if (flags === 1) {
      m.data.push({ kind: 'passive', init: s.take(s.u32()).slice() });
      continue;
    }
    if (flags !== 0 && flags !== 2) s.fail(`unknown data segment kind ${flags}`);
    const memory = flags === 2 ? s.u32() : 0;
    const offset = s.constExpr();
    m.data.push({ kind: 'active', memory, offset, init: s.take(s.u32()).slice() });
  }
}

/** The value of an `i32.const N; end` expression, or undefined for any other expression. */
export function constI32(expr: Uint8Array): number | undefined {
  if (expr[0] !== 0x41) return undefined;
  const r = new ByteReader(expr, 1);
  const v = r.s32();
  return r.byte() === 0x0b && r.done ? v : undefined;
}

export function i32ConstExpr(value: number): Uint8Array {
  return new ByteWriter(8).byte(0x41).s32(value).byte(0x0b).toBytes();
}

export function functionImportCount(m: WasmModule): number {
  let n = 0;
  for (const imp of m.imports) if (imp.desc.kind === 'func') n++;
  return n;
}

/** Index of an identical function type, appending it when new. */
export function internType(m: WasmModule, type: FuncType): number {
  const found = m.types.findIndex(
    (t) => sameList(t.params, type.params) && sameList(t.results, type.results),
  );
  if (found >= 0) return found;
  m.types.push(type);
  return m.types.length - 1;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A `name` section payload with function names only (subsection 1), indices ascending. */
export function functionNamesPayload(names: ReadonlyMap<number, string>): Uint8Array {
  const entries = [...names.entries()].sort((a, b) => a[0] - b[0]);
  const sub = new ByteWriter().u32(entries.length);
  for (const [index, name] of entries) sub.u32(index).name(name);
  return new ByteWriter().byte(1).sized(sub.toBytes()).toBytes();
}

export function encodeModule(m: WasmModule): Uint8Array {
  const out = new ByteWriter(1 << 16).bytes(Uint8Array.from(MAGIC));
  const section = (id: number, body: ByteWriter | Uint8Array): void => {
    const payload = body instanceof ByteWriter ? body.toBytes() : body;
    out.byte(id).sized(payload);
  };

  if (m.types.length > 0) {
    const w = new ByteWriter().u32(m.types.length);
    for (const t of m.types) {
      w.byte(0x60).u32(t.params.length);
      for (const p of t.params) w.byte(p);
      w.u32(t.results.length);
      for (const r of t.results) w.byte(r);
    }
    section(1, w);
  }
  if (m.imports.length > 0) {
    const w = new ByteWriter().u32(m.imports.length);
    for (const imp of m.imports) {
      w.name(imp.module).name(imp.name);
      const d = imp.desc;
      switch (d.kind) {
        case 'func': w.byte(0).u32(d.type); break;
        case 'table': w.byte(1).bytes(d.raw); break;
        case 'memory':
          w.byte(2).byte(d.flags).u32(d.min);
          if (d.max !== undefined) w.u32(d.max);
          break;
        case 'global': w.byte(3).bytes(d.raw); break;
        default: assertNever(d);
      }
    }
    section(2, w);
  }
  if (m.functions.length > 0) {
    const w = new ByteWriter().u32(m.functions.length);
    for (const t of m.functions) w.u32(t);
    section(3, w);
  }
  if (m.table !== undefined) section(4, m.table);
  if (m.memory !== undefined) section(5, m.memory);
  if (m.globals.length > 0) {
    const w = new ByteWriter().u32(m.globals.length);
    for (const g of m.globals) w.byte(g.type).byte(g.mutable ? 1 : 0).bytes(g.init);
    section(6, w);
  }
  if (m.exports.length > 0) {
    const w = new ByteWriter().u32(m.exports.length);
    for (const e of m.exports) w.name(e.name).byte(e.kind).u32(e.index);
    section(7, w);
  }
  if (m.start !== undefined) section(8, new ByteWriter().u32(m.start));
  if (m.elements !== undefined) section(9, m.elements);
  if (m.hasDataCount) section(12, new ByteWriter().u32(m.data.length));
  if (m.code.length > 0) {
    const w = new ByteWriter(1 << 16).u32(m.code.length);
    for (const body of m.code) w.sized(body);
    section(10, w);
  }
  if (m.data.length > 0) {
    const w = new ByteWriter(1 << 12).u32(m.data.length);
    for (const seg of m.data) {
      if (seg.kind === 'passive') {
        w.u32(1).sized(seg.init);
      } else {
        if (seg.memory === 0) w.u32(0);
        else w.u32(2).u32(seg.memory);
        w.bytes(seg.offset).sized(seg.init);
      }
    }
    section(11, w);
  }
  for (const custom of m.trailingCustom ?? []) section(0, new ByteWriter().name(custom.name).bytes(custom.payload));
  return out.toBytes();
}

