import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { IntegrationCounts } from '../store/integration-counts.ts';

export interface WebhookMetrics {
  /** Deliveries that reached a final state: `succeeded` or `dead_lettered`. */
  deliveries: Counter<'outcome'>;
  /** Every attempt, by `succeeded | failed | timeout | network_error`. */
  attempts: Counter<'outcome'>;
  /** From the event's `time` to the endpoint's 2xx. */
  latency: Histogram;
  /** How far behind the bus the dispatcher is: now minus the time of the last event it fanned out. */
  consumerLag: Gauge;
  /** Set by a collect callback the service installs (it needs the database). */
  deadLetterDepth: Gauge<'subscription'>;
  pending: Gauge;
  subscriptionsDisabled: Counter<'reason'>;
  /** Subscriptions per partner, event type and status (set at scrape time). */
  subscriptions: Gauge<'partner' | 'event_type' | 'status'>;
  /** Dead-lettered deliveries per partner and event type (set at scrape time): the map's webhook edges. */
  partnerDeadLetterDepth: Gauge<'partner' | 'event_type'>;
}

/** The registry is passed in, never the global one, so several services and tests can share a process. */
export function createWebhookMetrics(
  registry: Registry,
  collect?: { deadLetters(): Promise<Map<string, number>>; pending(): Promise<number> },
  counts?: IntegrationCounts,
): WebhookMetrics {
  const registers = [registry];
  return {
    deliveries: new Counter({
      name: 'concord_webhooks_deliveries_total',
      help: 'Webhook deliveries that reached a final state, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    attempts: new Counter({
      name: 'concord_webhooks_attempts_total',
      help: 'Webhook delivery attempts, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    latency: new Histogram({
      name: 'concord_webhooks_delivery_latency_seconds',
      help: 'Seconds from the event time to its successful delivery',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36000],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'concord_webhooks_consumer_lag_seconds',
      help: 'Seconds between the last fanned-out event and the moment it was fanned out',
      registers,
    }),
    deadLetterDepth: new Gauge({
      name: 'concord_webhooks_dead_letter_depth',
      help: 'Messages in the dead-letter queue, per subscription',
      labelNames: ['subscription'],
      registers,
      async collect() {
        if (!collect) return;
        const depths = await collect.deadLetters();
        this.reset();
        for (const [subscription, depth] of depths) this.set({ subscription }, depth);
      },
    }),
    pending: new Gauge({
      name: 'concord_webhooks_pending_deliveries',
      help: 'Deliveries waiting for an attempt (including those of paused or disabled subscriptions)',
      registers,
      async collect() {
        if (collect) this.set(await collect.pending());
      },
    }),
    subscriptionsDisabled: new Counter({
      name: 'concord_webhooks_subscriptions_disabled_total',
      help: 'Subscriptions the dispatcher disabled, by reason',
      labelNames: ['reason'],
      registers,
    }),
    subscriptions: new Gauge({
      name: 'concord_webhooks_subscriptions',
      help: 'Webhook subscriptions per partner, event type and status',
      labelNames: ['partner', 'event_type', 'status'],
      registers,
      async collect() {
        if (!counts) return;
        const rows = await counts.subscriptions();
        this.reset();
        for (const r of rows) this.set({ partner: r.partner, event_type: r.eventType, status: r.status }, r.count);
      },
    }),
    partnerDeadLetterDepth: new Gauge({
      name: 'concord_webhooks_partner_dead_letter_depth',
      help: 'Messages in the dead-letter queue, per partner and event type',
      labelNames: ['partner', 'event_type'],
      registers,
      async collect() {
        if (!counts) return;
        const rows = await counts.deadLetters();
        this.reset();
        for (const r of rows) this.set({ partner: r.partner, event_type: r.eventType }, r.depth);
      },
    }),
  };
}
