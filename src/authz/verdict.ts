// A decision's outcome, and the one table that turns it into gRPC codes and HTTP statuses.
import type { IdentityHeader } from '../identity/identity.js';

export type Verdict =
  | {
    readonly kind: 'allow';
    readonly reason: string;
    /** Identity headers (§4.3) plus policy headers, set with overwrite semantics. */
    readonly headers: readonly IdentityHeader[];
    /** Owned headers without a value plus any other client-sent x-nmp-* header. */
    readonly headersToRemove: readonly string[];
  }
  | { readonly kind: 'unauthenticated'; readonly reason: string; readonly tokenPresented: boolean; readonly detail: string }
  | { readonly kind: 'forbidden'; readonly reason: string; readonly detail: string }
  | { readonly kind: 'bad_request'; readonly reason: string; readonly detail: string }
  | { readonly kind: 'unavailable'; readonly reason: string; readonly detail: string };

export type VerdictKind = Verdict['kind'];

/** gRPC status code (google.rpc.Code) and HTTP status per verdict kind (§5). */
export const VERDICT_STATUS: Readonly<Record<VerdictKind, { readonly grpcCode: number; readonly httpStatus: number }>> = {
  allow: { grpcCode: 0, httpStatus: 200 },
  unauthenticated: { grpcCode: 16, httpStatus: 401 },
  forbidden: { grpcCode: 7, httpStatus: 403 },
  bad_request: { grpcCode: 3, httpStatus: 400 },
  unavailable: { grpcCode: 14, httpStatus: 503 },
};

/** Every answer, on every transport, carries its decision id under this header (§5). */
export const DECISION_ID_HEADER = 'x-nmp-decision-id';
export const WWW_AUTHENTICATE = 'Bearer realm="nmp-authz"';
export const WWW_AUTHENTICATE_INVALID_TOKEN = 'Bearer realm="nmp-authz", error="invalid_token"';

const bodies = new Map<string, string>();

/** `{"detail": ...}`, memoised: details come from a small fixed set, so the JSON is built once each. */
export function denyBody(detail: string): string {
  let body = bodies.get(detail);
  if (body === undefined) {
    body = JSON.stringify({ detail });
    if (bodies.size < 1024) bodies.set(detail, body);
  }
  return body;
}
