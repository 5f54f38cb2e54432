// A bounded map for hot-path caches. Evicting "the oldest key" from a full Map means iterating from
// its start over the holes earlier deletions left, which costs several µs per insert once full.
// Here a full young generation becomes the old one and the previous old one is dropped whole; an
// entry read while old moves back to the young one, so entries in use stay while one-offs pass.

export class TwoGenerationMap<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly generationSize: number;

  /** `maxEntries` ≤ 0 keeps nothing. */
  constructor(private readonly maxEntries: number) {
    // Two generations of floor(max/2) never hold more than max entries together.
    this.generationSize = Math.max(1, Math.floor(maxEntries / 2));
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(key: K): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const old = this.old.get(key);
    if (old === undefined) return undefined;
    this.old.delete(key);
    this.insert(key, old);
    return old;
  }

  set(key: K, value: V): void {
    if (this.maxEntries <= 0) return;
    this.old.delete(key);
    this.insert(key, value);
  }

  delete(key: K): void {
    this.young.delete(key);
    this.old.delete(key);
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }

  private insert(key: K, value: V): void {
    if (this.young.size >= this.generationSize && !this.young.has(key)) {
      // With room for a single entry there is no second generation to keep.
      this.old = this.maxEntries >= 2 ? this.young : new Map();
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}
