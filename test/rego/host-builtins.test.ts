import assert from 'node:assert/strict';
import { BUILTINS } from '../../src/rego/builtins.js';
import { HOST_BUILTINS, SDK_BUILTINS } from '../../src/rego/host-builtins.js';

describe('host built-ins', () => {
  it('implements every host built-in the SDK does not ship, and nothing else', () => {
    const host = [...BUILTINS.values()].filter((b) => b.impl === 'host').map((b) => b.name);
    const needed = host.filter((name) => !SDK_BUILTINS.has(name)).sort();
    assert.deepEqual(Object.keys(HOST_BUILTINS).sort(), needed);
  });

  it('gives time.now_ns as whole nanoseconds since the epoch', () => {
    const before = Date.now() * 1_000_000;
    const now = HOST_BUILTINS['time.now_ns']?.();
    assert.equal(typeof now, 'number');
    assert.ok(Number.isInteger(now) && (now as number) >= before);
  });
});
