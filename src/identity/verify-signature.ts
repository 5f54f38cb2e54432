// (algorithm, public key, signing input, signature) → whether the signature holds, synchronously
// with node:crypto: no WebCrypto promise round trip on the per-request path.
import { constants, verify, type KeyObject } from 'node:crypto';
import type { JwsAlgorithm } from '../config/config.js';
import { ALGORITHM_SPECS } from './signing-key-set.js';

export function verifySignature(alg: JwsAlgorithm, key: KeyObject, signingInput: Buffer, signature: Buffer): boolean {
  const spec = ALGORITHM_SPECS[alg];
  // A DER-encoded ECDSA signature (or any other length) is not a JWS signature: refuse before OpenSSL sees it.
  if (spec.signatureLength !== null && signature.length !== spec.signatureLength) return false;
  try {
    switch (spec.kty) {
      case 'RSA':
        return spec.padding === 'pss'
          ? verify(spec.digest, signingInput, {
            key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            // RFC 7518 §3.5: the salt is as long as the digest.
            saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
          }, signature)
          : verify(spec.digest, signingInput, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'EC':
        return verify(spec.digest, signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'OKP':
        return verify(null, signingInput, key, signature);
      default: {
        const never: never = spec.kty;
        return never;
      }
    }
  } catch {
    // OpenSSL throws for malformed signatures on some key types; that is a failed check, not a crash.
    return false;
  }
}
