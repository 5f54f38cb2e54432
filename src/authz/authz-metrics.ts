// Prometheus metrics (§6 /metrics): one registry per service so several servers in one process
// (tests, benchmarks) do not collide. Labels are the stable reason codes, never request data.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Which policy and data versions serve now: counts of accepted loads since the process started. */
export interface Revisions {
  readonly policy: number;
  readonly data: number;
}

interface PendingChecks {
  readonly labels: { readonly outcome: 'allow' | 'deny'; readonly status: string; readonly reason: string };
  count: number;
}

export class AuthzMetrics {
  readonly registry = new Registry();
  /**
   * Checks are counted in plain numbers and handed to prom-client when it is read: its labelled
   * inc() hashes and validates the labels on every call, a measurable share of a cached-token check.
   */
  private readonly pendingChecks = new Map<string, PendingChecks>();
  private readonly checks = new Counter({
    name: 'nmp_authz_checks_total',
    help: 'Authorization decisions by outcome (allow/deny), HTTP status and reason code.',
    labelNames: ['outcome', 'status', 'reason'] as const,
    registers: [this.registry],
    collect: () => { this.flushChecks(); },
  });
  private readonly latency = new Histogram({
    name: 'nmp_authz_check_duration_seconds',
    help: 'Time to decide one check, in process (credential, identity, policy evaluation).',
    buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05],
    registers: [this.registry],
  });
  private readonly jwksFetches = new Counter({
    name: 'nmp_authz_jwks_fetches_total',
    help: 'Identity provider discovery/JWKS fetches by result (ok/error).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly dataReloads = new Counter({
    name: 'nmp_authz_data_reloads_total',
    help: 'Policy data (members) loads by result, the first one at start included; a failed one leaves the last good data serving.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly policyReloads = new Counter({
    name: 'nmp_authz_policy_reloads_total',
    help: 'Policy loads by result, the first one at start included; a failed one leaves the last good policy serving.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly policyRevisionGauge = new Gauge({
    name: 'nmp_authz_policy_revision',
    help: 'Revision of the policy serving now: accepted policy loads since start.',
    registers: [this.registry],
  });
  private readonly dataRevisionGauge = new Gauge({
    name: 'nmp_authz_data_revision',
    help: 'Revision of the policy data serving now: accepted data loads since start.',
    registers: [this.registry],
  });

  private readonly decisionCacheLookups = new Counter({
    name: 'nmp_authz_decision_cache_total',
    help: 'Policy evaluations answered from the decision cache (hit) or run and stored (miss); checks the cache cannot serve are not counted.',
    labelNames: ['result'] as const,
    registers: [this.registry],
    collect: () => { this.flushDecisionCache(); },
  });

  private policyRevision = 0;
  private dataRevision = 0;
  /** Read at scrape time, like the checks: the hot path only bumps two numbers. */
  private decisionCache: { readonly hits: number; readonly misses: number } | null = null;
  private decisionCacheReported = { hits: 0, misses: 0 };

  constructor() {
    // Process metrics (CPU, memory, event loop lag, GC, handles) on this registry only, so two
    // services in one process each expose them without a duplicate-registration error.
    collectDefaultMetrics({ register: this.registry });
    this.policyRevisionGauge.set(0);
    this.dataRevisionGauge.set(0);
    this.decisionCacheLookups.labels('hit').inc(0);
    this.decisionCacheLookups.labels('miss').inc(0);
  }

  observeDecisionCache(cache: { readonly hits: number; readonly misses: number }): void {
    this.decisionCache = cache;
    this.decisionCacheReported = { hits: cache.hits, misses: cache.misses };
  }

  private flushDecisionCache(): void {
    const cache = this.decisionCache;
    if (cache === null) return;
    this.decisionCacheLookups.labels('hit').inc(cache.hits - this.decisionCacheReported.hits);
    this.decisionCacheLookups.labels('miss').inc(cache.misses - this.decisionCacheReported.misses);
    this.decisionCacheReported = { hits: cache.hits, misses: cache.misses };
  }

  get revisions(): Revisions {
    return { policy: this.policyRevision, data: this.dataRevision };
  }

  recordCheck(allowed: boolean, status: number, reason: string, seconds: number): void {
    const key = `${status}:${reason}`;
    const pending = this.pendingChecks.get(key);
    if (pending !== undefined) {
      pending.count += 1;
    } else if (this.pendingChecks.size < 256) {
      this.pendingChecks.set(key, { labels: { outcome: allowed ? 'allow' : 'deny', status: String(status), reason }, count: 1 });
    } else {
      // Reasons come from a fixed set of codes, but a policy could invent more: stay bounded.
      this.checks.inc({ outcome: allowed ? 'allow' : 'deny', status: String(status), reason });
    }
    this.latency.observe(seconds);
  }

  private flushChecks(): void {
    for (const pending of this.pendingChecks.values()) {
      if (pending.count === 0) continue;
      this.checks.inc(pending.labels, pending.count);
      pending.count = 0;
    }
  }

  recordJwksFetch(ok: boolean): void {
    this.jwksFetches.labels(ok ? 'ok' : 'error').inc();
  }

  /** A members version accepted (ok) or refused/unreadable (the previous data keeps serving). */
  recordDataReload(ok: boolean): void {
    this.dataReloads.labels(ok ? 'ok' : 'error').inc();
    if (!ok) return;
    this.dataRevision += 1;
    this.dataRevisionGauge.set(this.dataRevision);
  }

  /** A policy (and static data) version accepted (ok) or refused (the previous policy keeps serving). */
  recordPolicyReload(ok: boolean): void {
    this.policyReloads.labels(ok ? 'ok' : 'error').inc();
    if (!ok) return;
    this.policyRevision += 1;
    this.policyRevisionGauge.set(this.policyRevision);
  }

  async render(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
