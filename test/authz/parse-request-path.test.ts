import { strict as assert } from 'node:assert';
import { parseRequestPath } from '../../src/authz/parse-request-path.js';

describe('authz: request path parsing', () => {
  it('splits the path from a parsed, repeated-key query', () => {
    const parsed = parseRequestPath('/apis/models?limit=10&tag=a&tag=b%20c');
    if (!parsed.ok) assert.fail('refused');
    assert.equal(parsed.path, '/apis/models');
    assert.deepEqual({ ...parsed.query }, { limit: ['10'], tag: ['a', 'b c'] });
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
