// A Decision → the CheckResponse message of §5 as a plain object (proto-loader keepCase shape): the
// reference model that the server's hand-written encoder (src/extauthz/encode-check-response.ts)
// must encode byte for byte as protobufjs encodes this object.
import type { Decision } from '../../../src/authz/decision-pipeline.js';
import { DECISION_ID_HEADER, VERDICT_STATUS, WWW_AUTHENTICATE, WWW_AUTHENTICATE_INVALID_TOKEN, denyBody } from '../../../src/authz/verdict.js';
import { INTERNAL_ERROR_BODY, INTERNAL_ERROR_REASON } from '../../../src/extauthz/encode-check-response.js';
import type { IdentityHeader } from '../../../src/identity/identity.js';
import { assertNever } from '../../../src/shared/assert-never.js';

const OVERWRITE_IF_EXISTS_OR_ADD = 2;

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
