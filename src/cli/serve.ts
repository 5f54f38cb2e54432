// `nmp-authz serve`: wires config → identity, policy, members → pipeline → gRPC + HTTP servers,
// and shuts down gracefully on SIGTERM (stop accepting, finish in-flight checks, exit 0).
import type { Logger } from 'pino';
import { AuthzMetrics } from '../authz/authz-metrics.js';
import { DecisionPipeline } from '../authz/decision-pipeline.js';
import { openDecisionLog } from '../authz/open-decision-log.js';
import type { Config } from '../config/config.js';
import { formatProblems, loadConfig } from '../config/load-config.js';
import { ExtAuthzServer } from '../extauthz/ext-authz-server.js';
import { buildDiscoveryDocument } from '../http/discovery-document.js';
import { HttpServer } from '../http/http-server.js';
import { createIdentityStage, type IdentityStage } from '../identity/create-identity.js';
import type { KeyStoreEvent } from '../identity/oidc-key-store.js';
import { BundleMembersSource } from '../members/bundle-members-source.js';
import { FileMembersSource } from '../members/file-members-source.js';
import { EMPTY_MEMBERS, MembersError } from '../members/members-document.js';
import type { MembersSource } from '../members/members-source.js';
import type { PolicyEngine } from '../policy/policy-engine.js';
import { PolicyRuntime } from '../policy/policy-runtime.js';
import { PolicyWatcher } from '../policy/policy-watcher.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { createLogger } from '../shared/create-logger.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './cli-io.js';

export interface ServiceOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Retry cadence for the first JWKS fetch (tests shorten it). */
  readonly initialKeyRetryMs?: number;
}

/** Everything a decision needs, without the network listeners: shared by `serve` and `check`. */
export interface AuthzService {
  readonly config: Config;
  readonly identity: IdentityStage;
  readonly engine: PolicyEngine;
  readonly policy: PolicyRuntime;
  readonly pipeline: DecisionPipeline;
  readonly members: MembersSource | null;
  readonly metrics: AuthzMetrics;
  isReady(): boolean;
  /** What /readyz reports: each readiness condition, and the member source's last outcome. */
  readiness(): Record<string, unknown>;
  /** Re-reads policy.source and the static data (SIGHUP); counted, and refused when broken. */
  reloadPolicy(): Promise<boolean>;
  /** Reopens a decision log file by its path (SIGHUP, after logrotate moved it). */
  reopenDecisionLog(): Promise<void>;
  /** Stops background work (JWKS refresh, member watching); listeners are stopped by their owners. */
  stop(): Promise<void>;
}

function createMembersSource(config: Config, knownRoles: ReadonlySet<string>): MembersSource | null {
  if (config.members.file !== null) return new FileMembersSource({ path: config.members.file, knownRoles });
  if (config.members.bundleUrl !== null) {
    return new BundleMembersSource({ url: config.members.bundleUrl, pollIntervalMs: config.members.pollIntervalSeconds * 1000, knownRoles });
  }
  return null;
}

export async function createAuthzService(
  config: Config,
  opts: ServiceOptions & { readonly onKeyEvent?: (event: KeyStoreEvent) => void },
): Promise<AuthzService> {
  const clock = opts.clock ?? systemClock;
  const metrics = new AuthzMetrics();
  const identity = createIdentityStage(config.auth, {
    clock,
    ...(opts.initialKeyRetryMs === undefined ? {} : { initialRetryMs: opts.initialKeyRetryMs }),
    onKeyEvent: (event) => {
      metrics.recordJwksFetch(event.kind === 'keys_fetched');
      if (event.kind === 'fetch_failed') opts.logger.warn({ url: event.url, reason: event.reason }, 'identity provider fetch failed; keeping the last good keys');
      else if (event.changed) opts.logger.info({ keys: event.keyCount }, 'signing keys loaded');
      opts.onKeyEvent?.(event);
    },
  });
  // Data outcomes are counted when known: a large update is applied after a worker assembles it.
  const policy = await PolicyRuntime.create(config, opts.logger, { onDataOutcome: (ok) => { metrics.recordDataReload(ok); } });
  metrics.recordPolicyReload(true);
  // Before anything starts watching: an unwritable decision log fails the start with nothing to undo.
  const decisionLog = await openDecisionLog(config.logging.decisionLog, opts.logger);
  const members = createMembersSource(config, policy.knownRoles);
  if (members === null) {
    if (!policy.applyMembers(EMPTY_MEMBERS)) throw new Error('policy data could not be assembled');
  } else {
    // Until a first good members version arrives the engine has no data: not ready, 503 (fail closed).
    await members.start(
      (doc) => { policy.applyMembers(doc); },
      (err) => {
        metrics.recordDataReload(false);
        opts.logger.error({ code: err instanceof MembersError ? err.code : 'members_error', detail: err.message }, 'members update refused; the last good version keeps serving');
      },
    );
    // A large first version is assembled and loaded off the main thread; start serving with it.
    await policy.settled();
  }
  const engine: PolicyEngine = policy.engine;
  const pipeline = new DecisionPipeline({
    authEnabled: config.auth.enabled, authenticator: identity.authenticator, engine, logger: opts.logger, metrics, decisionLog: decisionLog.logger,
    decisionCacheSize: config.policy.decisionCacheSize,
  });
  if (pipeline.decisionCache !== null) metrics.observeDecisionCache(pipeline.decisionCache);
  return {
    config,
    identity,
    engine,
    policy,
    pipeline,
    members,
    metrics,
    isReady: () => engine.isReady && (identity.keyStore?.isReady ?? true),
    readiness: () => {
      const status = members?.status();
      return {
        policy_loaded: policy.engine.hasPolicy,
        data_loaded: policy.engine.hasData,
        keys_loaded: identity.keyStore?.isReady ?? null,
        // The same numbers as the decision log and the revision gauges.
        policy_revision: metrics.revisions.policy,
        data_revision: metrics.revisions.data,
        members: status === undefined
          ? null
          : { kind: status.kind, location: status.location, revision: status.revision, bindings: status.bindings, last_outcome: status.lastOutcome, last_error: status.lastError },
      };
    },
    reopenDecisionLog: () => decisionLog.reopen(),
    async reloadPolicy() {
      const ok = await policy.reloadPolicy();
      metrics.recordPolicyReload(ok);
      return ok;
    },
    async stop() {
      identity.keyStore?.stop();
      await members?.stop();
      await decisionLog.close();
    },
  };
}

export interface RunningServer {
  readonly service: AuthzService;
  readonly grpcPort: number;
  readonly httpPort: number;
  stop(): Promise<void>;
}

export async function startServer(config: Config, opts: ServiceOptions): Promise<RunningServer> {
  const { logger } = opts;
  let grpc: ExtAuthzServer | null = null;
  const service = await createAuthzService(config, { ...opts, onKeyEvent: () => { grpc?.notifyReadiness(); } });
  grpc = new ExtAuthzServer({ pipeline: service.pipeline, isReady: service.isReady, logger, maxReceiveBytes: config.server.grpc.maxReceiveBytes });
  const http = new HttpServer({
    pipeline: service.pipeline,
    authenticator: service.identity.authenticator,
    isReady: service.isReady,
    readiness: service.readiness,
    discovery: () => buildDiscoveryDocument(config.auth, service.identity.keyStore?.discovery ?? null),
    metrics: () => service.metrics.render(),
    logger,
  });
  const grpcPort = await grpc.listen(config.server.grpc.host, config.server.grpc.port);
  let httpPort: number;
  try {
    httpPort = await http.listen(config.server.http.host, config.server.http.port);
  } catch (err: unknown) {
    await grpc.shutdown(0);
    throw err;
  }
  service.identity.keyStore?.start();
  grpc.notifyReadiness();
  // A changed policy or data file is recompiled in a worker and swapped in; a broken one is refused.
  const watcher = config.policy.watch
    ? new PolicyWatcher({
      source: config.policy.source,
      dataFiles: config.policy.data,
      reload: () => service.reloadPolicy(),
      onWatchError: (err) => { logger.warn({ detail: err.message }, 'cannot watch a policy path; changes there are noticed by the periodic re-check'); },
    })
    : null;
  await watcher?.start();
  warnAtStart(config, logger);
  logger.info({ grpc_port: grpcPort, http_port: httpPort, config: config.origin }, 'nmp-authz serving');
  const graceMs = config.server.shutdownGraceSeconds * 1000;
  const server = grpc;
  return {
    service,
    grpcPort,
    httpPort,
    async stop() {
      await watcher?.stop();
      await Promise.all([server.shutdown(graceMs), http.close(graceMs)]);
      await service.stop();
    },
  };
}

function warnAtStart(config: Config, logger: Logger): void {
  if (!config.auth.enabled) logger.warn('auth.enabled is false: every request is allowed');
  if (config.auth.allowUnsignedJwt) {
    logger.warn('UNSIGNED TOKENS ARE ACCEPTED (auth.allow_unsigned_jwt=true): anyone can claim any identity. Development only.');
  }
  if (config.auth.oidc.enabled && config.auth.oidc.audience === null) {
    logger.warn('auth.oidc has neither audience nor client_id: token audiences are not checked');
  }
  if (config.origin === 'quickstart') {
    logger.info('try a decision: nmp-authz token --email admin@example.com, then nmp-authz check --method GET --path /apis/models/v2/workspaces/default/models --token <token>');
  }
}

function parseArgs(args: readonly string[]): { ok: true; config?: string } | { ok: false; message: string } {
  let config: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--config' || arg === '-c') {
      config = args[i + 1];
      if (config === undefined) return { ok: false, message: '--config needs a file' };
      i += 1;
    } else if (arg?.startsWith('--config=') === true) {
      config = arg.slice('--config='.length);
    } else {
      return { ok: false, message: `unknown argument ${String(arg)}` };
    }
  }
  return config === undefined ? { ok: true } : { ok: true, config };
}

export async function runServe(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args);
  if (!parsed.ok) {
    io.stderr(`nmp-authz serve: ${parsed.message}\nusage: nmp-authz serve [--config FILE]\n`);
    return EXIT_USAGE;
  }
  const loaded = await loadConfig({ file: parsed.config, cwd: io.cwd, env: io.env });
  if (!loaded.ok) {
    io.stderr(`nmp-authz: invalid configuration\n${formatProblems(loaded.problems)}\n`);
    return EXIT_FAILURE;
  }
  const config = loaded.config;
  const logger = createLogger(config.logging.level);
  let running: RunningServer;
  try {
    running = await startServer(config, { logger });
  } catch (err: unknown) {
    io.stderr(`nmp-authz: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURE;
  }
  // SIGHUP re-reads policy.source and the static data (a broken version is refused and logged), and
  // reopens a decision log file, so logrotate can move it away without copytruncate.
  const onHangup = (): void => {
    void running.service.reopenDecisionLog();
    void running.service.reloadPolicy();
  };
  process.on('SIGHUP', onHangup);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.off('SIGHUP', onHangup);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await running.stop();
  logger.info('stopped');
  return EXIT_OK;
}
