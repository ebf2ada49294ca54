/**
 * Verified tokens, remembered until they expire so the hot path verifies a token once. A Map keeps
 * insertion order, which makes it an LRU: a hit is moved to the end, the oldest entry is evicted.
 */
export class VerifiedTokenCache<V> {
  readonly #max: number;
  readonly #entries = new Map<string, { value: V; validUntil: number }>();

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  get(token: string, now: number): V | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    this.#entries.delete(token);
    if (entry.validUntil <= now) return undefined;
    this.#entries.set(token, entry);
    return entry.value;
  }

  set(token: string, value: V, validUntil: number): void {
    if (this.#max === 0) return;
    this.#entries.delete(token);
    this.#entries.set(token, { value, validUntil });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
