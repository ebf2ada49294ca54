/**
 * Verified tokens, remembered until they expire so the hot path verifies a token once. A Map keeps
 * insertion order, which makes it an LRU: the oldest entry is evicted first, and a hit moves its
 * entry to the end. The move (a delete and a set, each hashing a ~700-character token again) is made
 * only when the entry has drifted into the older half, measured in insertions since it was last
 * placed: a partner's token hit on every request stays put while nothing new arrives, and an entry
 * in use is still moved before it can reach the front.
 */
interface Entry<V> {
  value: V;
  validUntil: number;
  /** The insertion count when the entry was last placed at the end. */
  placed: number;
}

export class VerifiedTokenCache<V> {
  readonly #max: number;
  readonly #entries = new Map<string, Entry<V>>();
  #insertions = 0;

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  get(token: string, now: number): V | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (entry.validUntil <= now) {
      this.#entries.delete(token);
      return undefined;
    }
    if (this.#insertions - entry.placed > this.#max / 2) {
      this.#entries.delete(token);
      entry.placed = this.#insertions;
      this.#entries.set(token, entry);
    }
    return entry.value;
  }

  set(token: string, value: V, validUntil: number): void {
    if (this.#max === 0) return;
    this.#entries.delete(token);
    this.#entries.set(token, { value, validUntil, placed: ++this.#insertions });
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
