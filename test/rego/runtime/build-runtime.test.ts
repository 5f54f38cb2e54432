import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { RUNTIME_PATH } from "./runtime-harness.js";

describe("runtime build", () => {
  it("committed runtime.wasm matches a fresh build of assembly/", async function () {
    this.timeout(180_000); // the AssemblyScript compiler and binaryen.js load slowly on a busy machine
    const url = new URL("../../../src/rego/runtime/build-runtime.mjs", import.meta.url).href;
    const mod: unknown = await import(url);
    assert.ok(mod !== null && typeof mod === "object" && "buildRuntime" in mod && typeof mod.buildRuntime === "function");
    const built: unknown = await mod.buildRuntime();
    assert.ok(built instanceof Uint8Array);
    assert.ok(Buffer.compare(Buffer.from(built), readFileSync(RUNTIME_PATH)) === 0, "runtime.wasm is stale: npm run build:runtime");
  });
});
