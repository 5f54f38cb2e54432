// The HTTP transport (§6): discovery, who-am-I, health, and the gateway check endpoints (Envoy
// http_service, nginx auth_request, Traefik ForwardAuth) on the same decision pipeline.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { DecisionPipeline, AuthzRequest, Decision } from '../authz/decision-pipeline.js';
import { DECISION_ID_HEADER, VERDICT_STATUS, WWW_AUTHENTICATE, WWW_AUTHENTICATE_INVALID_TOKEN, denyBody } from '../authz/verdict.js';
import type { Authenticator } from '../identity/authenticate.js';
import { identityErrorDetail } from '../identity/identity.js';
import { assertNever } from '../shared/assert-never.js';

export const EXT_AUTHZ_PREFIX = '/apis/auth/ext-authz';

export interface HttpServerOptions {
  readonly pipeline: DecisionPipeline;
  readonly authenticator: Authenticator;
  readonly isReady: () => boolean;
  /** Details added to the /readyz body, so an operator sees which condition is missing. */
  readonly readiness?: () => Record<string, unknown>;
  /** The §6 discovery document, computed by the caller (it depends on OIDC discovery). */
  readonly discovery: () => unknown;
  readonly metrics?: () => Promise<{ readonly contentType: string; readonly body: string }>;
  readonly logger: Logger;
}

type Headers = Record<string, string>;

function requestHeaders(req: IncomingMessage): Headers {
  const out: Headers = {};
  const raw = req.headers;
  for (const name in raw) {
    const value = raw[name];
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) out[name] = value.join(', ');
  }
  return out;
}

function conflicts(headers: Headers, a: string, b: string): boolean {
  const first = headers[a];
  const second = headers[b];
  return first !== undefined && second !== undefined && first !== second;
}

function sendJson(res: ServerResponse, status: number, body: string, extra: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra });
  res.end(body);
}

function sendDecision(res: ServerResponse, decision: Decision): void {
  const { verdict } = decision;
  const status = VERDICT_STATUS[verdict.kind].httpStatus;
  switch (verdict.kind) {
    case 'allow': {
      const headers: Record<string, string> = { [DECISION_ID_HEADER]: decision.id, 'cache-control': 'no-store' };
      for (const h of verdict.headers) headers[h.name] = h.value;
      // Envoy http_service mode removes these from the upstream request (the gRPC headers_to_remove).
      if (verdict.headersToRemove.length > 0) headers['x-envoy-auth-headers-to-remove'] = verdict.headersToRemove.join(', ');
      res.writeHead(status, headers);
      res.end();
      return;
    }
    case 'unauthenticated':
      sendJson(res, status, denyBody(verdict.detail), {
        [DECISION_ID_HEADER]: decision.id,
        'www-authenticate': verdict.tokenPresented ? WWW_AUTHENTICATE_INVALID_TOKEN : WWW_AUTHENTICATE,
      });
      return;
    case 'forbidden':
    case 'bad_request':
    case 'unavailable':
      sendJson(res, status, denyBody(verdict.detail), { [DECISION_ID_HEADER]: decision.id });
      return;
    default:
      assertNever(verdict);
  }
}

export class HttpServer {
  private readonly server: Server;

  constructor(private readonly opts: HttpServerOptions) {
    this.server = createServer({ maxHeaderSize: 128 * 1024 }, (req, res) => {
      this.route(req, res).catch((err: unknown) => {
        opts.logger.error({ err, request_id: req.headers['x-request-id'] ?? null }, 'http request failed');
        if (!res.headersSent) sendJson(res, 503, denyBody('Authorization failed.'));
        else res.destroy();
      });
    });
    // Large enough that an oversized token is answered 401 by us rather than 431 by Node.
    // Gateways keep connections open; a header that never finishes must not pin a socket forever.
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops accepting, lets in-flight requests finish, then drops idle keep-alive connections. */
  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => { this.server.close(() => { resolve(); }); });
    this.server.closeIdleConnections();
    const timer = setTimeout(() => { this.server.closeAllConnections(); }, graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    if (pathname === EXT_AUTHZ_PREFIX || pathname.startsWith(`${EXT_AUTHZ_PREFIX}/`)) {
      const target = url.slice(EXT_AUTHZ_PREFIX.length);
      await this.check(res, {
        method: req.method ?? 'GET',
        target: target.startsWith('/') ? target : `/${target}`,
        host: req.headers.host ?? '',
        headers: requestHeaders(req),
      });
      return;
    }
    switch (pathname) {
      case '/apis/auth/authorize':
        await this.authorize(req, res);
        return;
      case '/healthz':
        sendJson(res, 200, '{"status":"ok"}');
        return;
      case '/readyz': {
        const ready = this.opts.isReady();
        const body = JSON.stringify({ status: ready ? 'ready' : 'not_ready', ...this.opts.readiness?.() });
        sendJson(res, ready ? 200 : 503, body);
        return;
      }
      case '/apis/auth/discovery':
        sendJson(res, 200, JSON.stringify(this.opts.discovery()));
        return;
      case '/apis/auth/authenticate':
        await this.authenticate(req, res);
        return;
      case '/metrics':
        if (this.opts.metrics === undefined) break;
        {
          const m = await this.opts.metrics();
          res.writeHead(200, { 'content-type': m.contentType });
          res.end(m.body);
        }
        return;
      default:
        break;
    }
    sendJson(res, 404, denyBody('Not found.'));
  }

  private async check(res: ServerResponse, request: AuthzRequest): Promise<void> {
    sendDecision(res, await this.opts.pipeline.decide(request));
  }

  /** nginx sends X-Original-Method/-URI; Traefik sends X-Forwarded-Method/-Uri/-Host. */
  private async authorize(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = requestHeaders(req);
    const target = headers['x-original-uri'] ?? headers['x-forwarded-uri'];
    if (target === undefined) {
      sendJson(res, 400, denyBody('Missing X-Original-URI or X-Forwarded-Uri.'));
      return;
    }
    // Each gateway sets one pair and passes client headers through; a client adding the other pair
    // could otherwise have a different request judged than the one the gateway forwards.
    if (conflicts(headers, 'x-original-uri', 'x-forwarded-uri') || conflicts(headers, 'x-original-method', 'x-forwarded-method')) {
      sendJson(res, 400, denyBody('Conflicting X-Original-* and X-Forwarded-* request headers.'));
      return;
    }
    await this.check(res, {
      method: headers['x-original-method'] ?? headers['x-forwarded-method'] ?? 'GET',
      target,
      host: headers['x-forwarded-host'] ?? headers['host'] ?? '',
      headers,
    });
  }

  private async authenticate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const outcome = await this.opts.authenticator.authenticate(requestHeaders(req));
    switch (outcome.kind) {
      case 'authenticated': {
        const { identity } = outcome;
        sendJson(res, 200, JSON.stringify({
          principal_id: identity.principalId,
          email: identity.email,
          groups: identity.groups,
          scopes: identity.scopes,
          token_kind: identity.tokenKind,
        }));
        return;
      }
      case 'anonymous':
        sendJson(res, 401, denyBody('Authentication required.'), { 'www-authenticate': WWW_AUTHENTICATE });
        return;
      case 'rejected': {
        const status = outcome.error.code === 'invalid_principal_header' ? 400 : outcome.error.code === 'keys_unavailable' ? 503 : 401;
        const extra: Record<string, string> = status === 401
          ? { 'www-authenticate': outcome.tokenPresented ? WWW_AUTHENTICATE_INVALID_TOKEN : WWW_AUTHENTICATE }
          : {};
        sendJson(res, status, denyBody(identityErrorDetail(outcome.error)), extra);
        return;
      }
      default:
        assertNever(outcome);
    }
  }
}
