import type { components } from '@concord/contracts/generated/webhooks.v1/types.ts';

export type WebhookSubscription = components['schemas']['WebhookSubscription'];
export type WebhookDelivery = components['schemas']['WebhookDelivery'];
export type WebhookAttempt = components['schemas']['WebhookAttempt'];
export type SubscriptionStatus = components['schemas']['SubscriptionStatus'];
export type DeliveryStatus = components['schemas']['DeliveryStatus'];

/** pg and PGlite return timestamptz as Date; the contract wants RFC 3339 strings. */
export function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

export function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}

export interface SubscriptionRow {
  id: string;
  partner: string;
  url: string;
  event_types: string[];
  description: string | null;
  status: SubscriptionStatus;
  disabled_reason: string | null;
  failing_since: Date | null;
  previous_secret_expires_at: Date | null;
  dead_letter_count: number;
  created_at: Date;
  updated_at: Date;
}

export function toSubscription(row: SubscriptionRow, now: Date): WebhookSubscription {
  const overlapEnds = row.previous_secret_expires_at && row.previous_secret_expires_at > now ? row.previous_secret_expires_at : null;
  return {
    id: row.id,
    url: row.url,
    event_types: row.event_types,
    description: row.description,
    status: row.status,
    disabled_reason: row.disabled_reason,
    failing_since: isoOrNull(row.failing_since),
    previous_secret_expires_at: isoOrNull(overlapEnds),
    dead_letter_count: Number(row.dead_letter_count),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export interface DeliveryRow {
  id: string;
  subscription_id: string;
  message_id: string;
  event_type: string;
  event_time: Date;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    subscription_id: row.subscription_id,
    message_id: row.message_id,
    event_type: row.event_type,
    event_time: iso(row.event_time),
    status: row.status,
    attempt_count: row.attempt_count,
    next_attempt_at: row.status === 'pending' ? isoOrNull(row.next_attempt_at) : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    delivered_at: isoOrNull(row.delivered_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** Keyset pagination: the cursor is the (created_at, id) of the last item, opaque to clients. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify({ t: createdAt.toISOString(), i: id })).toString('base64url');
}

export function decodeCursor(cursor: string): { t: Date; i: string } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { t?: unknown; i?: unknown };
    if (typeof parsed.t !== 'string' || typeof parsed.i !== 'string') return undefined;
    const t = new Date(parsed.t);
    return Number.isNaN(t.getTime()) ? undefined : { t, i: parsed.i };
  } catch {
    return undefined;
  }
}
