import type { Queryable } from '@concord/service-runtime/src/database/database.ts';
import type { IdempotencyRecord } from './order.ts';

/** What claiming a partner's Idempotency-Key found. */
export type KeyClaim = { kind: 'claimed'; claimedAt: Date } | { kind: 'in-flight' } | { kind: 'completed'; record: IdempotencyRecord };

/**
 * Idempotency-Keys are the partner's own: unique on (partner, key), so one partner can neither
 * replay nor squat another's. A key is claimed (committed on its own) before any work starts,
 * which makes a concurrent duplicate see it in flight instead of doing the work twice; the claim
 * is completed with the response in the transaction that writes the order, or released when the
 * request fails before that. A claim whose holder died is taken over once `leaseMs` has passed.
 */
export interface IdempotencyKeys {
  claim(db: Queryable, partner: string, key: string, requestHash: string, now: Date): Promise<KeyClaim>;
  /** Stores the response with the claim; false when the claim is no longer this request's. */
  complete(
    tx: Queryable,
    partner: string,
    key: string,
    claimedAt: Date,
    orderId: string,
    response: IdempotencyRecord['response'],
  ): Promise<boolean>;
  release(db: Queryable, partner: string, key: string, claimedAt: Date): Promise<void>;
}

interface KeyRow {
  request_hash: string;
  response_status: number | null;
  response_body: string | null;
}

export function createIdempotencyKeys(options: { leaseMs: number }): IdempotencyKeys {
  return {
    async claim(db, partner, key, requestHash, now) {
      const staleBefore = new Date(now.getTime() - options.leaseMs);
      const { rows: won } = await db.query<{ claimed_at: Date | string }>(
        `INSERT INTO idempotency_keys (partner, key, request_hash, claimed_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (partner, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, claimed_at = EXCLUDED.claimed_at
           WHERE idempotency_keys.response_status IS NULL AND idempotency_keys.claimed_at < $5
         RETURNING claimed_at`,
        [partner, key, requestHash, now, staleBefore],
      );
      if (won.length > 0) return { kind: 'claimed', claimedAt: now };
      const { rows } = await db.query<KeyRow>(
        'SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE partner = $1 AND key = $2',
        [partner, key],
      );
      const row = rows[0];
      if (!row || row.response_status === null || row.response_body === null) return { kind: 'in-flight' };
      const body: unknown = JSON.parse(row.response_body);
      return {
        kind: 'completed',
        record: { key, requestHash: row.request_hash, response: { status: row.response_status, body } as IdempotencyRecord['response'] },
      };
    },

    async complete(tx, partner, key, claimedAt, orderId, response) {
      const { rows } = await tx.query(
        `UPDATE idempotency_keys SET order_id = $4, response_status = $5, response_body = $6
          WHERE partner = $1 AND key = $2 AND claimed_at = $3 AND response_status IS NULL RETURNING key`,
        [partner, key, claimedAt, orderId, response.status, JSON.stringify(response.body)],
      );
      return rows.length > 0;
    },

    async release(db, partner, key, claimedAt) {
      await db.query('DELETE FROM idempotency_keys WHERE partner = $1 AND key = $2 AND claimed_at = $3 AND response_status IS NULL', [
        partner,
        key,
        claimedAt,
      ]);
    },
  };
}
