import { strict as assert } from 'node:assert';
import { readCheckRequest } from '../../src/extauthz/read-check-request.js';

describe('extauthz: CheckRequest reading', () => {
  it('reads method, target, host and lower-cases header names from other clients', () => {
    const read = readCheckRequest({ attributes: { request: { http: { id: 'r', method: 'GET', path: '/a?b=1', host: 'h', headers: { Authorization: 'Bearer x', 'x-y': 'z' } } } } });
    assert.deepEqual(read?.request, { method: 'GET', target: '/a?b=1', host: 'h', headers: { authorization: 'Bearer x', 'x-y': 'z' }, requestId: 'r' });
  });

  it('falls back to :authority for the host', () => {
    assert.equal(readCheckRequest({ attributes: { request: { http: { method: 'GET', path: '/', headers: { ':authority': 'api' } } } } })?.request.host, 'api');
  });

  it('reads encode_raw_headers values byte for byte and merges repeated names', () => {
    const read = readCheckRequest({
      attributes: { request: { http: { method: 'GET', path: '/', header_map: { headers: [
        { key: 'X-A', raw_value: Buffer.from([0x61, 0xff]) },
        { key: 'x-a', raw_value: Buffer.from('b') },
      ] } } } },
    });
    assert.equal(read?.request.headers['x-a'], 'a\u00ff,b');
  });

  for (const [what, message] of [['no attributes', {}], ['no request', { attributes: {} }], ['no http', { attributes: { request: {} } }], ['not an object', 'x']] as const) {
    it(`treats a CheckRequest with ${what} as malformed`, () => {
      assert.equal(readCheckRequest(message), null);
    });
  }
});
