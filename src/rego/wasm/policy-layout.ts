// Policy constants → the bytes of the policy's data segment and the addresses of everything in it,
// plus the zero-initialised slot region (string values, memo entries) that follows it.
import { ByteWriter } from './byte-writer.js';

export interface ConstRef {
  readonly ptr: number;
  readonly len: number;
}

export interface PolicyLayout {
  /** Static strings of the IR, by string index. */
  readonly strings: readonly ConstRef[];
  readonly entrypointNames: readonly ConstRef[];
  readonly builtinNames: readonly ConstRef[];
  readonly resultKey: ConstRef;
  /** NUL-terminated message for an entrypoint id the module does not have. */
  readonly badEntrypointMessage: number;
  readonly segment: Uint8Array;
  readonly segmentBase: number;
  /** 4 bytes per string: its value, created once when the module is instantiated. */
  readonly stringSlots: number;
  /** 4 bytes per distinct number or boolean constant (`MakeNumberInt`, `AssignInt`, `MakeNumberRef`, bool operands). */
  readonly scalarSlots: number;
  /** 24 bytes per memoised function: `[generation i64][input i32][data i32][value i32]`. */
  readonly memoSlots: number;
  /** First free byte after everything; the runtime heap starts here. */
  readonly heapStart: number;
}

export const STRING_SLOT_SIZE = 4;
/** Memo entries also record which input and data values they were computed from. */
export const MEMO_SLOT_SIZE = 24;

export function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

export function layoutPolicy(
  base: number,
  strings: readonly string[],
  entrypoints: readonly string[],
  builtins: readonly string[],
  memoCount: number,
  scalarCount = 0,
): PolicyLayout {
  const enc = new TextEncoder();
  const w = new ByteWriter(4096);
  const put = (text: string, nul = false): ConstRef => {
    const bytes = enc.encode(text);
    const ptr = base + w.length;
    w.bytes(bytes);
    if (nul) w.byte(0);
    return { ptr, len: bytes.length };
  };
  const stringRefs = strings.map((s) => put(s));
  const entrypointNames = entrypoints.map((s) => put(s));
  const builtinNames = builtins.map((s) => put(s));
  const resultKey = put('result');
  const badEntrypointMessage = put('invalid entrypoint id', true).ptr;
  const segment = w.toBytes();
  const stringSlots = align(base + segment.length, 8);
  const scalarSlots = stringSlots + STRING_SLOT_SIZE * strings.length;
  const memoSlots = align(scalarSlots + STRING_SLOT_SIZE * scalarCount, 8);
  const heapStart = align(memoSlots + MEMO_SLOT_SIZE * memoCount, 16);
  return {
    strings: stringRefs, entrypointNames, builtinNames, resultKey, badEntrypointMessage,
    segment, segmentBase: base, stringSlots, scalarSlots, memoSlots, heapStart,
  };
}
