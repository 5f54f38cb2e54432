// Member data from an OPA bundle served over HTTP (§3.3 `members.bundle_url`): a `.tar.gz` whose
// `/data.json` holds the bindings, polled with If-None-Match so an unchanged bundle costs a 304.

import { createHash } from 'node:crypto';
import { type Clock, systemClock } from '../shared/clock.js';
import { readTarGz } from '../shared/tar.js';
import { countBindings, type MembersDocument, MembersError, type MembersValidationOptions, parseMembersBundleData } from './members-document.js';
import { type MembersOutcome, type MembersSource, type MembersSourceStatus, MembersStatusTracker, systemTimers, type Timers } from './members-source.js';

export interface BundleMembersSourceOptions extends MembersValidationOptions {
  readonly url: string;
  readonly pollIntervalMs: number;
  /** Largest compressed response accepted; the unpacked archive may be at most 8× that. */
  readonly maxBytes?: number;
  readonly requestTimeoutMs?: number;
  readonly fetch?: typeof globalThis.fetch;
  readonly clock?: Clock;
  readonly timers?: Timers;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const MAX_ENTRIES = 1_000;

export class BundleMembersSource implements MembersSource {
  private readonly options: BundleMembersSourceOptions;
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly maxBytes: number;
  private pollTimer: unknown;
  private inFlight: AbortController | undefined;
  private stopped = true;
  /**
   * ETag and body hash of the last bundle received, good or bad: sent back as If-None-Match so a
   * bad bundle is judged (and reported) once, not on every poll.
   */
  private lastSeenEtag: string | undefined;
  private lastSeenHash: string | undefined;
  private polling: Promise<MembersOutcome> | undefined;
  private onUpdate: (doc: MembersDocument) => void = () => undefined;
  private onError: (err: Error) => void = () => undefined;
  private readonly tracker = new MembersStatusTracker();

  constructor(options: BundleMembersSourceOptions) {
    this.options = options;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  async start(onUpdate: (doc: MembersDocument) => void, onError: (err: Error) => void): Promise<void> {
    this.onUpdate = onUpdate;
    this.onError = onError;
    this.stopped = false;
    await this.pollOnce();
    this.scheduleNext();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer !== undefined) this.timers.clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.inFlight?.abort();
    await this.polling;
  }

  status(): MembersSourceStatus {
    return this.tracker.snapshot('bundle', this.options.url);
  }

  /** One poll: fetch, validate, hand over. Concurrent calls share the poll in progress. */
  pollOnce(): Promise<MembersOutcome> {
    if (this.polling !== undefined) return this.polling;
    this.polling = this.fetchAndApply().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    this.pollTimer = this.timers.setTimeout(() => {
      this.pollTimer = undefined;
      void this.pollOnce().then(() => this.scheduleNext());
    }, this.options.pollIntervalMs);
  }

  private async fetchAndApply(): Promise<MembersOutcome> {
    const attemptAt = this.clock();
    const controller = new AbortController();
    this.inFlight = controller;
    const timeout = this.timers.setTimeout(() => controller.abort(), this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    let body: Uint8Array;
    let etag: string | undefined;
    try {
      const headers: Record<string, string> = { accept: 'application/gzip, application/octet-stream' };
      if (this.lastSeenEtag !== undefined) headers['if-none-match'] = this.lastSeenEtag;
      const response = await this.fetchImpl(this.options.url, { headers, signal: controller.signal, redirect: 'follow' });
      if (response.status === 304) {
        await response.body?.cancel();
        // Same bundle as last time: whatever it was judged then still holds.
        const outcome = this.tracker.unchanged(attemptAt);
        return outcome;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        return this.fail('unreachable', attemptAt, new MembersError('members_fetch_failed', `${this.options.url}: HTTP ${response.status}`));
      }
      etag = response.headers.get('etag') ?? undefined;
      body = await readBounded(response, this.maxBytes);
    } catch (error: unknown) {
      if (this.stopped) return this.tracker.lastOutcome;
      const detail = error instanceof BodyTooLargeError ? error.message : describeFetchError(error);
      const outcome = error instanceof BodyTooLargeError ? 'rejected' : 'unreachable';
      return this.fail(outcome, attemptAt, new MembersError(outcome === 'rejected' ? 'members_invalid' : 'members_fetch_failed', `${this.options.url}: ${detail}`));
    } finally {
      this.timers.clearTimeout(timeout);
      this.inFlight = undefined;
    }

    const hash = createHash('sha256').update(body).digest('hex');
    if (hash === this.lastSeenHash) {
      // A server without ETags sent the same bytes again.
      this.lastSeenEtag = etag;
      const outcome = this.tracker.unchanged(attemptAt);
      return outcome;
    }
    this.lastSeenEtag = etag;
    this.lastSeenHash = hash;

    const parsed = this.parseBundle(body);
    if (!parsed.ok) return this.fail('rejected', attemptAt, parsed.error);
    this.tracker.loaded(etag ?? `sha256:${hash.slice(0, 16)}`, attemptAt, countBindings(parsed.document));
    if (!this.stopped) {
      try {
        this.onUpdate(parsed.document);
      } catch (error: unknown) {
        this.onError(error instanceof Error ? error : new Error(String(error)));
      }
    }
    return 'loaded';
  }

  private parseBundle(body: Uint8Array): { ok: true; document: MembersDocument } | { ok: false; error: MembersError } {
    const where = this.options.url;
    const archive = readTarGz(body, { maxUnpackedBytes: this.maxBytes * 8, maxEntries: MAX_ENTRIES });
    if (!archive.ok) return { ok: false, error: new MembersError('members_invalid', `${where}: not a usable bundle (${archive.code}): ${archive.message}`) };
    const dataEntry = archive.entries.find((entry) => entry.path === 'data.json');
    if (dataEntry === undefined) return { ok: false, error: new MembersError('members_invalid', `${where}: the bundle has no /data.json`) };
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(dataEntry.data));
    } catch (error: unknown) {
      return { ok: false, error: new MembersError('members_invalid', `${where}: /data.json is not valid JSON: ${error instanceof Error ? error.message : String(error)}`) };
    }
    const parsed = parseMembersBundleData(value, this.options);
    if (!parsed.ok) {
      const message = `${where}: /data.json rejected, the previous member data keeps serving:\n  ${parsed.problems.map((p) => p.message).join('\n  ')}`;
      return { ok: false, error: new MembersError('members_invalid', message, parsed.problems) };
    }
    return { ok: true, document: parsed.document };
  }

  private fail(outcome: Extract<MembersOutcome, 'rejected' | 'unreachable'>, attemptAt: number, error: MembersError): MembersOutcome {
    this.tracker.failed(outcome, attemptAt, error.message);
    if (!this.stopped) this.onError(error);
    return outcome;
  }
}

class BodyTooLargeError extends Error {}

/** Reads a response body, giving up as soon as it passes `limit` bytes rather than buffering it all. */
async function readBounded(response: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel();
    throw new BodyTooLargeError(`response of ${declared} bytes exceeds the ${limit}-byte limit`);
  }
  if (response.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new BodyTooLargeError(`response exceeds the ${limit}-byte limit`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'AbortError') return 'request timed out';
  // undici puts the system error (ECONNREFUSED, ENOTFOUND) in `cause`.
  const cause: unknown = error.cause;
  if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string') return `${error.message} (${cause.code})`;
  return error.message;
}
