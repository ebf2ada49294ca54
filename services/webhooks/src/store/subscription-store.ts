import type { Database, SqlValue } from '@concord/service-runtime/src/database/database.ts';
import {
  decodeCursor,
  encodeCursor,
  toDelivery,
  toSubscription,
  type DeliveryRow,
  type DeliveryStatus,
  type SubscriptionRow,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookSubscription,
} from './rows.ts';

/** A new delivery id made by the database, so fan-out and replay insert many rows in one statement. */
export const NEW_DELIVERY_ID = `'dlv_' || replace(gen_random_uuid()::text, '-', '')`;

const SUBSCRIPTION_COLUMNS = `s.id, s.partner, s.url, s.event_types, s.description, s.status, s.disabled_reason, s.failing_since,
  s.previous_secret_expires_at, s.created_at, s.updated_at,
  (SELECT count(*)::int FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status = 'dead_lettered') AS dead_letter_count`;

const DELIVERY_COLUMNS = `d.id, d.subscription_id, d.message_id, m.event_type, m.event_time, d.status, d.attempt_count, d.next_attempt_at,
  d.last_status_code, d.last_error, d.delivered_at, d.created_at, d.updated_at`;

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('The cursor is not one this API returned.');
    this.name = this.constructor.name;
  }
}

function page<R extends { created_at: Date; id: string }, T>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown[shown.length - 1];
  return { data: shown.map(map), next_cursor: more && last ? encodeCursor(last.created_at, last.id) : null };
}

function cursorFilter(cursor: string | undefined, params: SqlValue[], alias: string): string {
  if (!cursor) return '';
  const position = decodeCursor(cursor);
  if (!position) throw new InvalidCursorError();
  params.push(position.t, position.i);
  return ` AND (${alias}.created_at, ${alias}.id) < ($${params.length - 1}, $${params.length})`;
}

export interface NewSubscription {
  id: string;
  partner: string;
  url: string;
  eventTypes: readonly string[];
  description: string | null;
  secret: string;
}

/** Everything the API reads and changes; every query is scoped to the partner. */
export function createSubscriptionStore(db: Database, clock: { now(): Date }) {
  async function get(partner: string, id: string): Promise<WebhookSubscription | undefined> {
    const { rows } = await db.query<SubscriptionRow>(
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s WHERE s.partner = $1 AND s.id = $2`,
      [partner, id],
    );
    return rows[0] && toSubscription(rows[0], clock.now());
  }

  return {
    get,

    async create(sub: NewSubscription): Promise<WebhookSubscription> {
      const now = clock.now();
      await db.query(
        `INSERT INTO webhook_subscriptions (id, partner, url, event_types, description, secret, created_at, updated_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $7)`,
        [sub.id, sub.partner, sub.url, JSON.stringify(sub.eventTypes), sub.description, sub.secret, now],
      );
      return (await get(sub.partner, sub.id))!;
    },

    async list(partner: string, limit: number, cursor?: string): Promise<Page<WebhookSubscription>> {
      const params: SqlValue[] = [partner];
      const after = cursorFilter(cursor, params, 's');
      params.push(limit + 1);
      const { rows } = await db.query<SubscriptionRow>(
        `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s WHERE s.partner = $1${after} ORDER BY s.created_at DESC, s.id DESC LIMIT $${params.length}`,
        params,
      );
      const now = clock.now();
      return page(rows, limit, (row) => toSubscription(row, now));
    },

    async remove(partner: string, id: string): Promise<boolean> {
      const result = await db.query('DELETE FROM webhook_subscriptions WHERE partner = $1 AND id = $2', [partner, id]);
      return result.rowCount > 0;
    },

    /** Pause, or resume (which also clears a disabled subscription's reason and failure clock). */
    async setStatus(partner: string, id: string, status: 'active' | 'paused'): Promise<WebhookSubscription | undefined> {
      const sql =
        status === 'paused'
          ? `UPDATE webhook_subscriptions SET status = 'paused', updated_at = $3 WHERE partner = $1 AND id = $2 AND status <> 'paused'`
          : `UPDATE webhook_subscriptions SET status = 'active', disabled_reason = NULL, failing_since = NULL, updated_at = $3 WHERE partner = $1 AND id = $2 AND status <> 'active'`;
      await db.query(sql, [partner, id, clock.now()]);
      return get(partner, id);
    },

    /** The old secret keeps signing (second signature) until the overlap ends. */
    async rotateSecret(partner: string, id: string, secret: string, overlapMs: number): Promise<{ expiresAt: Date } | undefined> {
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + overlapMs);
      const result = await db.query(
        `UPDATE webhook_subscriptions SET previous_secret = secret, previous_secret_expires_at = $4, secret = $3, updated_at = $5 WHERE partner = $1 AND id = $2`,
        [partner, id, secret, expiresAt, now],
      );
      return result.rowCount > 0 ? { expiresAt } : undefined;
    },

    /** Where and with which secrets to sign a message for one of the partner's subscriptions, newest first. */
    async signingTarget(partner: string, id: string, now: Date): Promise<{ url: string; secrets: string[] } | undefined> {
      const { rows } = await db.query<{
        url: string;
        secret: string;
        previous_secret: string | null;
        previous_secret_expires_at: Date | null;
      }>('SELECT url, secret, previous_secret, previous_secret_expires_at FROM webhook_subscriptions WHERE partner = $1 AND id = $2', [
        partner,
        id,
      ]);
      const row = rows[0];
      if (!row) return undefined;
      const overlapping = row.previous_secret && row.previous_secret_expires_at && row.previous_secret_expires_at > now;
      return { url: row.url, secrets: overlapping ? [row.secret, row.previous_secret!] : [row.secret] };
    },

    async listDeliveries(subscriptionId: string, limit: number, status?: DeliveryStatus, cursor?: string): Promise<Page<WebhookDelivery>> {
      const params: SqlValue[] = [subscriptionId];
      let filter = '';
      if (status) {
        params.push(status);
        filter = ` AND d.status = $${params.length}`;
      }
      filter += cursorFilter(cursor, params, 'd');
      params.push(limit + 1);
      const { rows } = await db.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id
         WHERE d.subscription_id = $1${filter} ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.length}`,
        params,
      );
      return page(rows, limit, toDelivery);
    },

    async listAttempts(subscriptionId: string, deliveryId: string): Promise<WebhookAttempt[] | undefined> {
      const owner = await db.query('SELECT 1 FROM webhook_deliveries WHERE id = $1 AND subscription_id = $2', [deliveryId, subscriptionId]);
      if (owner.rows.length === 0) return undefined;
      const { rows } = await db.query<{
        attempt: number;
        started_at: Date;
        duration_ms: number;
        outcome: WebhookAttempt['outcome'];
        status_code: number | null;
        error: string | null;
      }>(
        'SELECT attempt, started_at, duration_ms, outcome, status_code, error FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt',
        [deliveryId],
      );
      return rows.map((r) => ({ ...r, started_at: r.started_at.toISOString() }));
    },

    /**
     * Queues messages again with a fresh retry schedule: one message, or every message of the
     * subscription's types since a time. Only messages the subscription received, or that
     * happened after it was created, qualify: a new subscription does not see older history. And
     * only its own partner's messages (or those for every partner): replay never crosses partners.
     */
    async replay(subscriptionId: string, selector: { messageId: string } | { since: Date }): Promise<number> {
      const now = clock.now();
      const params: SqlValue[] = [subscriptionId, now];
      let which: string;
      if ('messageId' in selector) {
        params.push(selector.messageId);
        which = `m.id = $3`;
      } else {
        params.push(selector.since);
        which = `m.event_time >= $3`;
      }
      const result = await db.query(
        `INSERT INTO webhook_deliveries (id, subscription_id, message_id, next_attempt_at, created_at, updated_at)
         SELECT ${NEW_DELIVERY_ID}, s.id, m.id, $2, $2, $2
         FROM webhook_subscriptions s JOIN webhook_messages m ON s.event_types ? m.event_type
         WHERE s.id = $1 AND ${which}
           AND (m.audience_all OR m.owner = s.partner OR EXISTS (SELECT 1 FROM webhook_deliveries y WHERE y.subscription_id = s.id AND y.message_id = m.id))
           AND (m.event_time >= s.created_at OR EXISTS (SELECT 1 FROM webhook_deliveries x WHERE x.subscription_id = s.id AND x.message_id = m.id))
         ON CONFLICT (subscription_id, message_id) DO UPDATE
           SET status = 'pending', attempt_count = 0, next_attempt_at = $2, lease_until = NULL, updated_at = $2`,
        params,
      );
      return result.rowCount;
    },
  };
}

export type SubscriptionStore = ReturnType<typeof createSubscriptionStore>;
