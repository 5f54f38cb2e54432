// A Decision → the CheckResponse message of §5 as a plain object (proto-loader keepCase shape): the
// reference that encode-check-response.ts, which the server uses, must encode identically.
import type { Decision } from '../authz/decision-pipeline.js';
import { VERDICT_STATUS, WWW_AUTHENTICATE, WWW_AUTHENTICATE_INVALID_TOKEN, denyBody } from '../authz/verdict.js';
import type { IdentityHeader } from '../identity/identity.js';
import { assertNever } from '../shared/assert-never.js';

const OVERWRITE_IF_EXISTS_OR_ADD = 2;
export const DECISION_ID_HEADER = 'x-nmp-decision-id';
/** The fail-closed answer when the pipeline itself fails: a bug, not a decision. */
export const INTERNAL_ERROR_REASON = 'internal_error';
export const INTERNAL_ERROR_BODY = '{"detail":"Authorization failed."}';

interface HeaderValueOption {
  readonly header: { readonly key: string; readonly value: string };
  readonly append_action: number;
}

function option(key: string, value: string): HeaderValueOption {
  return { header: { key, value }, append_action: OVERWRITE_IF_EXISTS_OR_ADD };
}

// Built once: these never vary between denials.
const CONTENT_TYPE_JSON = option('content-type', 'application/json');
const CHALLENGE = option('www-authenticate', WWW_AUTHENTICATE);
const CHALLENGE_INVALID_TOKEN = option('www-authenticate', WWW_AUTHENTICATE_INVALID_TOKEN);
const optionCache = new WeakMap<readonly IdentityHeader[], HeaderValueOption[]>();

/** Identity header arrays are shared by every request of a cached token, so their options are too. */
function headerOptions(headers: readonly IdentityHeader[]): HeaderValueOption[] {
  let options = optionCache.get(headers);
  if (options === undefined) {
    options = headers.map((h) => option(h.name, h.value));
    optionCache.set(headers, options);
  }
  return options;
}

type StructValue = { readonly stringValue: string } | { readonly nullValue: 0 } | { readonly boolValue: boolean };

function text(value: string | null): StructValue {
  return value === null ? { nullValue: 0 } : { stringValue: value };
}

export function buildCheckResponse(decision: Decision): Record<string, unknown> {
  const { verdict } = decision;
  const { grpcCode, httpStatus } = VERDICT_STATUS[verdict.kind];
  const decisionHeader = option(DECISION_ID_HEADER, decision.id);
  // Struct fields in protobufjs' camelCase: see load-protos.ts.
  const dynamicMetadata = {
    fields: {
      decision_id: text(decision.id),
      principal_id: text(decision.identity?.principalId ?? null),
      workspace: text(decision.policy?.workspace ?? null),
      reason: text(verdict.reason),
      allowed: { boolValue: verdict.kind === 'allow' },
    },
  };
  switch (verdict.kind) {
    case 'allow':
      return {
        status: { code: grpcCode },
        ok_response: {
          headers: [...headerOptions(verdict.headers), decisionHeader],
          headers_to_remove: verdict.headersToRemove,
          response_headers_to_add: [decisionHeader],
        },
        dynamic_metadata: dynamicMetadata,
      };
    case 'unauthenticated':
    case 'forbidden':
    case 'bad_request':
    case 'unavailable': {
      const headers = [CONTENT_TYPE_JSON, decisionHeader];
      if (verdict.kind === 'unauthenticated') headers.push(verdict.tokenPresented ? CHALLENGE_INVALID_TOKEN : CHALLENGE);
      return {
        status: { code: grpcCode, message: verdict.reason },
        denied_response: { status: { code: httpStatus }, headers, body: denyBody(verdict.detail) },
        dynamic_metadata: dynamicMetadata,
      };
    }
    default:
      return assertNever(verdict);
  }
}

export function buildInternalErrorResponse(): Record<string, unknown> {
  return {
    status: { code: VERDICT_STATUS.unavailable.grpcCode, message: INTERNAL_ERROR_REASON },
    denied_response: { status: { code: VERDICT_STATUS.unavailable.httpStatus }, headers: [], body: INTERNAL_ERROR_BODY },
  };
}
