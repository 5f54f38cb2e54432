import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileWasmModule, customSection } from '../../src/policy/wasm-module.js';
import { compilePlan } from '../../src/rego/compile-plan.js';
import { compileWasm } from '../../src/rego/compile-wasm.js';
import { analyzeInputUse, INPUT_USE_SECTION, type InputUse } from '../../src/rego/input-use.js';

function use(source: string, entrypoint = 'p/allow'): InputUse {
  const planned = compilePlan({ modules: [{ file: 'p.rego', source: `package p\nimport rego.v1\n${source}` }], entrypoints: [entrypoint] });
  if (!planned.ok) throw new Error(JSON.stringify(planned.diagnostics));
  return analyzeInputUse(planned.policy);
}

describe('rego: what a plan reads of input', () => {
  it('finds exactly the fields the shipped policy reads', () => {
    const source = readFileSync(new URL('../../policies/authz.rego', import.meta.url), 'utf8');
    const planned = compilePlan({ modules: [{ file: 'authz.rego', source }], entrypoints: ['authz/allow'] });
    assert.ok(planned.ok);
    const found = analyzeInputUse(planned.policy);
    assert.deepEqual(found.values, [['method'], ['path'], ['principal_email'], ['principal_groups'], ['principal_id'], ['scopes']]);
    assert.deepEqual(found.nondeterministic, []);
  });

  it('follows a constant header lookup through a rule that returns input.headers', () => {
    const found = use('h := input.headers\nallow if h["x-team"] == "a"');
    assert.deepEqual(found.values, [['headers', 'x-team']]);
    assert.ok(found.presence.some((p) => p.join('/') === 'headers/x-team'));
  });

  it('follows input through a function parameter', () => {
    assert.deepEqual(use('f(x) := x.claims.sub\nallow if f(input) == "u"').values, [['claims', 'sub']]);
  });

  it('cuts paths at two keys: a deeper read reads the cut path whole', () => {
    assert.deepEqual(use('allow if input.claims.a.b == 1').values, [['claims', 'a']]);
  });

  it('counts a computed key as reading the whole parent', () => {
    assert.deepEqual(use('allow if { some k in ["a", "b"]; input.headers[k] == "1" }').values, [['headers']]);
  });

  it('counts iteration as reading the whole value', () => {
    assert.deepEqual(use('allow if { some name, _ in input.headers; startswith(name, "x-") }').values, [['headers']]);
  });

  it('counts input handed to a built-in as reading the entire input', () => {
    assert.deepEqual(use('allow if count(json.marshal(input)) > 2').values, [[]]);
  });

  it('counts a value copied into input or data by with as read', () => {
    const found = use('allow if { q } with input.path as input.method\nq if input.path == "get"');
    assert.ok(found.values.some((p) => p.join('/') === 'method'));
    assert.ok(found.values.some((p) => p.join('/') === 'path'));
  });

  it('reports presence-only reads separately from value reads', () => {
    const found = use('allow if input.headers["x-flag"]');
    assert.deepEqual(found.values, [['headers', 'x-flag']]);
    const onlyDefined = use('allow if { not input.headers["x-flag"] == false }');
    assert.ok(onlyDefined.presence.some((p) => p.join('/') === 'headers/x-flag'));
  });

  it('counts values compared by a second definition of a rule as read whole', () => {
    // Two definitions may both succeed: their values are compared entirely (a conflict is an error).
    const found = use('v := input.claims if input.method == "get"\nv := input.headers if input.path == "/"\nallow if v.x == 1');
    assert.ok(found.values.some((p) => p.join('/') === 'claims'));
    assert.ok(found.values.some((p) => p.join('/') === 'headers'));
    // One definition outside any loop is assigned once per evaluation: only what is used counts.
    assert.deepEqual(use('v := input.claims\nallow if v.x == 1').values, [['claims', 'x']]);
  });

  it('marks policies that call time.now_ns as nondeterministic', () => {
    assert.deepEqual(use('allow if time.now_ns() > 0').nondeterministic, ['time.now_ns']);
  });

  it('ships the analysis in the compiled module as a custom section', async () => {
    const compiled = compileWasm({ modules: [{ file: 'p.rego', source: 'package p\nimport rego.v1\nallow if input.method == "get"' }], entrypoints: ['p/allow'] });
    assert.ok(compiled.ok);
    const section = customSection(await compileWasmModule(compiled.wasm), INPUT_USE_SECTION);
    assert.ok(section !== null);
    const parsed: unknown = JSON.parse(new TextDecoder().decode(section));
    assert.deepEqual(parsed, analyzeInputUse(compiled.plan));
  });
});
