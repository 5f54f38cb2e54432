// Gzipped ustar archives: a deterministic writer for bundles and a defensive reader for bundles that
// arrive from outside (size limits, only regular files, no absolute or `..` paths, no duplicates).
import { gunzipSync, gzipSync } from 'node:zlib';

export interface TarEntry {
  /** Slash-separated path inside the archive, without a leading `/` (`policy.wasm`, `a/b/data.json`). */
  readonly path: string;
  readonly data: Uint8Array;
}

export interface TarLimits {
  readonly maxUnpackedBytes: number;
  readonly maxEntries: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = { maxUnpackedBytes: 256 * 1024 * 1024, maxEntries: 10_000 };

export type TarErrorCode = 'tar_malformed' | 'tar_too_large' | 'tar_unsafe_path' | 'tar_unsupported_entry' | 'tar_duplicate_entry';

export type ReadTarResult =
  | { readonly ok: true; readonly entries: readonly TarEntry[] }
  | { readonly ok: false; readonly code: TarErrorCode; readonly message: string };

const BLOCK = 512;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function writeTarGz(entries: readonly TarEntry[], mtimeSeconds = 0): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const e of entries) {
    const path = normalizeEntryPath(e.path);
    if (path === undefined) throw new RangeError(`unsafe archive path ${JSON.stringify(e.path)}`);
    chunks.push(header(path, e.data.length, mtimeSeconds));
    chunks.push(e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad > 0) chunks.push(new Uint8Array(pad));
  }
  chunks.push(new Uint8Array(BLOCK * 2));
  return new Uint8Array(gzipSync(Buffer.concat(chunks)));
}

function header(path: string, size: number, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  // Bundles list their files as absolute archive paths, like OPA's (`/policy.wasm`).
  const full = enc.encode(`/${path}`);
  let name = full;
  let prefix = new Uint8Array(0);
  if (full.length > 100) {
    const cut = full.lastIndexOf(0x2f, 155);
    if (cut <= 0 || full.length - cut - 1 > 100) throw new RangeError(`archive path too long: ${path}`);
    prefix = full.subarray(0, cut);
    name = full.subarray(cut + 1);
  }
  h.set(name, 0);
  writeOctal(h, 100, 8, 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156);
  h[156] = 0x30; // regular file
  h.set(enc.encode('ustar\u000000'), 257);
  h.set(prefix, 345);
  let sum = 0;
  for (const b of h) sum += b;
  writeOctal(h, 148, 7, sum);
  h[155] = 0x20;
  return h;
}

function writeOctal(h: Uint8Array, offset: number, width: number, value: number): void {
  const text = value.toString(8).padStart(width - 1, '0');
  if (text.length > width - 1) throw new RangeError('value too large for a tar header');
  h.set(enc.encode(text), offset);
  h[offset + width - 1] = 0;
}

/** A safe relative path, or undefined for absolute-escaping, `..`, empty or control-character paths. */
export function normalizeEntryPath(raw: string): string | undefined {
  if (raw.includes('\0') || raw.includes('\\') || /[\u0000-\u001f]/.test(raw)) return undefined;
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..')) return undefined;
  return parts.join('/');
}

export function readTarGz(bytes: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS): ReadTarResult {
  let tar: Uint8Array;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: limits.maxUnpackedBytes + BLOCK * 4 });
  } catch (e) {
    const tooLarge = e instanceof RangeError || (e instanceof Error && 'code' in e && e.code === 'ERR_BUFFER_TOO_LARGE');
    return tooLarge
      ? { ok: false, code: 'tar_too_large', message: `archive unpacks to more than ${limits.maxUnpackedBytes} bytes` }
      : { ok: false, code: 'tar_malformed', message: 'not a gzip stream' };
  }
  return readTar(tar, limits);
}

export function readTar(tar: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS): ReadTarResult {
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  let pos = 0;
  let paxPath: string | undefined;
  const fail = (code: TarErrorCode, message: string): ReadTarResult => ({ ok: false, code, message });
  while (pos + BLOCK <= tar.length) {
    const h = tar.subarray(pos, pos + BLOCK);
    if (h.every((b) => b === 0)) return { ok: true, entries };
    if (!checksumOk(h)) return fail('tar_malformed', `bad header checksum at byte ${pos}`);
    const size = readOctal(h, 124, 12);
    if (size === undefined) return fail('tar_malformed', `bad size field at byte ${pos}`);
    const type = h[156] ?? 0;
    const dataStart = pos + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) return fail('tar_malformed', 'entry runs past the end of the archive');
    total += size;
    if (total > limits.maxUnpackedBytes) return fail('tar_too_large', `archive holds more than ${limits.maxUnpackedBytes} bytes`);
    const data = tar.subarray(dataStart, dataEnd);
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    let name: string;
    try {
      const prefix = cString(h.subarray(345, 500));
      const base = cString(h.subarray(0, 100));
      name = paxPath ?? (prefix !== '' && isUstar(h) ? `${prefix}/${base}` : base);
    } catch {
      return fail('tar_malformed', 'entry name is not UTF-8');
    }
    switch (type) {
      case 0x78: { // PAX extended header for the next entry
        const parsed = paxPathOf(data);
        if (parsed === null) return fail('tar_malformed', 'bad PAX header');
        paxPath = parsed;
        continue;
      }
      case 0x67: // global PAX header: nothing in it matters for bundles
        continue;
      case 0x4c: { // GNU long name for the next entry (GNU tar's default format)
        try {
          paxPath = cString(data);
        } catch {
          return fail('tar_malformed', 'long name is not UTF-8');
        }
        continue;
      }
      case 0x35: // directory
        paxPath = undefined;
        continue;
      case 0x30: case 0x00: {
        paxPath = undefined;
        const path = normalizeEntryPath(name);
        if (path === undefined) return fail('tar_unsafe_path', `unsafe entry path ${JSON.stringify(name)}`);
        if (seen.has(path)) return fail('tar_duplicate_entry', `duplicate entry ${path}`);
        seen.add(path);
        if (entries.length >= limits.maxEntries) return fail('tar_too_large', `more than ${limits.maxEntries} entries`);
        entries.push({ path, data: data.slice() });
        continue;
      }
      default:
        return fail('tar_unsupported_entry', `entry ${JSON.stringify(name)} is not a regular file (type ${String.fromCharCode(type)})`);
    }
  }
  // Archives written by some tools end without the two zero blocks; accept a clean end of data.
  if (pos === tar.length) return { ok: true, entries };
  return fail('tar_malformed', 'truncated archive');
}

function isUstar(h: Uint8Array): boolean {
  return h[257] === 0x75 && h[258] === 0x73 && h[259] === 0x74 && h[260] === 0x61 && h[261] === 0x72;
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return dec.decode(end < 0 ? b : b.subarray(0, end));
}

function readOctal(h: Uint8Array, offset: number, width: number): number | undefined {
  const text = new TextDecoder().decode(h.subarray(offset, offset + width)).replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]{1,11}$/.test(text)) return text === '' ? 0 : undefined;
  return parseInt(text, 8);
}

function checksumOk(h: Uint8Array): boolean {
  const stored = readOctal(h, 148, 8);
  if (stored === undefined) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] as number);
  return sum === stored;
}

/** The `path` record of a PAX header, undefined when it has none, null when malformed. */
function paxPathOf(data: Uint8Array): string | undefined | null {
  let path: string | undefined;
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) return null;
    const len = Number(new TextDecoder().decode(data.subarray(i, space)));
    if (!Number.isSafeInteger(len) || len <= space - i + 1 || i + len > data.length) return null;
    let body: string;
    try {
      body = dec.decode(data.subarray(space + 1, i + len));
    } catch {
      return null;
    }
    if (body.endsWith('\n')) body = body.slice(0, -1);
    const eq = body.indexOf('=');
    if (eq < 0) return null;
    if (body.slice(0, eq) === 'path') path = body.slice(eq + 1);
    i += len;
  }
  return path;
}
