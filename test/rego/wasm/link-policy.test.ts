import { wasmApi } from './wasm-api.js';
import assert from 'node:assert/strict';
import type { Policy, Stmt } from '../../../src/rego/ir.js';
import { linkPolicy, RuntimeLinkError } from '../../../src/rego/wasm/link-policy.js';
import { constI32, decodeModule, encodeModule, EXPORT_GLOBAL } from '../../../src/rego/wasm/wasm-module.js';
import { buildStubRuntime, STUB_DATA, STUB_DATA_OFFSET } from './stub-runtime.js';

const at = { file: 0, row: 3, col: 7 };

function policyOf(stmts: Stmt[], builtins: string[] = []): Policy {
  return {
    static: {
      strings: [{ value: 'result' }, { value: 'allow' }],
      builtin_funcs: builtins.map((name) => ({ name, decl: {} })),
      files: [{ value: 'authz.rego' }],
    },
    plans: { plans: [{ name: 'authz/allow', blocks: [{ stmts }] }] },
    funcs: { funcs: [] },
  };
}

const ABI_EXPORTS = [
  'builtins', 'entrypoints', 'eval', 'opa_eval', 'opa_heap_ptr_get', 'opa_heap_ptr_set', 'opa_json_dump',
  'opa_json_parse', 'opa_malloc', 'opa_wasm_abi_minor_version', 'opa_wasm_abi_version',
];

describe('linkPolicy', () => {
  it('produces a valid module exposing only the ABI exports', () => {
    const res = linkPolicy(buildStubRuntime(), policyOf([{ type: 'MakeObjectStmt', stmt: { target: 2, ...at } }, { type: 'ResultSetAddStmt', stmt: { value: 2, ...at } }]));
    assert.ok(res.ok);
    assert.ok(wasmApi.validate(res.wasm));
    const m = decodeModule(res.wasm);
    assert.deepEqual(m.exports.map((e) => e.name).sort(), ABI_EXPORTS);
  });

  it('moves the heap start past the runtime data and the policy constants, 16-byte aligned', () => {
    const res = linkPolicy(buildStubRuntime(), policyOf([]));
    assert.ok(res.ok);
    const runtime = decodeModule(buildStubRuntime());
    const linked = decodeModule(res.wasm);
    const heapExport = runtime.exports.find((e) => e.name === '__heap_start' && e.kind === EXPORT_GLOBAL);
    assert.ok(heapExport);
    const heap = constI32(linked.globals[heapExport.index]?.init ?? new Uint8Array());
    assert.ok(heap !== undefined);
    assert.equal(heap % 16, 0);
    const policySeg = linked.data.at(-1);
    assert.ok(policySeg && policySeg.kind === 'active');
    const segStart = constI32(policySeg.offset) ?? 0;
    assert.ok(segStart >= STUB_DATA_OFFSET + STUB_DATA.length);
    assert.ok(heap >= segStart + policySeg.init.length);
    assert.ok(new TextDecoder().decode(policySeg.init).includes('authz/allow'));
  });

  it('instantiates against the imports the SDK provides', async () => {
    const res = linkPolicy(buildStubRuntime(), policyOf([]));
    assert.ok(res.ok);
    const memory = new wasmApi.Memory({ initial: 5 });
    const fn = (): number => 0;
    const { instance } = await wasmApi.instantiate(res.wasm, {
      env: { memory, opa_abort: fn, opa_println: fn, opa_builtin0: fn, opa_builtin1: fn, opa_builtin2: fn, opa_builtin3: fn, opa_builtin4: fn },
    });
    assert.equal(typeof instance.exports['opa_eval'], 'function');
  });

  it('names runtime exports and generated functions for profilers only when asked', () => {
    const policy = policyOf([]);
    const plain = linkPolicy(buildStubRuntime(), policy);
    const named = linkPolicy(buildStubRuntime(), policy, { debugNames: true });
    assert.ok(plain.ok && named.ok);
    assert.ok(wasmApi.validate(named.wasm));
    const text = Buffer.from(named.wasm).toString('latin1');
    for (const name of ['plan:authz/allow', '$init', 'opa_eval', 'nmp_get', 'env.opa_abort']) assert.ok(text.includes(name), name);
    assert.ok(!Buffer.from(plain.wasm).toString('latin1').includes('plan:authz/allow'));
  });

  it('reports a call to an unknown function with its source position', () => {
    const res = linkPolicy(buildStubRuntime(), policyOf([{ type: 'CallStmt', stmt: { func: 'g0.data.nope', args: [], result: 2, ...at } }]));
    assert.ok(!res.ok);
    assert.deepEqual(res.diagnostics.map((d) => [d.code, d.file, d.line, d.col]), [['wasm_unknown_function', 'authz.rego', 3, 7]]);
  });

  it('reports every built-in that neither the runtime nor the host provides', () => {
    const call = (func: string): Stmt => ({ type: 'CallStmt', stmt: { func, args: [{ type: 'local', value: 0 }], result: 3, ...at } });
    const res = linkPolicy(buildStubRuntime(), policyOf([call('crypto.md5'), call('http.send')], ['crypto.md5', 'http.send']));
    assert.ok(!res.ok);
    assert.deepEqual(res.diagnostics.map((d) => d.code), ['wasm_unsupported_builtin', 'wasm_unsupported_builtin']);
    assert.ok(res.diagnostics[1]?.message.includes('http.send'));
  });

  it('calls a native built-in when the runtime exports it and checks its arity', () => {
    const call = (n: number): Stmt => ({ type: 'CallStmt', stmt: { func: 'object.get', args: Array.from({ length: n }, () => ({ type: 'local' as const, value: 0 })), result: 3, ...at } });
    const runtime = buildStubRuntime({ opa_bi_object_get: 3 });
    assert.ok(linkPolicy(runtime, policyOf([call(3)], ['object.get'])).ok);
    const bad = linkPolicy(runtime, policyOf([call(2)], ['object.get']));
    assert.ok(!bad.ok);
    assert.equal(bad.diagnostics[0]?.code, 'wasm_builtin_arity');
  });

  it('rejects a break that leaves the function', () => {
    const res = linkPolicy(buildStubRuntime(), policyOf([{ type: 'BreakStmt', stmt: { index: 1, ...at } }]));
    assert.ok(!res.ok);
    assert.equal(res.diagnostics[0]?.code, 'wasm_invalid_break');
  });

  it('refuses a runtime that misses a contract export', () => {
    const m = decodeModule(buildStubRuntime());
    m.exports = m.exports.filter((e) => e.name !== 'nmp_upsert');
    assert.throws(() => linkPolicy(encodeModule(m), policyOf([])), RuntimeLinkError);
  });
});
