// OIDC discovery + JWKS: fetched before readiness, refreshed on a timer, refetched (rate-limited)
// for an unknown `kid`, and the last good keys kept while the IdP is unreachable (§4.2).
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../shared/clock.js';
import { isRecord } from '../shared/is-record.js';

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

function parseJwks(value: unknown): JSONWebKeySet | null {
  if (!isRecord(value) || !Array.isArray(value['keys'])) return null;
  const keys = value['keys'].filter(isRecord);
  // Only signature keys matter; an `enc` key with the same kid must not shadow the signing key.
  return { keys: keys.filter((k) => k['use'] === undefined || k['use'] === 'sig') };
}

type KeyLike = Awaited<ReturnType<JWTVerifyGetKey>>;

/**
 * jose selects the key by kid/alg/kty on every call; the answer only depends on the header, so it
 * is remembered per (kid, alg) for the lifetime of this key set. Failures are not remembered.
 */
function memoizeKeySelection(select: JWTVerifyGetKey, jwks: JSONWebKeySet): JWTVerifyGetKey {
  const chosen = new Map<string, KeyLike>();
  // §4.2: a JWKS with a single key may omit its kid; jose would not match it to a token naming one.
  const onlyKeyHasNoKid = jwks.keys.length === 1 && jwks.keys[0]?.kid === undefined;
  return async (header, token) => {
    const id = `${header.kid ?? ''}\u0000${header.alg ?? ''}`;
    const known = chosen.get(id);
    if (known !== undefined) return known;
    const key = await select(onlyKeyHasNoKid ? { ...header, kid: undefined } : header, token);
    // Bounded by the number of keys × algorithms in one JWKS; a forged kid never gets here.
    if (chosen.size < 256) chosen.set(id, key);
    return key;
  };
}

export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

export class OidcKeyStore {
  private keySet: JWTVerifyGetKey | null = null;
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
    const fingerprint = JSON.stringify(jwks.keys);
    const changed = fingerprint !== this.keyFingerprint;
    if (changed) {
      this.keySet = memoizeKeySelection(createLocalJWKSet(jwks), jwks);
      this.keyFingerprint = fingerprint;
      this.generation += 1;
    }
    this.emit({ kind: 'keys_fetched', keyCount: jwks.keys.length, changed });
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

  /** The current key selector for jose, or null before the first successful fetch. */
  current(): JWTVerifyGetKey | null {
    return this.keySet;
  }

  /**
   * Called when a token names a key we do not hold: refetch, unless one happened within the
   * rate-limit window — otherwise a stream of forged kids would make us hammer the IdP.
   * Returns true when a refetch ran and changed the keys.
   */
  async refetchForUnknownKey(): Promise<boolean> {
    const now = this.opts.clock();
    if (now - this.lastUnknownKidFetch < (this.opts.unknownKidRefetchIntervalMs ?? 30_000)) return false;
    this.lastUnknownKidFetch = now;
    const before = this.generation;
    await this.refresh();
    return this.generation !== before;
  }
}
