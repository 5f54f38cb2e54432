// Hand-made compact JWS for tests that need what a JWT library refuses to produce: DER ECDSA
// signatures, `crit` headers, PSS signatures from a key published for PKCS#1, and the like.
import { KeyObject, constants, sign } from 'node:crypto';
import type { TestKey } from '../../integration/support/key-server.js';

const segment = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

export function privateKeyOf(key: TestKey): KeyObject {
  return KeyObject.from(key.privateKey);
}

export type RawSigner = (signingInput: Buffer) => Buffer;

export const signers = {
  rs256: (key: KeyObject): RawSigner => (input) => sign('sha256', input, key),
  ps256: (key: KeyObject): RawSigner => (input) => sign('sha256', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }),
  es256: (key: KeyObject): RawSigner => (input) => sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' }),
  /** What `crypto.sign` gives by default for EC keys: valid ECDSA, but not a JWS signature. */
  es256Der: (key: KeyObject): RawSigner => (input) => sign('sha256', input, key),
};

export function signCompactJws(header: Readonly<Record<string, unknown>>, payload: unknown, signer: RawSigner): string {
  const input = `${segment(header)}.${segment(payload)}`;
  return `${input}.${signer(Buffer.from(input, 'ascii')).toString('base64url')}`;
}
