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

/** One attempt as a row of the record statement's JSON input. */
function recordRow(r: AttemptRecord) {
  return {
    id: r.deliveryId,
    sub: r.subscriptionId,
    attempt: r.attempt,
    started_at: r.startedAt.toISOString(),
    duration_ms: r.durationMs,
    outcome: r.outcome,
    status_code: r.statusCode,
    error: r.error,
    status: r.status,
    next_attempt_at: r.nextAttemptAt?.toISOString() ?? null,
  };
}

/**
 * A batch of attempts in one statement: the deliveries' new state (and the end of their lease),
 * their attempts (for deliveries still there: a subscription deleted meanwhile took its deliveries
 * along), and the failure clock stopped for every subscription that had a success.
 */
const RECORD_SQL = `WITH x AS (
    SELECT * FROM json_to_recordset($1::json) AS x(id text, sub text, attempt int, started_at timestamptz, duration_ms int,
      outcome text, status_code int, error text, status text, next_attempt_at timestamptz)
  ), moved AS (
    UPDATE webhook_deliveries d SET status = x.status, attempt_count = d.attempt_count + 1, total_attempts = GREATEST(d.total_attempts, x.attempt),
      last_status_code = x.status_code, last_error = x.error, next_attempt_at = x.next_attempt_at, lease_until = NULL, updated_at = $2,
      delivered_at = CASE WHEN x.status = 'succeeded' THEN $2 ELSE d.delivered_at END
    FROM x WHERE d.id = x.id
    RETURNING d.id
  ), recovered AS (
    UPDATE webhook_subscriptions s SET failing_since = NULL
    WHERE s.failing_since IS NOT NULL AND s.id IN (SELECT x.sub FROM x WHERE x.status = 'succeeded')
  )
  INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, outcome, status_code, error)
  SELECT x.id, x.attempt, x.started_at, x.duration_ms, x.outcome, x.status_code, x.error FROM x JOIN moved ON moved.id = x.id
  ON CONFLICT DO NOTHING`;

/**
 * Claims due deliveries a few per subscription (a LATERAL index scan per active subscription), so a
 * subscription with a deep backlog cannot fill a claim and starve the others. A claim is a lease:
 * a dispatcher that dies holding it is replaced when the lease runs out. A delivery whose lease ran
 * out while it waited in this process's own queue can come back in a claim: the caller drops it
 * (the claim only extended its lease), which is cheaper than sending every held id with each claim.
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
               AND (d.lease_until IS NULL OR d.lease_until < $1)
             ORDER BY d.next_attempt_at LIMIT $4
             FOR UPDATE OF d SKIP LOCKED
           ) x
           WHERE s.status = 'active' AND NOT ($3::jsonb ? s.id)
           LIMIT $5
         ), claimed AS (
           UPDATE webhook_deliveries d SET lease_until = $2 FROM due WHERE d.id = due.id
           RETURNING d.id, d.subscription_id, d.message_id, d.attempt_count, d.total_attempts
         )
         SELECT c.*, m.body, m.event_time, s.url, s.secret, s.previous_secret, s.previous_secret_expires_at
         FROM claimed c JOIN webhook_messages m ON m.id = c.message_id JOIN webhook_subscriptions s ON s.id = c.subscription_id`,
        [req.now, req.leaseUntil, JSON.stringify(req.skipSubscriptions), req.perSubscription, req.limit],
      );
      return rows;
    },

    /**
     * Writes a batch of attempts and their deliveries' new state. When every attempt succeeded,
     * which is the common case, that is one statement (atomic on its own, so no BEGIN and COMMIT
     * round trips): it records the attempts, moves the deliveries on and clears the failure clock
     * of their subscriptions. Failures add the failure clock and the disabling, in one transaction
     * with it. Returns the subscriptions that were disabled, with the reason.
     */
    async record(records: readonly AttemptRecord[], now: Date, disableAfterMs: number): Promise<Map<string, string>> {
      const disabled = new Map<string, string>();
      if (records.length === 0) return disabled;
      const json = JSON.stringify(records.map(recordRow));
      const failed = records.filter((r) => r.status !== 'succeeded');
      if (failed.length === 0) {
        await db.query(RECORD_SQL, [json, now]);
        return disabled;
      }
      const succeededSubs = new Set(records.filter((r) => r.status === 'succeeded').map((r) => r.subscriptionId));
      const failedSubs = [...new Set(failed.map((r) => r.subscriptionId))].filter((s) => !succeededSubs.has(s));
      await db.transaction(async (tx) => {
        await tx.query(RECORD_SQL, [json, now]);
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
