import { strict as assert } from "node:assert";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { linkTestPolicy } from "./link-test-policy.js";

function roleBindingData(principals: number): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  for (let i = 0; i < principals; i++) {
    p[`user-${i}@example.com`] = {
      workspaces: { [`ws-${i % 300}`]: ["Editor", "Viewer"], system: ["Viewer"], [`team-${i % 17}`]: ["Admin"] },
    };
  }
  return { authz: { principals: p } };
}

describe("runtime under the real @open-policy-agent/opa-wasm SDK", () => {
  let wasm: Uint8Array = new Uint8Array();
  before(async function () {
    // loading binaryen.js alone takes ~10 s on a busy 2-core machine
    this.timeout(180_000);
    wasm = await linkTestPolicy();
  });

  it("evaluates on the fast path with data set through the SDK", async () => {
    const policy = await loadPolicy(wasm);
    policy.setData({ authz: { principals: { alice: {} } } });
    assert.deepEqual(policy.evaluate({ user: "alice" }), [{ result: true }]);
    assert.deepEqual(policy.evaluate({ user: "bob" }), [{ result: false }]);
    assert.deepEqual(policy.evaluate({ user: "alice" }, "test/allow"), [{ result: true }]);
  });

  it("keeps data intact across many evaluations that reuse the heap", async () => {
    const policy = await loadPolicy(wasm);
    policy.setData({ authz: { principals: { alice: {}, carol: {} } } });
    for (let i = 0; i < 2000; i++) {
      const user = i % 2 === 0 ? "alice" : `x${i}-${"y".repeat(i % 50)}`;
      assert.deepEqual(policy.evaluate({ user, pad: "z".repeat(i % 300) }), [{ result: i % 2 === 0 }]);
    }
    assert.deepEqual(policy.evaluate({ user: "carol" }), [{ result: true }]);
  });

  it("sets 6 MB of role-binding data and evaluates within bounds that catch regressions", async function () {
    this.timeout(60_000);
    const data = roleBindingData(60_000);
    const policy = await loadPolicy(wasm);
    const t0 = performance.now();
    policy.setData(data);
    const setDataMs = performance.now() - t0;
    // ≈ 220 ms (≈ 80 ms of it the parse) and ≈ 5 µs per call on an idle 2-core machine; the bounds
    // leave room for a loaded CI host while still catching an order-of-magnitude regression
    assert.ok(setDataMs < 3000, `setData took ${setDataMs.toFixed(0)} ms`);
    const input = { user: "user-59999@example.com", method: "get", path: "/apis/models/v2/workspaces/ws-1/models" };
    assert.deepEqual(policy.evaluate(input), [{ result: true }]);
    const n = 20_000;
    const t1 = performance.now();
    for (let i = 0; i < n; i++) policy.evaluate(input);
    const perEvalUs = ((performance.now() - t1) * 1000) / n;
    assert.ok(perEvalUs < 200, `evaluate took ${perEvalUs.toFixed(1)} µs`);
    if (process.env["NMP_RUNTIME_BENCH"]) console.log(`setData ${setDataMs.toFixed(0)} ms; evaluate ${perEvalUs.toFixed(2)} µs`);
  });
});
