// OIDC discovery + JWKS: fetched before readiness, refreshed on a timer, refetched (rate-limited)
// for an unknown `kid`, and the last good keys kept while the IdP is unreachable (§4.2).
import type { Clock } from '../shared/clock.js';
import { isRecord } from '../shared/is-record.js';
import { SigningKeySet } from './signing-key-set.js';

export interface DiscoveryDocument {
  readonly issuer: string | null;
  readonly jwksUri: string | null;
  readonly tokenEndpoint: string | null;
  readonly deviceAuthorizationEndpoint: string | null;
  readonly authorizationEndpoint: string | null;
  readonly userinfoEndpoint: string | null;
}

export interface KeyStoreOptions {
  readonly issuer: string;
  /** Overrides discovery's jwks_uri; with it, discovery is still fetched for the endpoints. */
  readonly jwksUri: string | null;
  readonly refreshIntervalMs: number;
  /** §4.2: an unknown kid triggers at most one refetch per this many ms. */
  readonly unknownKidRefetchIntervalMs?: number;
  /** Retry cadence while no keys have ever been fetched. */
  readonly initialRetryMs?: number;
  readonly fetchTimeoutMs?: number;
  readonly clock: Clock;
  readonly onEvent?: (event: KeyStoreEvent) => void;
}

export type KeyStoreEvent =
  | { readonly kind: 'keys_fetched'; readonly keyCount: number; readonly changed: boolean }
  | { readonly kind: 'fetch_failed'; readonly url: string; readonly reason: string };

type Fetched = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

function optString(doc: Record<string, unknown>, key: string): string | null {
  const v = doc[key];
  return typeof v === 'string' && v !== '' ? v : null;
}

function parseDiscovery(value: unknown): DiscoveryDocument | null {
  if (!isRecord(value)) return null;
  return {
    issuer: optString(value, 'issuer'),
    jwksUri: optString(value, 'jwks_uri'),
    tokenEndpoint: optString(value, 'token_endpoint'),
    deviceAuthorizationEndpoint: optString(value, 'device_authorization_endpoint'),
    authorizationEndpoint: optString(value, 'authorization_endpoint'),
    userinfoEndpoint: optString(value, 'userinfo_endpoint'),
  };
}

/** The JWKS members; which of them are usable signature keys is SigningKeySet's decision. */
function parseJwks(value: unknown): readonly Record<string, unknown>[] | null {
  if (!isRecord(value) || !Array.isArray(value['keys'])) return null;
  return value['keys'].filter(isRecord);
}

export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

export class OidcKeyStore {
  private keySet: SigningKeySet | null = null;
  private keyFingerprint = '';
  private discoveryDoc: DiscoveryDocument | null = null;
  private inFlight: Promise<boolean> | null = null;
  private lastUnknownKidFetch = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readyWaiters: Array<() => void> = [];
  /** Bumped whenever the key set changes, so cached verifications made with removed keys expire. */
  generation = 0;

  constructor(private readonly opts: KeyStoreOptions) {}

  get isReady(): boolean {
    return this.keySet !== null;
  }

  get discovery(): DiscoveryDocument | null {
    return this.discoveryDoc;
  }

  /** Resolves once keys have been fetched at least once. */
  whenReady(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve) => { this.readyWaiters.push(resolve); });
  }

  /** First fetch, then a refresh timer; while nothing was ever fetched, retries at a short cadence. */
  start(): void {
    this.stopped = false;
    void this.refresh().then(() => { this.schedule(); });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.isReady ? this.opts.refreshIntervalMs : (this.opts.initialRetryMs ?? 2000);
    this.timer = setTimeout(() => { void this.refresh().then(() => { this.schedule(); }); }, delay);
    this.timer.unref();
  }

  /** Fetches discovery and JWKS; on any failure the previous keys stay in place. Concurrent calls share one fetch. */
  refresh(): Promise<boolean> {
    if (this.inFlight === null) {
      this.inFlight = this.doRefresh().finally(() => { this.inFlight = null; });
    }
    return this.inFlight;
  }

  private async doRefresh(): Promise<boolean> {
    const discoveryUri = discoveryUrl(this.opts.issuer);
    const discovered = await this.fetchJson(discoveryUri);
    if (discovered.ok) {
      const doc = parseDiscovery(discovered.value);
      if (doc === null) this.emit({ kind: 'fetch_failed', url: discoveryUri, reason: 'invalid_discovery_document' });
      else this.discoveryDoc = doc;
    }
    const jwksUri = this.opts.jwksUri ?? this.discoveryDoc?.jwksUri ?? null;
    if (jwksUri === null) {
      if (discovered.ok) this.emit({ kind: 'fetch_failed', url: discoveryUri, reason: 'no_jwks_uri' });
      return false;
    }
    const fetched = await this.fetchJson(jwksUri);
    if (!fetched.ok) return false;
    const jwks = parseJwks(fetched.value);
    if (jwks === null) {
      this.emit({ kind: 'fetch_failed', url: jwksUri, reason: 'invalid_jwks' });
      return false;
    }
    const fingerprint = JSON.stringify(jwks);
    const changed = fingerprint !== this.keyFingerprint;
    if (changed) {
      this.keySet = SigningKeySet.fromJwks(jwks);
      this.keyFingerprint = fingerprint;
      this.generation += 1;
    }
    this.emit({ kind: 'keys_fetched', keyCount: this.keySet?.size ?? 0, changed });
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const resolve of waiters) resolve();
    return true;
  }

  private async fetchJson(url: string): Promise<Fetched> {
    try {
      const res = await fetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.opts.fetchTimeoutMs ?? 5000),
      });
      // Redirects are followed (some IdPs normalise paths), but never from https down to http.
      if (res.redirected && new URL(url).protocol === 'https:' && new URL(res.url).protocol !== 'https:') {
        await res.body?.cancel();
        this.emit({ kind: 'fetch_failed', url, reason: 'insecure_redirect' });
        return { ok: false, reason: 'insecure_redirect' };
      }
      if (!res.ok) {
        await res.body?.cancel();
        this.emit({ kind: 'fetch_failed', url, reason: `http_${res.status}` });
        return { ok: false, reason: `http_${res.status}` };
      }
      const value: unknown = await res.json();
      return { ok: true, value };
    } catch (err: unknown) {
      const reason = err instanceof Error ? err.name : 'fetch_error';
      this.emit({ kind: 'fetch_failed', url, reason });
      return { ok: false, reason };
    }
  }

  private emit(event: KeyStoreEvent): void {
    this.opts.onEvent?.(event);
  }

  /** The current verification keys, or null before the first successful fetch. */
  current(): SigningKeySet | null {
    return this.keySet;
  }

  /**
   * Called when a token names a key the caller did not find in key set `seenGeneration`: refetch,
   * unless one happened within the rate-limit window — otherwise a stream of forged kids would
   * make us hammer the IdP. A fetch already under way is joined rather than refused, so requests
   * arriving together after a key rotation all see the new key, not just the first.
   * Returns true when the key set is newer than the one the caller looked at.
   */
  async refetchForUnknownKey(seenGeneration: number): Promise<boolean> {
    const pending = this.inFlight;
    if (pending !== null) {
      await pending;
      return this.generation !== seenGeneration;
    }
    const now = this.opts.clock();
    if (now - this.lastUnknownKidFetch < (this.opts.unknownKidRefetchIntervalMs ?? 30_000)) {
      return this.generation !== seenGeneration;
    }
    this.lastUnknownKidFetch = now;
    await this.refresh();
    return this.generation !== seenGeneration;
  }
}
