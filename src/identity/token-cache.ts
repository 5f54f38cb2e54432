// A bounded map of verified tokens → identity, keyed by the full token text (never a prefix or
// hash that two tokens could share) and never served past the token's `exp`.
import type { Identity } from './identity.js';

interface Entry {
  readonly identity: Identity;
  readonly expiresAtMs: number;
  readonly keyGeneration: number;
}

/**
 * Two generations instead of FIFO eviction: evicting "the oldest key" from a full Map means
 * iterating from its start over the holes earlier deletions left, which cost several µs per
 * fresh token once the cache was full. Here a full young generation becomes the old one and the
 * previous old one is dropped whole; a token used while old is moved back to the young one, so
 * tokens in use stay while one-off tokens stream past.
 */
export class TokenCache {
  private young = new Map<string, Entry>();
  private old = new Map<string, Entry>();
  private readonly generationSize: number;

  constructor(private readonly maxEntries: number) {
    // Two generations of floor(max/2) never hold more than max entries together.
    this.generationSize = Math.max(1, Math.floor(maxEntries / 2));
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(token: string, nowMs: number, keyGeneration: number): Identity | undefined {
    let entry = this.young.get(token);
    const isOld = entry === undefined;
    if (isOld) entry = this.old.get(token);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.expiresAtMs || (entry.keyGeneration >= 0 && entry.keyGeneration !== keyGeneration)) {
      (isOld ? this.old : this.young).delete(token);
      return undefined;
    }
    if (isOld) {
      this.old.delete(token);
      this.insert(token, entry);
    }
    return entry.identity;
  }

  /** `keyGeneration` -1 means the entry does not depend on signing keys (unsigned tokens). */
  set(token: string, identity: Identity, expiresAtMs: number, keyGeneration: number): void {
    if (this.maxEntries <= 0) return;
    this.old.delete(token);
    this.insert(token, { identity, expiresAtMs, keyGeneration });
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }

  private insert(token: string, entry: Entry): void {
    if (this.young.size >= this.generationSize && !this.young.has(token)) {
      // With room for a single entry there is no second generation to keep.
      this.old = this.maxEntries >= 2 ? this.young : new Map();
      this.young = new Map();
    }
    this.young.set(token, entry);
  }
}
