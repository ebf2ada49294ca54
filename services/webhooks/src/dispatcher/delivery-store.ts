import type { Database } from '@concord/service-runtime/src/database/database.ts';

export interface ClaimedDelivery {
  id: string;
  subscription_id: string;
  message_id: string;
  attempt_count: number;
  total_attempts: number;
  body: string;
  event_time: Date;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

export interface ClaimRequest {
  now: Date;
  leaseUntil: Date;
  /** Subscriptions whose queue is full: claiming more for them would only make them wait. */
  skipSubscriptions: readonly string[];
  /** Deliveries this process already holds (their lease may have run out while they queued). */
  skipDeliveries: readonly string[];
  perSubscription: number;
  limit: number;
}

/** What the dispatcher decided after an attempt; written in batches. */
export interface AttemptRecord {
  deliveryId: string;
  subscriptionId: string;
  attempt: number;
  startedAt: Date;
  durationMs: number;
  outcome: string;
  statusCode: number | null;
  error: string | null;
  /** The delivery's new state. */
  status: 'pending' | 'succeeded' | 'dead_lettered';
  nextAttemptAt: Date | null;
  /** Set when this attempt disables the subscription (410 Gone). */
  disableReason?: string;
}

/**
 * Claims due deliveries a few per subscription (a LATERAL index scan per active subscription), so a
 * subscription with a deep backlog cannot fill a claim and starve the others. A claim is a lease:
 * a dispatcher that dies holding it is replaced when the lease runs out.
 */
export function createDeliveryStore(db: Database) {
  return {
    async claim(req: ClaimRequest): Promise<ClaimedDelivery[]> {
      const { rows } = await db.query<ClaimedDelivery>(
        `WITH due AS (
           SELECT x.id FROM webhook_subscriptions s
           CROSS JOIN LATERAL (
             SELECT d.id FROM webhook_deliveries d
             WHERE d.subscription_id = s.id AND d.status = 'pending' AND d.next_attempt_at <= $1
               AND (d.lease_until IS NULL OR d.lease_until < $1) AND NOT ($4::jsonb ? d.id)
             ORDER BY d.next_attempt_at LIMIT $5
             FOR UPDATE OF d SKIP LOCKED
           ) x
           WHERE s.status = 'active' AND NOT ($3::jsonb ? s.id)
           LIMIT $6
         ), claimed AS (
           UPDATE webhook_deliveries d SET lease_until = $2 FROM due WHERE d.id = due.id
           RETURNING d.id, d.subscription_id, d.message_id, d.attempt_count, d.total_attempts
         )
         SELECT c.*, m.body, m.event_time, s.url, s.secret, s.previous_secret, s.previous_secret_expires_at
         FROM claimed c JOIN webhook_messages m ON m.id = c.message_id JOIN webhook_subscriptions s ON s.id = c.subscription_id`,
        [
          req.now,
          req.leaseUntil,
          JSON.stringify(req.skipSubscriptions),
          JSON.stringify(req.skipDeliveries),
          req.perSubscription,
          req.limit,
        ],
      );
      return rows;
    },

    /**
     * Writes a batch of attempts and their deliveries' new state in one transaction (set-based,
     * so a thousand results cost a handful of statements). Returns the subscriptions that the
     * failure clock disabled, with the reason.
     */
    async record(records: readonly AttemptRecord[], now: Date, disableAfterMs: number): Promise<Map<string, string>> {
      const disabled = new Map<string, string>();
      if (records.length === 0) return disabled;
      const rows = records.map((r) => ({
        id: r.deliveryId,
        attempt: r.attempt,
        started_at: r.startedAt.toISOString(),
        duration_ms: r.durationMs,
        outcome: r.outcome,
        status_code: r.statusCode,
        error: r.error,
        status: r.status,
        next_attempt_at: r.nextAttemptAt?.toISOString() ?? null,
      }));
      const json = JSON.stringify(rows);
      const succeededSubs = [...new Set(records.filter((r) => r.status === 'succeeded').map((r) => r.subscriptionId))];
      const failed = records.filter((r) => r.status !== 'succeeded');
      const failedSubs = [...new Set(failed.map((r) => r.subscriptionId))].filter((s) => !succeededSubs.includes(s));
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, outcome, status_code, error)
           SELECT x.id, x.attempt, x.started_at, x.duration_ms, x.outcome, x.status_code, x.error
           FROM jsonb_to_recordset($1::jsonb) AS x(id text, attempt int, started_at timestamptz, duration_ms int, outcome text, status_code int, error text)
           JOIN webhook_deliveries d ON d.id = x.id
           ON CONFLICT DO NOTHING`,
          [json],
        );
        await tx.query(
          `UPDATE webhook_deliveries d SET status = x.status, attempt_count = d.attempt_count + 1, total_attempts = GREATEST(d.total_attempts, x.attempt),
             last_status_code = x.status_code, last_error = x.error, next_attempt_at = x.next_attempt_at, lease_until = NULL, updated_at = $2,
             delivered_at = CASE WHEN x.status = 'succeeded' THEN $2 ELSE d.delivered_at END
           FROM jsonb_to_recordset($1::jsonb) AS x(id text, attempt int, status_code int, error text, status text, next_attempt_at timestamptz)
           WHERE d.id = x.id`,
          [json, now],
        );
        if (succeededSubs.length > 0) {
          await tx.query(`UPDATE webhook_subscriptions SET failing_since = NULL WHERE $1::jsonb ? id AND failing_since IS NOT NULL`, [
            JSON.stringify(succeededSubs),
          ]);
        }
        for (const r of failed) {
          if (!r.disableReason) continue;
          const res = await tx.query(
            `UPDATE webhook_subscriptions SET status = 'disabled', disabled_reason = $2, updated_at = $3 WHERE id = $1 AND status <> 'disabled'`,
            [r.subscriptionId, r.disableReason, now],
          );
          if (res.rowCount > 0) disabled.set(r.subscriptionId, r.disableReason);
        }
        if (failedSubs.length > 0) {
          const { rows: failing } = await tx.query<{ id: string; failing_since: Date }>(
            `UPDATE webhook_subscriptions SET failing_since = COALESCE(failing_since, $2) WHERE $1::jsonb ? id RETURNING id, failing_since`,
            [JSON.stringify(failedSubs), now],
          );
          for (const sub of failing) {
            if (now.getTime() - sub.failing_since.getTime() < disableAfterMs) continue;
            const last = failed.filter((r) => r.subscriptionId === sub.id).at(-1);
            const reason = `Every delivery has failed since ${sub.failing_since.toISOString()} (longer than ${Math.round(disableAfterMs / 1000)} s); last error: ${last?.error ?? 'unknown'}`;
            const res = await tx.query(
              `UPDATE webhook_subscriptions SET status = 'disabled', disabled_reason = $2, updated_at = $3 WHERE id = $1 AND status = 'active'`,
              [sub.id, reason, now],
            );
            if (res.rowCount > 0) disabled.set(sub.id, reason);
          }
        }
      });
      return disabled;
    },

    async deadLetterDepths(): Promise<Map<string, number>> {
      const { rows } = await db.query<{ subscription_id: string; depth: number }>(
        `SELECT subscription_id, count(*)::int AS depth FROM webhook_deliveries WHERE status = 'dead_lettered' GROUP BY subscription_id`,
      );
      return new Map(rows.map((r) => [r.subscription_id, r.depth]));
    },

    async pendingCount(): Promise<number> {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'`);
      return rows[0]?.n ?? 0;
    },
  };
}

export type DeliveryStore = ReturnType<typeof createDeliveryStore>;
