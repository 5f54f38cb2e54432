// The decision pipeline: request → credential → identity → policy input (§8.2) → policy result →
// verdict. Transports (gRPC, HTTP, CLI) only translate to and from these types.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Authenticator } from '../identity/authenticate.js';
import type { RequestHeaders } from '../identity/extract-credential.js';
import { OWNED_IDENTITY_HEADERS, identityErrorDetail, type Identity, type IdentityHeader } from '../identity/identity.js';
import type { PolicyEngine, PolicyInput, PolicyResult } from '../policy/policy-engine.js';
import { assertNever } from '../shared/assert-never.js';
import type { AuthzMetrics } from './authz-metrics.js';
import { DecisionCache } from './decision-cache.js';
import { parseRequestPath } from './parse-request-path.js';
import { VERDICT_STATUS, type Verdict } from './verdict.js';

export interface AuthzRequest {
  readonly method: string;
  /** The request target as received: path and query, not decoded. */
  readonly target: string;
  readonly host: string;
  /** Lower-case names. */
  readonly headers: RequestHeaders;
  /** The proxy's request id (Envoy's x-request-id), logged to correlate with its access log. */
  readonly requestId?: string;
}

export interface Decision {
  readonly id: string;
  readonly verdict: Verdict;
  readonly identity: Identity | null;
  readonly policy: PolicyResult | null;
  /** The path the policy saw; null when the request was refused before parsing succeeded. */
  readonly path: string | null;
}

export interface PipelineOptions {
  readonly authEnabled: boolean;
  readonly authenticator: Authenticator;
  readonly engine: PolicyEngine;
  readonly logger: Logger;
  readonly newDecisionId?: () => string;
  readonly metrics?: AuthzMetrics;
  /** Where decision lines go: the service logger when absent, nowhere when null. */
  readonly decisionLog?: Logger | null;
  /** Policy results kept for repeated equivalent requests (see decision-cache.ts); 0 turns it off. */
  readonly decisionCacheSize?: number;
}

const POLICY_DETAILS: Readonly<Record<string, string>> = {
  unauthenticated: 'Authentication required.',
  no_endpoint: 'Forbidden: this endpoint is not available.',
  endpoint_denied: 'Forbidden: this endpoint is disabled.',
  scope_missing: 'Forbidden: the token lacks a scope this endpoint requires.',
  no_role: 'Forbidden: no role in this workspace.',
  permission_missing: 'Forbidden: your role does not grant this action.',
};
const UNAVAILABLE_DETAILS: Readonly<Record<string, string>> = {
  policy_unavailable: 'Authorization is not available: no policy or data is loaded.',
  policy_error: 'Authorization is not available: policy evaluation failed.',
  keys_unavailable: 'Authorization is not available: identity provider keys are not loaded.',
};
const METHOD = /^[A-Za-z]{1,16}$/;
const EXCLUDED_INPUT_HEADERS = new Set(['authorization', 'cookie']);
const NO_HEADERS: readonly IdentityHeader[] = [];

/** §4.3: every owned header we do not set is removed, and so is any other client-sent x-nmp-* header. */
function headersToRemove(set: readonly IdentityHeader[], requestHeaders: RequestHeaders): readonly string[] {
  const remove: string[] = [];
  for (const name of OWNED_IDENTITY_HEADERS) {
    if (!set.some((h) => h.name === name)) remove.push(name);
  }
  for (const name in requestHeaders) {
    if (name.startsWith('x-nmp-') && !OWNED_IDENTITY_HEADERS.includes(name) && !set.some((h) => h.name === name)) remove.push(name);
  }
  return remove;
}

function policyInputHeaders(headers: RequestHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    if (!EXCLUDED_INPUT_HEADERS.has(name) && Object.hasOwn(headers, name)) out[name] = headers[name] ?? '';
  }
  return out;
}

export class DecisionPipeline {
  private readonly newId: () => string;
  private readonly decisionLog: Logger | null;
  readonly decisionCache: DecisionCache | null;

  constructor(private readonly opts: PipelineOptions) {
    this.newId = opts.newDecisionId ?? randomUUID;
    this.decisionLog = opts.decisionLog === undefined ? opts.logger : opts.decisionLog;
    const cacheSize = opts.decisionCacheSize ?? 0;
    this.decisionCache = cacheSize > 0 ? new DecisionCache(cacheSize) : null;
  }

  decide(request: AuthzRequest): Promise<Decision> {
    const started = performance.now();
    let running: Promise<Decision>;
    try {
      running = this.run(this.newId(), request);
    } catch (err) {
      // As the async form did: a throwing decision id source rejects rather than throws.
      return Promise.reject(err);
    }
    // One continuation rather than an async wrapper around run(): a promise and a hop fewer per check.
    return running.then((decision) => this.record(decision, request, started));
  }

  private record(decision: Decision, request: AuthzRequest, started: number): Decision {
    const elapsedMs = performance.now() - started;
    const { verdict } = decision;
    this.opts.metrics?.recordCheck(verdict.kind === 'allow', VERDICT_STATUS[verdict.kind].httpStatus, verdict.reason, elapsedMs / 1000);
    this.log(decision, request, elapsedMs);
    return decision;
  }

  private async run(id: string, request: AuthzRequest): Promise<Decision> {
    const parsed = parseRequestPath(request.target);
    if (!parsed.ok) return this.refuse(id, { kind: 'bad_request', reason: 'invalid_path', detail: 'Invalid request path.' });
    if (!METHOD.test(request.method)) return this.refuse(id, { kind: 'bad_request', reason: 'invalid_method', detail: 'Invalid request method.' });

    const auth = await this.opts.authenticator.authenticate(request.headers);
    let identity: Identity | null = null;
    switch (auth.kind) {
      case 'authenticated':
        identity = auth.identity;
        break;
      case 'anonymous':
        break;
      case 'rejected': {
        const { code } = auth.error;
        if (!this.opts.authEnabled && code !== 'invalid_principal_header') break;
        const detail = identityErrorDetail(auth.error);
        if (code === 'invalid_principal_header') return this.refuse(id, { kind: 'bad_request', reason: code, detail });
        if (code === 'keys_unavailable') {
          return this.refuse(id, { kind: 'unavailable', reason: code, detail: UNAVAILABLE_DETAILS[code] ?? detail });
        }
        return this.refuse(id, { kind: 'unauthenticated', reason: code, tokenPresented: auth.tokenPresented, detail });
      }
      default:
        return assertNever(auth);
    }

    if (!this.opts.authEnabled) {
      // §3.2: everything is allowed; a valid credential still yields identity headers.
      const headers = identity?.headers ?? NO_HEADERS;
      return {
        id,
        verdict: { kind: 'allow', reason: 'auth_disabled', headers, headersToRemove: headersToRemove(headers, request.headers) },
        identity,
        policy: null,
        path: parsed.path,
      };
    }

    const input: PolicyInput = {
      principal_id: identity?.principalId ?? null,
      principal_email: identity?.email ?? null,
      principal_groups: identity?.groups ?? [],
      scopes: identity?.scopes ?? [],
      token_kind: identity?.tokenKind ?? 'none',
      claims: identity?.claims ?? {},
      method: request.method.toLowerCase(),
      path: parsed.path,
      query: parsed.query,
      host: request.host,
      headers: policyInputHeaders(request.headers),
    };
    const outcome = this.decisionCache === null ? this.opts.engine.evaluate(input) : this.decisionCache.evaluate(this.opts.engine, identity, input);
    if (outcome.kind === 'unavailable') {
      return { id, verdict: { kind: 'unavailable', reason: outcome.code, detail: UNAVAILABLE_DETAILS[outcome.code] ?? 'Unavailable.' }, identity, policy: null, path: parsed.path };
    }
    const result = outcome.result;
    let verdict: Verdict;
    if (result.allowed) {
      const identityHeaders = identity?.headers ?? NO_HEADERS;
      const policyHeaders = Object.entries(result.headers);
      const headers = policyHeaders.length === 0
        ? identityHeaders
        : [...identityHeaders, ...policyHeaders.map(([name, value]) => ({ name, value }))];
      verdict = { kind: 'allow', reason: result.reason, headers, headersToRemove: headersToRemove(headers, request.headers) };
    } else if (result.reason === 'unauthenticated' || identity === null) {
      verdict = { kind: 'unauthenticated', reason: result.reason, tokenPresented: false, detail: POLICY_DETAILS['unauthenticated'] ?? '' };
    } else {
      verdict = { kind: 'forbidden', reason: result.reason, detail: POLICY_DETAILS[result.reason] ?? 'Forbidden.' };
    }
    return { id, verdict, identity, policy: result, path: parsed.path };
  }

  private refuse(id: string, verdict: Verdict): Decision {
    return { id, verdict, identity: null, policy: null, path: null };
  }

  /** One line per check; never the token or cookies — only iss/sub/kid identify the caller. */
  private log(decision: Decision, request: AuthzRequest, elapsedMs: number): void {
    const logger = this.decisionLog;
    if (logger === null || !logger.isLevelEnabled('info')) return;
    const { verdict, identity, policy } = decision;
    const revisions = this.opts.metrics?.revisions;
    logger.info({
      msg: 'decision',
      decision_id: decision.id,
      allowed: verdict.kind === 'allow',
      status: VERDICT_STATUS[verdict.kind].httpStatus,
      reason: verdict.reason,
      // Envoy always sends attributes.request.http.id, but an empty one is no id: fall back.
      request_id: request.requestId !== undefined && request.requestId !== '' ? request.requestId : request.headers['x-request-id'] ?? null,
      method: request.method,
      path: decision.path,
      principal_id: identity?.principalId ?? null,
      token_kind: identity?.tokenKind ?? 'none',
      iss: identity?.issuer ?? null,
      kid: identity?.keyId ?? null,
      endpoint: policy?.endpoint ?? null,
      workspace: policy?.workspace ?? null,
      latency_ms: Math.round(elapsedMs * 1000) / 1000,
      policy_revision: revisions?.policy ?? null,
      data_revision: revisions?.data ?? null,
    });
  }
}
