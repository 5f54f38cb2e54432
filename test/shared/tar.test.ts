import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { readTar, readTarGz, writeTarGz } from '../../src/shared/tar.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A raw ustar header with a correct checksum, for building archives the writer would refuse. */
function rawHeader(name: string, size: number, type = '0'): Uint8Array {
  const h = new Uint8Array(512);
  h.set(text(name), 0);
  h.set(text('0000644\0'), 100);
  h.set(text(size.toString(8).padStart(11, '0') + '\0'), 124);
  h.set(text('00000000000\0'), 136);
  h.fill(0x20, 148, 156);
  h[156] = type.charCodeAt(0);
  h.set(text('ustar\u000000'), 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.set(text(sum.toString(8).padStart(6, '0') + '\0 '), 148);
  return h;
}

function archive(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat([...parts, new Uint8Array(1024)]);
}

function file(name: string, body: string, type = '0'): Uint8Array {
  const data = text(body);
  const pad = new Uint8Array((512 - (data.length % 512)) % 512);
  return Buffer.concat([rawHeader(name, data.length, type), data, pad]);
}

describe('tar', () => {
  it('round-trips files, including empty ones and long nested paths', () => {
    const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/data.json`;
    const entries = [
      { path: 'policy.wasm', data: new Uint8Array([0, 97, 115, 109]) },
      { path: '.manifest', data: new Uint8Array(0) },
      { path: long, data: text('{"a":1}') },
    ];
    const res = readTarGz(writeTarGz(entries));
    assert.ok(res.ok);
    assert.deepEqual(res.entries.map((e) => [e.path, Buffer.from(e.data).toString('hex')]), entries.map((e) => [e.path, Buffer.from(e.data).toString('hex')]));
  });

  it('writes the same bytes for the same input', () => {
    const entries = [{ path: 'data.json', data: text('{}') }];
    assert.deepEqual(Buffer.from(writeTarGz(entries)), Buffer.from(writeTarGz(entries)));
  });

  it('refuses to write a path that climbs out of the archive', () => {
    assert.throws(() => writeTarGz([{ path: '../etc/passwd', data: new Uint8Array() }]), RangeError);
  });

  for (const name of ['../escape.rego', 'a/../../b', '/../x', 'a\\b']) {
    it(`rejects the entry path ${JSON.stringify(name)} with tar_unsafe_path`, () => {
      const res = readTar(archive(file(name, 'x')));
      assert.ok(!res.ok);
      assert.equal(res.code, 'tar_unsafe_path');
    });
  }

  it('reads absolute entry paths as relative to the bundle root', () => {
    const res = readTar(archive(file('/data.json', '{}'), file('./x/y.rego', 'package x')));
    assert.ok(res.ok);
    assert.deepEqual(res.entries.map((e) => e.path), ['data.json', 'x/y.rego']);
  });

  it('rejects symbolic links and hard links', () => {
    for (const type of ['1', '2']) {
      const res = readTar(archive(file('link', '', type)));
      assert.ok(!res.ok);
      assert.equal(res.code, 'tar_unsupported_entry');
    }
  });

  it('rejects two entries with the same path', () => {
    const res = readTar(archive(file('data.json', '{}'), file('/data.json', '{}')));
    assert.ok(!res.ok);
    assert.equal(res.code, 'tar_duplicate_entry');
  });

  it('rejects a corrupted header checksum', () => {
    const bytes = archive(file('data.json', '{}'));
    bytes[0] = 0x78;
    const res = readTar(bytes);
    assert.ok(!res.ok);
    assert.equal(res.code, 'tar_malformed');
  });

  it('rejects an entry whose size runs past the archive', () => {
    const res = readTar(Buffer.concat([rawHeader('big', 1 << 20), new Uint8Array(512)]));
    assert.ok(!res.ok);
    assert.equal(res.code, 'tar_malformed');
  });

  it('stops at the unpacked size limit before inflating a gzip bomb', () => {
    const bomb = gzipSync(archive(file('zeros', '\0'.repeat(4 << 20))));
    const res = readTarGz(bomb, { maxUnpackedBytes: 1 << 20, maxEntries: 10 });
    assert.ok(!res.ok);
    assert.equal(res.code, 'tar_too_large');
  });

  it('stops at the entry count limit', () => {
    const res = readTar(archive(file('a', '1'), file('b', '2'), file('c', '3')), { maxUnpackedBytes: 1 << 20, maxEntries: 2 });
    assert.ok(!res.ok);
    assert.equal(res.code, 'tar_too_large');
  });

  it('rejects bytes that are not gzip', () => {
    const res = readTarGz(text('plain text'));
    assert.ok(!res.ok);
    assert.equal(res.code, 'tar_malformed');
  });

  it('takes the entry name from a GNU long-name entry', () => {
    const path = `${'g'.repeat(130)}/data.json`;
    const res = readTar(archive(file('././@LongLink', `${path}\0`, 'L'), file('trunc', '{}')));
    assert.ok(res.ok);
    assert.deepEqual(res.entries.map((e) => e.path), [path]);
  });

  it('applies the long-name check for path traversal too', () => {
    const res = readTar(archive(file('././@LongLink', '../../etc/passwd\0', 'L'), file('ok', 'x')));
    assert.ok(!res.ok);
    assert.equal(res.code, 'tar_unsafe_path');
  });

  it('takes the entry name from a PAX header', () => {
    const path = `${'p'.repeat(120)}/data.json`;
    const record = ` path=${path}\n`;
    let len = record.length;
    len += String(len + String(len).length).length;
    const pax = `${len}${record}`;
    const res = readTar(archive(file('PaxHeader', pax, 'x'), file('short', '{}')));
    assert.ok(res.ok);
    assert.deepEqual(res.entries.map((e) => e.path), [path]);
  });
});
