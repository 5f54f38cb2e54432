// A compact JWS string → its protected header, the bytes the signature covers, the signature and
// the undecoded payload segment. Only syntax is judged here; nothing is trusted yet.
import { isUtf8 } from 'node:buffer';
import { isRecord } from '../shared/is-record.js';

export interface CompactJws {
  readonly header: Readonly<Record<string, unknown>>;
  /** ASCII of `header.payload`: what the signature is computed over (RFC 7515 §5.2). */
  readonly signingInput: Buffer;
  readonly signature: Buffer;
  /** Decoded (decodeJwsPayload) only after the signature holds: a forged token costs no JSON work beyond its header. */
  readonly payloadSegment: string;
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/** base64url without padding can never leave one character over; Buffer would silently drop it. */
function isBase64UrlSegment(segment: string, allowEmpty: boolean): boolean {
  if (segment.length === 0) return allowEmpty;
  return segment.length % 4 !== 1 && SEGMENT.test(segment);
}

/** Strict JSON object from a base64url segment already checked for syntax: invalid UTF-8 is refused, not replaced. */
function decodeJsonObject(segment: string): Record<string, unknown> | null {
  const bytes = Buffer.from(segment, 'base64url');
  if (!isUtf8(bytes)) return null;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  return isRecord(value) ? value : null;
}

/** Null for anything but three base64url segments with a JSON-object header (JWE, JSON serialization, junk). */
export function decodeCompactJws(token: string): CompactJws | null {
  const firstDot = token.indexOf('.');
  if (firstDot <= 0) return null;
  const secondDot = token.indexOf('.', firstDot + 1);
  if (secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) return null;
  const payloadSegment = token.slice(firstDot + 1, secondDot);
  const signatureSegment = token.slice(secondDot + 1);
  if (!isBase64UrlSegment(payloadSegment, false) || !isBase64UrlSegment(signatureSegment, true)) return null;
  const headerSegment = token.slice(0, firstDot);
  if (!isBase64UrlSegment(headerSegment, false)) return null;
  const header = decodeJsonObject(headerSegment);
  if (header === null) return null;
  return {
    header,
    // latin1 is a byte-for-byte copy, exact for the ASCII the segments were just checked to be.
    signingInput: Buffer.from(token.slice(0, secondDot), 'latin1'),
    signature: Buffer.from(signatureSegment, 'base64url'),
    payloadSegment,
  };
}

/** The claims as a JSON object, or null when the payload is not one. */
export function decodeJwsPayload(jws: CompactJws): Record<string, unknown> | null {
  return decodeJsonObject(jws.payloadSegment);
}
