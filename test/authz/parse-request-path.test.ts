import { strict as assert } from 'node:assert';
import { parseRequestPath } from '../../src/authz/parse-request-path.js';

describe('authz: request path parsing', () => {
  it('splits the path from a parsed, repeated-key query', () => {
    const parsed = parseRequestPath('/apis/models?limit=10&tag=a&tag=b%20c');
    if (!parsed.ok) assert.fail('refused');
    assert.equal(parsed.path, '/apis/models');
    assert.deepEqual({ ...parsed.query }, { limit: ['10'], tag: ['a', 'b c'] });
  });

  it('decodes the query like URLSearchParams, malformed escapes included', () => {
    for (const query of ['a=1&b=x+y&c=%41%42&d&=e&f=%zz&&g=1=2', '%E2%82%AC=%C3%A9', 'x=%', 'm=%41%zz+%E2%82', '']) {
      const parsed = parseRequestPath(`/p?${query}`);
      if (!parsed.ok) assert.fail(query);
      const expected: Record<string, string[]> = {};
      for (const [k, v] of new URLSearchParams(query)) (expected[k] ??= []).push(v);
      assert.deepEqual({ ...parsed.query }, expected, query);
    }
  });

  it('keeps a __proto__ query key as plain data', () => {
    const parsed = parseRequestPath('/a?__proto__=x');
    if (!parsed.ok) assert.fail('refused');
    assert.deepEqual(parsed.query['__proto__'], ['x']);
  });

  const refused = [
    'apis/models', '', '/apis/../admin', '/apis/./models', '/apis/..', '/apis/%2e%2e/admin', '/apis%2Fadmin',
    '/apis%2fadmin', '/apis\\admin', '/apis%5Cadmin', '/apis/mo dels', '/apis/\u00ffx', '/apis?q=\u0001',
  ];
  for (const target of refused) {
    it(`refuses ${JSON.stringify(target)}`, () => {
      assert.equal(parseRequestPath(target).ok, false);
    });
  }

  for (const target of ['/', '/apis/models/v2/workspaces/ml/models/a.b', '/a/..b/.c', '/apis/x?redirect=/a/../b']) {
    it(`accepts ${JSON.stringify(target)}`, () => {
      assert.equal(parseRequestPath(target).ok, true);
    });
  }
});
