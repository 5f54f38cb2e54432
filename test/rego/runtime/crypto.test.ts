import { strict as assert } from "node:assert";
import { createHash, createHmac } from "node:crypto";
import { loadRuntime } from "./runtime-harness.js";

describe("runtime crypto built-ins against node:crypto", () => {
  const rt = loadRuntime();
  const call = (name: string, ...args: string[]): unknown => {
    const base = rt.heapPtr();
    const r = rt.call(`opa_bi_crypto_${name}`, ...args.map((a) => rt.str(a)));
    const out: unknown = r === 0 ? undefined : JSON.parse(rt.dump(r));
    rt.setHeapPtr(base);
    return out;
  };
  // lengths around the padding and block boundaries of 64- and 128-byte blocks, plus UTF-8
  const inputs = [0, 1, 3, 55, 56, 57, 63, 64, 65, 111, 112, 113, 127, 128, 129, 200, 1000]
    .map((n) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join(""))
    .concat(["h\u00e9llo w\u00f6rld \u{1F600}"]);
  const algs = ["md5", "sha1", "sha256", "sha512"] as const;

  for (const alg of algs) {
    it(`computes ${alg} digests as lowercase hex`, () => {
      for (const s of inputs) assert.equal(call(alg, s), createHash(alg).update(s, "utf8").digest("hex"), `${alg} of ${s.length} chars`);
    });
    it(`computes hmac.${alg} for short and block-exceeding keys`, () => {
      for (const key of ["", "k", "secret-key", "x".repeat(64), "y".repeat(129)]) {
        for (const s of inputs.slice(0, 8)) {
          assert.equal(call(`hmac_${alg}`, s, key), createHmac(alg, key).update(s, "utf8").digest("hex"), `hmac.${alg} key ${key.length}`);
        }
      }
    });
  }

  it("compares MACs for equality", () => {
    assert.equal(call("hmac_equal", "abc", "abc"), true);
    assert.equal(call("hmac_equal", "abc", "abd"), false);
    assert.equal(call("hmac_equal", "abc", "ab"), false);
  });
});
