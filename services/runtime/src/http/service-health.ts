import { Counter, Gauge, Registry } from 'prom-client';
import type { Database } from '../database/database.ts';
import type { EventBus } from '../events/event-bus.ts';

export interface ServiceHealthDeps {
  /** Label of every metric, e.g. `orders`. */
  service: string;
  db: Database;
  bus?: EventBus;
  /** False for a service without an outbox table; default true. */
  outbox?: boolean;
  /** Default: a fresh registry (never prom-client's global one). */
  registry?: Registry;
  /** How long the database may take to answer a readiness probe; default 1000 ms. */
  probeTimeoutMs?: number;
}

export interface DependencyCheck {
  status: 'up' | 'down';
  error?: string;
}

export interface Readiness {
  ready: boolean;
  draining: boolean;
  checks: { database: DependencyCheck; bus?: DependencyCheck };
  /** Unpublished outbox rows and the age of the oldest; undefined when the database does not answer. */
  outbox?: { backlog: number; oldest_unpublished_age_seconds: number | null };
}

export interface ServiceHealth {
  registry: Registry;
  /** Pass to the outbox relay (`failureCounter`): every failed round counts. */
  relayFailures: { inc(): void };
  readiness(): Promise<Readiness>;
  /** After SIGTERM: readiness turns false so load balancers stop sending. */
  setDraining(): void;
}

interface OutboxRow {
  backlog: number;
  oldest: number | null;
}

function withDeadline<T>(ms: number, work: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

function errorText(err: unknown): string {
  if (err instanceof Error && err.cause instanceof Error) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * What a service says about itself. Readiness is the truth about its dependencies (database
 * answers, broker connected) plus the outbox backlog; liveness (/healthz) stays separate, so an
 * outage makes the service unready, never restarted. The metrics read the same sources at scrape time.
 */
export function createServiceHealth(deps: ServiceHealthDeps): ServiceHealth {
  const registry = deps.registry ?? new Registry();
  const registers = [registry];
  const labels = { service: deps.service };
  const probeTimeoutMs = deps.probeTimeoutMs ?? 1000;
  const hasOutbox = deps.outbox ?? true;
  let draining = false;

  const outboxState = async (): Promise<OutboxRow> => {
    const { rows } = await withDeadline(
      probeTimeoutMs,
      deps.db.query<OutboxRow>(
        'SELECT count(*)::int AS backlog, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS oldest FROM outbox WHERE published_at IS NULL',
      ),
    );
    return { backlog: Number(rows[0]?.backlog ?? 0), oldest: rows[0]?.oldest == null ? null : Number(rows[0].oldest) };
  };

  const relayFailures = new Counter({
    name: 'concord_outbox_publish_failures_total',
    help: 'Outbox relay rounds that failed to publish (bus or database unavailable); each is retried on the next poll',
    labelNames: ['service'],
    registers,
  });
  relayFailures.inc(labels, 0);

  if (hasOutbox) {
    // A database that does not answer leaves the outbox gauges at their last value (readiness says why).
    const scrape = () => outboxState().catch(() => undefined);
    new Gauge({
      name: 'concord_outbox_backlog',
      help: 'Outbox rows not yet published to the bus',
      labelNames: ['service'],
      registers,
      async collect() {
        const state = await scrape();
        if (state) this.set(labels, state.backlog);
      },
    });
    new Gauge({
      name: 'concord_outbox_oldest_unpublished_age_seconds',
      help: 'Age of the oldest outbox row not yet published (0 when there is none)',
      labelNames: ['service'],
      registers,
      async collect() {
        const state = await scrape();
        if (state) this.set(labels, state.oldest ?? 0);
      },
    });
  }
  if (deps.bus) {
    const bus = deps.bus;
    new Gauge({
      name: 'concord_bus_consumer_pending_messages',
      help: 'Messages in the stream a durable consumer has not been given yet (JetStream num_pending)',
      labelNames: ['service', 'consumer'],
      registers,
      async collect() {
        const lags = await withDeadline(probeTimeoutMs, bus.consumerLag()).catch(() => undefined);
        if (!lags) return;
        this.reset();
        for (const lag of lags) this.set({ ...labels, consumer: lag.consumer }, lag.pending);
      },
    });
    new Gauge({
      name: 'concord_bus_connected',
      help: '1 while the connection to the event bus is up, 0 while it is being re-established',
      labelNames: ['service'],
      registers,
      collect() {
        this.set(labels, bus.connected() ? 1 : 0);
      },
    });
  }

  return {
    registry,
    relayFailures: { inc: () => relayFailures.inc(labels) },
    setDraining: () => {
      draining = true;
    },
    async readiness() {
      const database: DependencyCheck = await withDeadline(probeTimeoutMs, deps.db.query('SELECT 1')).then(
        () => ({ status: 'up' as const }),
        (err: unknown) => ({ status: 'down' as const, error: errorText(err) }),
      );
      const checks: Readiness['checks'] = { database };
      if (deps.bus) checks.bus = deps.bus.connected() ? { status: 'up' } : { status: 'down', error: 'not connected; reconnecting' };
      const outbox =
        hasOutbox && database.status === 'up'
          ? await outboxState().then(
              (s) => ({ backlog: s.backlog, oldest_unpublished_age_seconds: s.oldest }),
              () => undefined,
            )
          : undefined;
      const ready = !draining && database.status === 'up' && checks.bus?.status !== 'down';
      return { ready, draining, checks, ...(outbox ? { outbox } : {}) };
    },
  };
}
