import { randomUUID } from 'node:crypto';
import { toBeginResult, type IdempotencyStore, type StoredRecord } from './idempotency-store.ts';

/** The embedded default: one Map per gateway, expiring on the injected clock. */
export function createMemoryIdempotencyStore(now: () => number): IdempotencyStore {
  const records = new Map<string, { record: StoredRecord; expiresAt: number }>();
  let writes = 0;

  const live = (key: string) => {
    const entry = records.get(key);
    if (entry && entry.expiresAt <= now()) {
      records.delete(key);
      return undefined;
    }
    return entry;
  };
  // Expired keys nobody asks for again are swept now and then, so memory stays bounded by the TTL.
  const sweep = () => {
    if (++writes % 1000 !== 0) return;
    const t = now();
    for (const [key, entry] of records) if (entry.expiresAt <= t) records.delete(key);
  };

  return {
    kind: 'memory',
    async begin(key, fingerprint, inFlightTtlMs) {
      const entry = live(key);
      if (entry) return toBeginResult(entry.record);
      sweep();
      const token = randomUUID();
      records.set(key, { record: { state: 'in-flight', fingerprint, token }, expiresAt: now() + inFlightTtlMs });
      return { state: 'acquired', token };
    },
    async complete(key, token, fingerprint, response, ttlMs) {
      const entry = live(key);
      if (entry?.record.state !== 'in-flight' || entry.record.token !== token) return;
      records.set(key, { record: { state: 'completed', fingerprint, response }, expiresAt: now() + ttlMs });
    },
    async release(key, token) {
      const entry = live(key);
      if (entry?.record.state === 'in-flight' && entry.record.token === token) records.delete(key);
    },
  };
}
