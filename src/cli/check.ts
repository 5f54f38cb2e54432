// `nmp-authz check`: one decision through the exact serving pipeline, offline, printed as JSON.
import { Writable } from 'node:stream';
import type { Decision } from '../authz/decision-pipeline.js';
import { VERDICT_STATUS } from '../authz/verdict.js';
import { formatProblems, loadConfig } from '../config/load-config.js';
import { assertNever } from '../shared/assert-never.js';
import { createLogger } from '../shared/create-logger.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './cli-io.js';
import { createAuthzService } from './serve.js';

const USAGE = "usage: nmp-authz check [--config FILE] --method M --path P [--token T] [--header 'K: V']...\n";

interface CheckArgs {
  readonly config?: string;
  readonly method: string;
  readonly path: string;
  readonly token?: string;
  readonly headers: Readonly<Record<string, string>>;
}

function parseCheckArgs(args: readonly string[]): { ok: true; value: CheckArgs } | { ok: false; message: string } {
  const single = new Map<string, string>();
  const headers: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 1) {
    const name = args[i] ?? '';
    const value = args[i + 1];
    if (!['--config', '--method', '--path', '--token', '--header'].includes(name)) return { ok: false, message: `unknown argument ${name}` };
    if (value === undefined) return { ok: false, message: `${name} needs a value` };
    i += 1;
    if (name === '--header') {
      const colon = value.indexOf(':');
      if (colon <= 0) return { ok: false, message: `--header must look like 'Name: value'` };
      headers[value.slice(0, colon).trim().toLowerCase()] = value.slice(colon + 1).trim();
    } else {
      single.set(name, value);
    }
  }
  const method = single.get('--method');
  const path = single.get('--path');
  if (method === undefined || path === undefined) return { ok: false, message: '--method and --path are required' };
  const config = single.get('--config');
  const token = single.get('--token');
  return { ok: true, value: { method, path, headers, ...(config === undefined ? {} : { config }), ...(token === undefined ? {} : { token }) } };
}

export function decisionJson(decision: Decision): Record<string, unknown> {
  const { verdict, identity, policy } = decision;
  const base = {
    decision_id: decision.id,
    allowed: verdict.kind === 'allow',
    status: VERDICT_STATUS[verdict.kind].httpStatus,
    reason: verdict.reason,
    principal: identity === null
      ? null
      : { id: identity.principalId, email: identity.email, groups: identity.groups, scopes: identity.scopes, token_kind: identity.tokenKind },
    endpoint: policy?.endpoint ?? null,
    workspace: policy?.workspace ?? null,
    roles: policy?.roles ?? [],
  };
  switch (verdict.kind) {
    case 'allow':
      return { ...base, headers: Object.fromEntries(verdict.headers.map((h) => [h.name, h.value])), headers_to_remove: verdict.headersToRemove };
    case 'unauthenticated':
    case 'forbidden':
    case 'bad_request':
    case 'unavailable':
      return { ...base, detail: verdict.detail };
    default:
      return assertNever(verdict);
  }
}

/** Exit 0 when allowed, 1 when denied or the configuration is broken, 2 on usage errors. */
export async function runCheck(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCheckArgs(args);
  if (!parsed.ok) {
    io.stderr(`nmp-authz check: ${parsed.message}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const a = parsed.value;
  const loaded = await loadConfig({ file: a.config, cwd: io.cwd, env: io.env });
  if (!loaded.ok) {
    io.stderr(`nmp-authz: invalid configuration\n${formatProblems(loaded.problems)}\n`);
    return EXIT_FAILURE;
  }
  // Logs go to stderr so stdout stays one JSON document.
  const stderr = new Writable({ write(chunk: Buffer, _enc, done) { io.stderr(chunk.toString()); done(); } });
  const logger = createLogger('error', stderr);
  let service;
  try {
    service = await createAuthzService(loaded.config, { logger });
  } catch (err: unknown) {
    io.stderr(`nmp-authz check: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURE;
  }
  await service.identity.keyStore?.refresh();
  const headers: Record<string, string> = { ...a.headers, ...(a.token === undefined ? {} : { authorization: `Bearer ${a.token}` }) };
  const decision = await service.pipeline.decide({ method: a.method, target: a.path, host: headers['host'] ?? 'localhost', headers });
  await service.stop();
  io.stdout(`${JSON.stringify(decisionJson(decision), null, 2)}\n`);
  return decision.verdict.kind === 'allow' ? EXIT_OK : EXIT_FAILURE;
}
