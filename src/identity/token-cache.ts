// A bounded map of verified tokens → identity, keyed by the full token text (never a prefix or
// hash that two tokens could share) and never served past the token's `exp`.
import type { Identity } from './identity.js';

interface Entry {
  readonly identity: Identity;
  readonly expiresAtMs: number;
  readonly keyGeneration: number;
}

export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string, nowMs: number, keyGeneration: number): Identity | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.expiresAtMs || (entry.keyGeneration >= 0 && entry.keyGeneration !== keyGeneration)) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.identity;
  }

  /** `keyGeneration` -1 means the entry does not depend on signing keys (unsigned tokens). */
  set(token: string, identity: Identity, expiresAtMs: number, keyGeneration: number): void {
    if (this.maxEntries <= 0) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(token)) {
      // Oldest insertion first: Map iteration order makes this O(1) without extra bookkeeping.
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { identity, expiresAtMs, keyGeneration });
  }

  clear(): void {
    this.entries.clear();
  }
}
