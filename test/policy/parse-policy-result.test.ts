import { strict as assert } from 'node:assert';
import { parsePolicyResult } from '../../src/policy/parse-policy-result.js';

const ok = { allowed: true, reason: 'role', headers: { 'X-Team': 'blue' }, endpoint: '/a', workspace: 'w', roles: ['Viewer', 7] };

describe('policy: result narrowing', () => {
  it('reads the §8 result shape, lower-casing header names and dropping non-string roles', () => {
    assert.deepEqual(parsePolicyResult([{ result: ok }]), { allowed: true, reason: 'role', headers: { 'x-team': 'blue' }, endpoint: '/a', workspace: 'w', roles: ['Viewer'] });
  });

  it('never lets the policy set the identity headers the server owns', () => {
    const r = parsePolicyResult([{ result: { ...ok, headers: { 'x-nmp-principal-id': 'root', 'x-nmp-authorized': 'true', 'x-nmp-workspace': 'w' } } }]);
    assert.deepEqual(r?.headers, { 'x-nmp-workspace': 'w' });
  });

  const bad: ReadonlyArray<readonly [string, unknown]> = [
    ['an undefined entrypoint (empty result set)', []],
    ['a non-boolean allowed', [{ result: { ...ok, allowed: 'yes' } }]],
    ['a missing reason', [{ result: { allowed: true } }]],
    ['a header value with a newline', [{ result: { ...ok, headers: { a: 'x\ny' } } }]],
    ['a numeric endpoint', [{ result: { ...ok, endpoint: 3 } }]],
    ['not a result set', { result: ok }],
  ];
  for (const [what, value] of bad) {
    it(`rejects ${what}`, () => {
      assert.equal(parsePolicyResult(value), null);
    });
  }
});
