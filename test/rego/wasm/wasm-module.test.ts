import { wasmApi } from './wasm-api.js';
import assert from 'node:assert/strict';
import { ByteWriter } from '../../../src/rego/wasm/byte-writer.js';
import { constI32, decodeModule, encodeModule, i32ConstExpr, WasmDecodeError } from '../../../src/rego/wasm/wasm-module.js';
import { buildStubRuntime } from './stub-runtime.js';

describe('wasm binary encoding', () => {
  const hex = (w: ByteWriter): string => Buffer.from(w.toBytes()).toString('hex');

  it('encodes LEB128 as the spec examples', () => {
    assert.equal(hex(new ByteWriter().u32(624485)), 'e58e26');
    assert.equal(hex(new ByteWriter().u32(0)), '00');
    assert.equal(hex(new ByteWriter().u32(0xffffffff)), 'ffffffff0f');
    assert.equal(hex(new ByteWriter().s32(-123456)), 'c0bb78');
    assert.equal(hex(new ByteWriter().s32(63)), '3f');
    assert.equal(hex(new ByteWriter().s32(64)), 'c000');
    assert.equal(hex(new ByteWriter().s32(-64)), '40');
    assert.equal(hex(new ByteWriter().s64(-(2n ** 63n))), '808080808080808080' + '7f');
    assert.equal(hex(new ByteWriter().s64(2n ** 40n)), '808080808020');
  });

  it('reads back the i32 constants it writes', () => {
    for (const v of [0, 1, -1, 63, 64, -65, 2 ** 31 - 1, -(2 ** 31), 123456789]) {
      assert.equal(constI32(i32ConstExpr(v)), v);
    }
  });

  it('round-trips a module byte for byte and the result is valid Wasm', () => {
    const bytes = buildStubRuntime();
    assert.ok(wasmApi.validate(bytes));
    const again = encodeModule(decodeModule(bytes));
    assert.deepEqual(Buffer.from(again), Buffer.from(bytes));
  });

  it('rejects input that is not a Wasm module', () => {
    assert.throws(() => decodeModule(new TextEncoder().encode('{"not": "wasm"}')), WasmDecodeError);
  });

  it('rejects a module whose section runs past its end', () => {
    const bytes = buildStubRuntime();
    assert.throws(() => decodeModule(bytes.subarray(0, bytes.length - 3)), (e: unknown) => e instanceof WasmDecodeError && e.code === 'wasm_malformed');
  });

  it('rejects sections out of order', () => {
    const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 3, 1, 0, 1, 1, 0]);
    assert.throws(() => decodeModule(bytes), WasmDecodeError);
  });
});
