// The wasm result set (unknown JSON) → PolicyResult, or null when it is not the shape §8 promises.
import { isRecord } from '../shared/is-record.js';
import type { PolicyResult } from './policy-engine.js';

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const HEADER_VALUE = /^[\x20-\x7e]*$/;
// Policies may add headers, but never overwrite the identity headers the server owns.
const RESERVED_PREFIX = 'x-nmp-principal-';

function stringOrNull(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : undefined;
}

export function parsePolicyResult(resultSet: unknown): PolicyResult | null {
  if (!Array.isArray(resultSet) || resultSet.length !== 1) return null;
  const first: unknown = resultSet[0];
  if (!isRecord(first)) return null;
  const result = first['result'];
  if (!isRecord(result)) return null;
  const allowed = result['allowed'];
  const reason = result['reason'];
  if (typeof allowed !== 'boolean' || typeof reason !== 'string') return null;
  const headers: Record<string, string> = {};
  const rawHeaders = result['headers'];
  if (rawHeaders !== undefined && rawHeaders !== null) {
    if (!isRecord(rawHeaders)) return null;
    for (const [name, value] of Object.entries(rawHeaders)) {
      const lower = name.toLowerCase();
      if (typeof value !== 'string' || !HEADER_NAME.test(lower) || !HEADER_VALUE.test(value)) return null;
      if (lower.startsWith(RESERVED_PREFIX) || lower === 'x-nmp-scopes' || lower === 'x-nmp-authorized') continue;
      headers[lower] = value;
    }
  }
  const endpoint = stringOrNull(result['endpoint']);
  const workspace = stringOrNull(result['workspace']);
  if (endpoint === undefined || workspace === undefined) return null;
  const rawRoles = result['roles'];
  const roles = Array.isArray(rawRoles) ? rawRoles.filter((r): r is string => typeof r === 'string') : [];
  return { allowed, reason, headers, endpoint, workspace, roles };
}
