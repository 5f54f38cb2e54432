// A decoded CheckRequest (unknown, from the wire) → the pipeline's AuthzRequest, or null when the
// RPC is malformed (no HTTP attributes): only then is a gRPC error answered instead of a decision.
import type { AuthzRequest } from '../authz/decision-pipeline.js';
import { isRecord } from '../shared/is-record.js';

const UPPER = /[A-Z]/;

function field(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function readHeaders(http: Record<string, unknown>): Record<string, string> {
  const map = field(http, 'headers');
  const out: Record<string, string> = {};
  if (isRecord(map)) {
    for (const name in map) {
      const value = map[name];
      if (typeof value !== 'string' || !Object.hasOwn(map, name)) continue;
      // Envoy lower-cases names already; other clients might not.
      out[UPPER.test(name) ? name.toLowerCase() : name] = value;
    }
  }
  // encode_raw_headers: values arrive as bytes. Latin-1 keeps every byte as one character, so a
  // non-UTF-8 byte becomes a non-ASCII character that validation refuses instead of a lossy U+FFFD.
  const headerMap = field(http, 'header_map');
  if (isRecord(headerMap) && Array.isArray(headerMap['headers'])) {
    for (const entry of headerMap['headers']) {
      if (!isRecord(entry)) continue;
      const key = str(entry['key']).toLowerCase();
      if (key === '') continue;
      const raw = entry['raw_value'];
      const value = raw instanceof Uint8Array ? Buffer.from(raw).toString('latin1') : str(entry['value']);
      const previous = out[key];
      out[key] = previous === undefined ? value : `${previous},${value}`;
    }
  }
  return out;
}

export interface CheckAttributes {
  readonly request: AuthzRequest;
}

export function readCheckRequest(message: unknown): CheckAttributes | null {
  if (!isRecord(message)) return null;
  const attributes = field(message, 'attributes');
  if (!isRecord(attributes)) return null;
  const request = field(attributes, 'request');
  if (!isRecord(request)) return null;
  const http = field(request, 'http');
  if (!isRecord(http)) return null;
  const headers = readHeaders(http);
  const host = str(field(http, 'host')) || (headers[':authority'] ?? '');
  return {
    request: { method: str(field(http, 'method')), target: str(field(http, 'path')), host, headers, requestId: str(field(http, 'id')) },
  };
}
