import { strict as assert } from 'node:assert';
import type { Identity } from '../../src/identity/identity.js';
import { TokenCache } from '../../src/identity/token-cache.js';

const identity = (id: string): Identity => ({
  principalId: id, email: null, groups: [], scopes: [], tokenKind: 'oidc', claims: {}, issuer: null, keyId: null, headers: [],
});

describe('identity: verified-token cache', () => {
  it('evicts the oldest entry once full, staying bounded', () => {
    const cache = new TokenCache(2);
    cache.set('a', identity('a'), 10_000, 1);
    cache.set('b', identity('b'), 10_000, 1);
    cache.set('c', identity('c'), 10_000, 1);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a', 0, 1), undefined);
    assert.equal(cache.get('c', 0, 1)?.principalId, 'c');
  });

  it('never holds more entries than its bound, whatever the bound', () => {
    for (const max of [1, 2, 3, 7, 10]) {
      const cache = new TokenCache(max);
      for (let i = 0; i < 50; i += 1) cache.set(`t${i}`, identity(`${i}`), 10_000, 1);
      assert.ok(cache.size <= max, `size ${cache.size} over ${max}`);
      assert.equal(cache.get('t49', 0, 1)?.principalId, '49');
    }
  });

  it('keeps a token in use while one-off tokens stream past', () => {
    const cache = new TokenCache(4);
    cache.set('hot', identity('hot'), 10_000, 1);
    for (let i = 0; i < 20; i += 1) {
      cache.set(`once-${i}`, identity(`${i}`), 10_000, 1);
      assert.equal(cache.get('hot', 0, 1)?.principalId, 'hot');
    }
  });

  it('forgets an entry at its exp', () => {
    const cache = new TokenCache(10);
    cache.set('a', identity('a'), 5_000, 1);
    assert.equal(cache.get('a', 4_999, 1)?.principalId, 'a');
    assert.equal(cache.get('a', 5_000, 1), undefined);
    assert.equal(cache.size, 0);
  });

  it('forgets signed-token entries when the key set changes, but not unsigned ones', () => {
    const cache = new TokenCache(10);
    cache.set('signed', identity('s'), 10_000, 1);
    cache.set('unsigned', identity('u'), 10_000, -1);
    assert.equal(cache.get('signed', 0, 2), undefined);
    assert.equal(cache.get('unsigned', 0, 2)?.principalId, 'u');
  });

  it('matches only the full token text', () => {
    const cache = new TokenCache(10);
    cache.set('aaa.bbb.ccc', identity('a'), 10_000, 1);
    assert.equal(cache.get('aaa.bbb.cc', 0, 1), undefined);
    assert.equal(cache.get('aaa.bbb.cccd', 0, 1), undefined);
  });
});
