/**
 * What one replica knows of each key's fixed window while its limits live in Redis: the count and
 * window end Redis last answered, plus the points this replica admitted or refused in memory while
 * Redis was unavailable and has not yet written back (`unsynced`).
 *
 * It replaces rate-limiter-flexible's `insuranceLimiter` for the Redis store. That option hands a
 * failed call to an independent RateLimiterMemory (lib/RateLimiterInsuredAbstract.js, _handleError):
 * the memory limiter starts each key at 0 with a window of its own, and nothing it counts ever
 * reaches Redis. A partner that had used its plan got a fresh one when Redis went, and another when
 * Redis came back empty or with the window expired: up to three plans in one window. Here the memory
 * count continues from Redis's, in Redis's window, and what was counted in memory is carried back
 * (limit-store.ts, CARRY).
 *
 * Bounded: entries are dropped when their window ends (swept every `SWEEP_EVERY` writes), and past
 * `maxKeys` the oldest key is forgotten (its next outage starts it from 0, as before this existed).
 */
export interface WindowCount {
  /** Points counted in the window, Redis's answer plus `unsynced`. */
  consumed: number;
  /** Epoch ms when the window ends. */
  resetAt: number;
  /** Points counted here in memory and not yet written to Redis. */
  unsynced: number;
}

/** Points counted in memory during an outage, taken out to be written to Redis. */
export interface Carry {
  /** The count Redis last answered for this window (what the memory count continued from). */
  base: number;
  /** Points counted in memory since. */
  points: number;
  /** Milliseconds left in the window. */
  msLeft: number;
}

export interface WindowCounts {
  /** Records Redis's answer (count and ms left in its window) for the key. */
  seen(key: string, consumed: number, msBeforeNext: number, now: number): void;
  /**
   * Counts `points` in memory, continuing the key's window (or starting one of `windowMs` when it has
   * none or it ended); returns the window as it now is.
   */
  consume(key: string, points: number, windowMs: number, now: number): WindowCount;
  /** Takes the key's unsynced points out to write them to Redis; undefined when there are none. */
  takeCarry(key: string, now: number): Carry | undefined;
  /** Puts taken points back when writing them failed (they are still owed to Redis). */
  giveBack(key: string, carry: Carry, now: number): void;
  /** Keys with points counted in memory and not yet written to Redis. */
  owed(now: number): string[];
  size(): number;
}

const SWEEP_EVERY = 1000;

export function createWindowCounts(options: { maxKeys?: number } = {}): WindowCounts {
  const maxKeys = options.maxKeys ?? 100_000;
  const windows = new Map<string, WindowCount>();
  let writes = 0;

  const live = (key: string, now: number) => {
    const entry = windows.get(key);
    if (entry && entry.resetAt <= now) {
      windows.delete(key);
      return undefined;
    }
    return entry;
  };
  const put = (key: string, entry: WindowCount, now: number) => {
    windows.set(key, entry);
    if (++writes % SWEEP_EVERY === 0) for (const [k, e] of windows) if (e.resetAt <= now) windows.delete(k);
    if (windows.size > maxKeys) windows.delete(windows.keys().next().value as string);
  };

  return {
    seen(key, consumed, msBeforeNext, now) {
      const entry = live(key, now);
      // Points counted in memory while this answer was on its way are still owed to Redis.
      const unsynced = entry?.unsynced ?? 0;
      if (entry) {
        entry.consumed = consumed + unsynced;
        entry.resetAt = now + msBeforeNext;
        return;
      }
      put(key, { consumed, resetAt: now + msBeforeNext, unsynced: 0 }, now);
    },
    consume(key, points, windowMs, now) {
      const entry = live(key, now);
      if (entry) {
        entry.consumed += points;
        entry.unsynced += points;
        return { ...entry };
      }
      const fresh = { consumed: points, resetAt: now + windowMs, unsynced: points };
      put(key, fresh, now);
      return { ...fresh };
    },
    takeCarry(key, now) {
      const entry = live(key, now);
      if (!entry || entry.unsynced === 0) return undefined;
      const carry = { base: entry.consumed - entry.unsynced, points: entry.unsynced, msLeft: entry.resetAt - now };
      entry.unsynced = 0;
      return carry;
    },
    giveBack(key, carry, now) {
      const entry = live(key, now);
      if (entry) entry.unsynced += carry.points;
    },
    owed(now) {
      const keys: string[] = [];
      for (const [key, entry] of windows) if (entry.unsynced > 0 && entry.resetAt > now) keys.push(key);
      return keys;
    },
    size: () => windows.size,
  };
}
