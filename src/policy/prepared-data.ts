// A data document already serialised to JSON bytes, ready for the SDK's setData(ArrayBuffer): the
// form in which the data worker hands a large assembled document to the main thread (the buffer is
// transferred, not copied), leaving the main thread only the copy into wasm memory and its parse.
import { isRecord } from '../shared/is-record.js';

export interface PreparedData {
  readonly kind: 'prepared';
  readonly json: Uint8Array;
}

export function prepareData(data: object): PreparedData {
  return { kind: 'prepared', json: new TextEncoder().encode(JSON.stringify(data)) };
}

export function isPreparedData(value: unknown): value is PreparedData {
  return isRecord(value) && value['kind'] === 'prepared' && value['json'] instanceof Uint8Array;
}

/** The bytes as an ArrayBuffer of exactly their length, which is what the SDK's setData takes. */
export function preparedBuffer(data: PreparedData): ArrayBuffer {
  const { json } = data;
  if (json.byteOffset === 0 && json.byteLength === json.buffer.byteLength && json.buffer instanceof ArrayBuffer) return json.buffer;
  return json.slice().buffer;
}
