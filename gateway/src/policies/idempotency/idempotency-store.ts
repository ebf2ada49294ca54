/**
 * Where idempotency records live: in memory (one replica) or in Redis (every replica sees the same
 * record). A record is first `in-flight` (a lock with a short TTL, so a crashed replica frees the
 * key) and then `completed` with the stored response (kept for the configured TTL).
 */
export interface StoredResponse {
  status: number;
  headers: [string, string][];
  /** base64 */
  body: string;
}

export type BeginResult =
  | { state: 'acquired'; token: string }
  | { state: 'in-flight'; fingerprint: string }
  | { state: 'completed'; fingerprint: string; response: StoredResponse };

export interface IdempotencyStore {
  readonly kind: 'memory' | 'redis';
  /** Atomically takes the key, or reports what holds it. */
  begin(key: string, fingerprint: string, inFlightTtlMs: number): Promise<BeginResult>;
  /** Replaces our own in-flight lock (identified by `token`) with the completed record. */
  complete(key: string, token: string, fingerprint: string, response: StoredResponse, ttlMs: number): Promise<void>;
  /** Drops our own in-flight lock so the client may retry with the same key. */
  release(key: string, token: string): Promise<void>;
}

/** The JSON kept per key, in both stores. */
export type StoredRecord =
  | { state: 'in-flight'; fingerprint: string; token: string }
  | { state: 'completed'; fingerprint: string; response: StoredResponse };

export function toBeginResult(record: StoredRecord): BeginResult {
  return record.state === 'in-flight'
    ? { state: 'in-flight', fingerprint: record.fingerprint }
    : { state: 'completed', fingerprint: record.fingerprint, response: record.response };
}
