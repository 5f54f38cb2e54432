// Emits the body of one Wasm function (locals + instructions) and tracks the label stack so that
// callers can check branch depths before they become an invalid module.
import { ByteWriter } from './byte-writer.js';
import { I32, I64 } from './wasm-module.js';

export const Op = {
  unreachable: 0x00, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d,
  brTable: 0x0e, return: 0x0f, call: 0x10, drop: 0x1a,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, globalGet: 0x23, globalSet: 0x24,
  i32Load: 0x28, i64Load: 0x29, i32Store: 0x36, i64Store: 0x37,
  i32Const: 0x41, i64Const: 0x42,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtU: 0x49, i32GeU: 0x4f, i64Eq: 0x51,
  i32Add: 0x6a, i32Shl: 0x74, i64Add: 0x7c, i64ExtendI32U: 0xad,
} as const;

const BLOCK_VOID = 0x40;

export class FunctionBuilder {
  readonly code = new ByteWriter(512);
  readonly #paramCount: number;
  readonly #i64Capacity: number;
  #i64Locals = 0;
  #i32Locals = 0;
  #depth = 0;

  /** `i64Locals` is how many i64 locals the function will ask for; they are declared first. */
  constructor(paramCount: number, i64Locals = 0) {
    this.#paramCount = paramCount;
    this.#i64Capacity = i64Locals;
  }

  /** Number of open labels (block, loop, if) at this point. */
  get depth(): number {
    return this.#depth;
  }

  newLocal(): number {
    return this.#paramCount + this.#i64Capacity + this.#i32Locals++;
  }

  newI64Local(): number {
    if (this.#i64Locals >= this.#i64Capacity) throw new RangeError('more i64 locals than declared');
    return this.#paramCount + this.#i64Locals++;
  }

  op(code: number): this {
    this.code.byte(code);
    return this;
  }

  block(): this {
    this.#depth++;
    this.code.byte(Op.block).byte(BLOCK_VOID);
    return this;
  }

  loop(): this {
    this.#depth++;
    this.code.byte(Op.loop).byte(BLOCK_VOID);
    return this;
  }

  if(): this {
    this.#depth++;
    this.code.byte(Op.if).byte(BLOCK_VOID);
    return this;
  }

  end(): this {
    this.#depth--;
    this.code.byte(Op.end);
    return this;
  }

  br(depth: number): this {
    this.code.byte(Op.br).u32(depth);
    return this;
  }

  brIf(depth: number): this {
    this.code.byte(Op.brIf).u32(depth);
    return this;
  }

  brTable(targets: readonly number[], fallback: number): this {
    this.code.byte(Op.brTable).u32(targets.length);
    for (const t of targets) this.code.u32(t);
    this.code.u32(fallback);
    return this;
  }

  call(index: number): this {
    this.code.byte(Op.call).u32(index);
    return this;
  }

  get(local: number): this {
    this.code.byte(Op.localGet).u32(local);
    return this;
  }

  set(local: number): this {
    this.code.byte(Op.localSet).u32(local);
    return this;
  }

  tee(local: number): this {
    this.code.byte(Op.localTee).u32(local);
    return this;
  }

  globalGet(index: number): this {
    this.code.byte(Op.globalGet).u32(index);
    return this;
  }

  globalSet(index: number): this {
    this.code.byte(Op.globalSet).u32(index);
    return this;
  }

  i32(value: number): this {
    this.code.byte(Op.i32Const).s32(value);
    return this;
  }

  i64(value: bigint): this {
    this.code.byte(Op.i64Const).s64(value);
    return this;
  }

  load32(offset = 0): this {
    this.code.byte(Op.i32Load).u32(2).u32(offset);
    return this;
  }

  load64(offset = 0): this {
    this.code.byte(Op.i64Load).u32(3).u32(offset);
    return this;
  }

  store32(offset = 0): this {
    this.code.byte(Op.i32Store).u32(2).u32(offset);
    return this;
  }

  store64(offset = 0): this {
    this.code.byte(Op.i64Store).u32(3).u32(offset);
    return this;
  }

  /** The encoded function body: local declarations, code and the final `end`. */
  finish(): Uint8Array {
    const out = new ByteWriter(this.code.length + 16);
    const groups = (this.#i64Capacity > 0 ? 1 : 0) + (this.#i32Locals > 0 ? 1 : 0);
    out.u32(groups);
    if (this.#i64Capacity > 0) out.u32(this.#i64Capacity).byte(I64);
    if (this.#i32Locals > 0) out.u32(this.#i32Locals).byte(I32);
    out.bytes(this.code.toBytes()).byte(Op.end);
    return out.toBytes();
  }
}
