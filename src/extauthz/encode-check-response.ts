// A Decision → the protobuf bytes of the CheckResponse of §5, written directly: the Check method's
// responseSerialize. Going through proto-loader (fromObject + encode) cost ~10 µs per allow, a large
// share of a cached-token check. The bytes are those protobufjs writes for buildCheckResponse's
// object (the reference model in test/extauthz/support/check-response-reference.ts): fields in field-number order, and every present field written even when it holds a zero
// value (status code 0, allowed false), so a decoder sees exactly the same message.
import type { Decision } from '../authz/decision-pipeline.js';
import { DECISION_ID_HEADER, VERDICT_STATUS, WWW_AUTHENTICATE, WWW_AUTHENTICATE_INVALID_TOKEN, denyBody } from '../authz/verdict.js';
import type { IdentityHeader } from '../identity/identity.js';
import { assertNever } from '../shared/assert-never.js';

/** The fail-closed answer when the pipeline itself fails: a bug, not a decision. */
export const INTERNAL_ERROR_REASON = 'internal_error';
export const INTERNAL_ERROR_BODY = '{"detail":"Authorization failed."}';

/** What the Check handler hands to gRPC: a decision, or the fail-closed answer to a pipeline bug. */
export type CheckReply =
  | { readonly kind: 'decision'; readonly decision: Decision }
  | { readonly kind: 'internal_error' };

// Field numbers, from proto/envoy/service/auth/v3/external_auth.proto and the files it imports.
const CHECK_RESPONSE_STATUS = 1; // google.rpc.Status
const CHECK_RESPONSE_DENIED = 2; // DeniedHttpResponse (oneof http_response)
const CHECK_RESPONSE_OK = 3; // OkHttpResponse (oneof http_response)
const CHECK_RESPONSE_METADATA = 4; // google.protobuf.Struct
const STATUS_CODE = 1;
const STATUS_MESSAGE = 2;
const OK_HEADERS = 2;
const OK_HEADERS_TO_REMOVE = 5;
const OK_RESPONSE_HEADERS_TO_ADD = 6;
const DENIED_STATUS = 1; // envoy.type.v3.HttpStatus
const DENIED_HEADERS = 2;
const DENIED_BODY = 3;
const HTTP_STATUS_CODE = 1;
const OPTION_HEADER = 1; // envoy.config.core.v3.HeaderValue
const OPTION_APPEND_ACTION = 3;
const HEADER_KEY = 1;
const HEADER_VALUE = 2;
const STRUCT_FIELDS = 1; // map<string, Value>: entries {key = 1, value = 2}
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;
const VALUE_NULL = 1;
const VALUE_STRING = 3;
const VALUE_BOOL = 4;

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const OVERWRITE_IF_EXISTS_OR_ADD = 2;
// Beyond this many UTF-16 units a string's UTF-8 length might not fit the one byte reserved for it.
const SHORT_STRING = 42;

/**
 * One reusable scratch buffer: encoding is synchronous, so no two encodings interleave. A length-
 * delimited field reserves one length byte and moves its content in the rare case it needs more.
 */
class WireWriter {
  private buf = Buffer.allocUnsafe(4096);
  private pos = 0;

  reset(): void {
    this.pos = 0;
  }

  /** A copy of the bytes written: the scratch buffer is overwritten by the next encoding. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** Unsigned 32-bit values only: every number here is a field key, length, code or enum ≥ 0. */
  varint(value: number): void {
    this.ensure(5);
    let v = value >>> 0;
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  key(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  uint(field: number, value: number): void {
    this.key(field, VARINT);
    this.varint(value);
  }

  bool(field: number, value: boolean): void {
    this.key(field, VARINT);
    this.varint(value ? 1 : 0);
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  string(field: number, value: string): void {
    this.key(field, LENGTH_DELIMITED);
    if (value.length <= SHORT_STRING && this.writeShortAscii(value)) return;
    const length = Buffer.byteLength(value, 'utf8');
    this.varint(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, length, 'utf8');
  }

  /** ASCII is nearly every string here, and a loop beats a native call for a few dozen bytes. */
  private writeShortAscii(value: string): boolean {
    this.ensure(value.length + 1);
    const buf = this.buf;
    const start = this.pos;
    buf[start] = value.length;
    for (let i = 0; i < value.length; i += 1) {
      const c = value.charCodeAt(i);
      if (c > 0x7f) return false; // nothing committed: pos still points at the length byte
      buf[start + 1 + i] = c;
    }
    this.pos = start + 1 + value.length;
    return true;
  }

  /** Starts a length-delimited submessage; pass the result to end(). */
  begin(field: number): number {
    this.key(field, LENGTH_DELIMITED);
    this.ensure(1);
    return this.pos++;
  }

  end(start: number): void {
    const length = this.pos - start - 1;
    if (length < 0x80) {
      this.buf[start] = length;
      return;
    }
    let extra = 0;
    for (let v = length >>> 7; v > 0; v >>>= 7) extra += 1;
    this.ensure(extra);
    this.buf.copy(this.buf, start + 1 + extra, start + 1, this.pos);
    const end = this.pos + extra;
    this.pos = start;
    this.varint(length);
    this.pos = end;
  }

  /** The bytes written since `start`, as a standalone copy (for cached fragments). */
  sliceFrom(start: number): Buffer {
    return Buffer.from(this.buf.subarray(start, this.pos));
  }
}

const writer = new WireWriter();

function writeHeaderOption(w: WireWriter, field: number, key: string, value: string): void {
  const option = w.begin(field);
  const header = w.begin(OPTION_HEADER);
  w.string(HEADER_KEY, key);
  w.string(HEADER_VALUE, value);
  w.end(header);
  w.uint(OPTION_APPEND_ACTION, OVERWRITE_IF_EXISTS_OR_ADD);
  w.end(option);
}

// Identity header arrays are shared by every request of a cached token, so their encoded options
// are too.
const identityOptionCache = new WeakMap<readonly IdentityHeader[], Buffer>();

function identityOptions(headers: readonly IdentityHeader[]): Buffer {
  let bytes = identityOptionCache.get(headers);
  if (bytes === undefined) {
    const scratch = new WireWriter();
    for (const h of headers) writeHeaderOption(scratch, OK_HEADERS, h.name, h.value);
    bytes = scratch.sliceFrom(0);
    identityOptionCache.set(headers, bytes);
  }
  return bytes;
}

function fragment(write: (w: WireWriter) => void): Buffer {
  const w = new WireWriter();
  write(w);
  return w.sliceFrom(0);
}

// Constant pieces of every denial, encoded once.
const CONTENT_TYPE_JSON = fragment((w) => { writeHeaderOption(w, DENIED_HEADERS, 'content-type', 'application/json'); });
const CHALLENGE = fragment((w) => { writeHeaderOption(w, DENIED_HEADERS, 'www-authenticate', WWW_AUTHENTICATE); });
const CHALLENGE_INVALID_TOKEN = fragment((w) => {
  writeHeaderOption(w, DENIED_HEADERS, 'www-authenticate', WWW_AUTHENTICATE_INVALID_TOKEN);
});

function writeStatus(w: WireWriter, code: number, message: string | null): void {
  const status = w.begin(CHECK_RESPONSE_STATUS);
  w.uint(STATUS_CODE, code);
  if (message !== null) w.string(STATUS_MESSAGE, message);
  w.end(status);
}

function writeTextEntry(w: WireWriter, key: string, value: string | null): void {
  const entry = w.begin(STRUCT_FIELDS);
  w.string(ENTRY_KEY, key);
  const v = w.begin(ENTRY_VALUE);
  if (value === null) w.uint(VALUE_NULL, 0);
  else w.string(VALUE_STRING, value);
  w.end(v);
  w.end(entry);
}

/** Same entries and order as the reference model's dynamic_metadata. */
function writeMetadata(w: WireWriter, decision: Decision): void {
  const { verdict } = decision;
  const struct = w.begin(CHECK_RESPONSE_METADATA);
  writeTextEntry(w, 'decision_id', decision.id);
  writeTextEntry(w, 'principal_id', decision.identity?.principalId ?? null);
  writeTextEntry(w, 'workspace', decision.policy?.workspace ?? null);
  writeTextEntry(w, 'reason', verdict.reason);
  const entry = w.begin(STRUCT_FIELDS);
  w.string(ENTRY_KEY, 'allowed');
  const v = w.begin(ENTRY_VALUE);
  w.bool(VALUE_BOOL, verdict.kind === 'allow');
  w.end(v);
  w.end(entry);
  w.end(struct);
}

function writeDecision(w: WireWriter, decision: Decision): void {
  const { verdict } = decision;
  const { grpcCode, httpStatus } = VERDICT_STATUS[verdict.kind];
  switch (verdict.kind) {
    case 'allow': {
      writeStatus(w, grpcCode, null);
      const ok = w.begin(CHECK_RESPONSE_OK);
      w.raw(identityOptions(verdict.headers));
      writeHeaderOption(w, OK_HEADERS, DECISION_ID_HEADER, decision.id);
      for (const name of verdict.headersToRemove) w.string(OK_HEADERS_TO_REMOVE, name);
      writeHeaderOption(w, OK_RESPONSE_HEADERS_TO_ADD, DECISION_ID_HEADER, decision.id);
      w.end(ok);
      break;
    }
    case 'unauthenticated':
    case 'forbidden':
    case 'bad_request':
    case 'unavailable': {
      writeStatus(w, grpcCode, verdict.reason);
      const denied = w.begin(CHECK_RESPONSE_DENIED);
      const status = w.begin(DENIED_STATUS);
      w.uint(HTTP_STATUS_CODE, httpStatus);
      w.end(status);
      w.raw(CONTENT_TYPE_JSON);
      writeHeaderOption(w, DENIED_HEADERS, DECISION_ID_HEADER, decision.id);
      if (verdict.kind === 'unauthenticated') w.raw(verdict.tokenPresented ? CHALLENGE_INVALID_TOKEN : CHALLENGE);
      w.string(DENIED_BODY, denyBody(verdict.detail));
      w.end(denied);
      break;
    }
    default:
      assertNever(verdict);
  }
  writeMetadata(w, decision);
}

const INTERNAL_ERROR = fragment((w) => {
  writeStatus(w, VERDICT_STATUS.unavailable.grpcCode, INTERNAL_ERROR_REASON);
  const denied = w.begin(CHECK_RESPONSE_DENIED);
  const status = w.begin(DENIED_STATUS);
  w.uint(HTTP_STATUS_CODE, VERDICT_STATUS.unavailable.httpStatus);
  w.end(status);
  w.string(DENIED_BODY, INTERNAL_ERROR_BODY);
  w.end(denied);
});

export function encodeCheckResponse(reply: CheckReply): Buffer {
  switch (reply.kind) {
    case 'decision':
      writer.reset();
      writeDecision(writer, reply.decision);
      return writer.finish();
    case 'internal_error':
      return Buffer.from(INTERNAL_ERROR);
    default:
      return assertNever(reply);
  }
}
