// A bounded map of verified tokens → identity, keyed by the full token text (never a prefix or
// hash that two tokens could share) and never served past the token's `exp`.
import { TwoGenerationMap } from '../shared/two-generation-map.js';
import type { Identity } from './identity.js';

interface Entry {
  readonly identity: Identity;
  readonly expiresAtMs: number;
  readonly keyGeneration: number;
}

export class TokenCache {
  private readonly entries: TwoGenerationMap<string, Entry>;

  constructor(maxEntries: number) {
    this.entries = new TwoGenerationMap(maxEntries);
  }

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
    this.entries.set(token, { identity, expiresAtMs, keyGeneration });
  }

  clear(): void {
    this.entries.clear();
  }
}
