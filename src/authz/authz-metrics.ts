// Prometheus metrics (§6 /metrics): one registry per service so several servers in one process
// (tests, benchmarks) do not collide. Labels are the stable reason codes, never request data.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class AuthzMetrics {
  readonly registry = new Registry();
  private readonly checks = new Counter({
    name: 'nmp_authz_checks_total',
    help: 'Authorization decisions by outcome (HTTP status) and reason code.',
    labelNames: ['outcome', 'status', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'nmp_authz_check_duration_seconds',
    help: 'Time to decide one check, in process.',
    buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05],
    registers: [this.registry],
  });
  private readonly jwksFetches = new Counter({
    name: 'nmp_authz_jwks_fetches_total',
    help: 'Identity provider discovery/JWKS fetches by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly dataReloads = new Counter({
    name: 'nmp_authz_data_reloads_total',
    help: 'Policy data (members) updates by result; a failed one leaves the last good data serving.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly policyReloads = new Counter({
    name: 'nmp_authz_policy_reloads_total',
    help: 'Policy source reloads (SIGHUP) by result; a failed one leaves the last good policy serving.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly revision = new Gauge({
    name: 'nmp_authz_policy_revision',
    help: 'Revision of the policy and data serving now (bumped on every accepted swap).',
    registers: [this.registry],
  });

  /** prom-client hashes label values on every labels() call; the few combinations are kept here. */
  private readonly checkChildren = new Map<string, { inc(): void }>();

  recordCheck(allowed: boolean, status: number, reason: string, seconds: number): void {
    const key = `${status}:${reason}`;
    let child = this.checkChildren.get(key);
    if (child === undefined) {
      child = this.checks.labels(allowed ? 'allow' : 'deny', String(status), reason);
      // Reasons come from a fixed set of codes, but a policy could invent more: stay bounded.
      if (this.checkChildren.size < 256) this.checkChildren.set(key, child);
    }
    child.inc();
    this.latency.observe(seconds);
  }

  recordJwksFetch(ok: boolean): void {
    this.jwksFetches.labels(ok ? 'ok' : 'error').inc();
  }

  recordDataReload(ok: boolean, revision: number): void {
    this.dataReloads.labels(ok ? 'ok' : 'error').inc();
    this.revision.set(revision);
  }

  recordPolicyReload(ok: boolean, revision: number): void {
    this.policyReloads.labels(ok ? 'ok' : 'error').inc();
    this.revision.set(revision);
  }

  async render(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
