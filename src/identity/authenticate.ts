// Request headers → who is calling: the identity stage of the decision pipeline.
import type { RequestHeaders } from './extract-credential.js';
import { extractCredential } from './extract-credential.js';
import type { Identity, IdentityError } from './identity.js';
import type { TokenVerifier } from './verify-token.js';
import { assertNever } from '../shared/assert-never.js';

export type AuthOutcome =
  | { readonly kind: 'authenticated'; readonly identity: Identity }
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'rejected'; readonly error: IdentityError; readonly tokenPresented: boolean };

export class Authenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly opts: { readonly trustPrincipalHeaders: boolean },
  ) {}

  async authenticate(headers: RequestHeaders): Promise<AuthOutcome> {
    const credential = extractCredential(headers, this.opts);
    switch (credential.kind) {
      case 'none':
        return { kind: 'anonymous' };
      case 'invalid':
        return { kind: 'rejected', error: credential.error, tokenPresented: credential.tokenPresented };
      case 'principal_headers':
        return { kind: 'authenticated', identity: credential.identity };
      case 'bearer': {
        const result = await this.verifier.verify(credential.token);
        return result.ok
          ? { kind: 'authenticated', identity: result.identity }
          : { kind: 'rejected', error: result.error, tokenPresented: true };
      }
      default:
        return assertNever(credential);
    }
  }
}
