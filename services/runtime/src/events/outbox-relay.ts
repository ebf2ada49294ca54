import type { Database } from '../database/database.ts';
import type { EventBus } from './event-bus.ts';
import { outboxChannel } from './outbox.ts';

export interface OutboxRelayOptions {
  db: Database;
  bus: EventBus;
  /** Rows read per round; default 100. */
  batchSize?: number;
  /** Poll even without a NOTIFY, which can be missed while reconnecting; default 1000 ms. */
  pollIntervalMs?: number;
  /**
   * A failed round (bus down, database down) is retried on the next poll. This hears about the
   * first failure after a success only: an outage is one line in the log, not one per row or poll.
   */
  onError?: (err: unknown) => void;
  /** Hears once when rounds succeed again, with how many failed in between. */
  onRecovered?: (failedRounds: number) => void;
  /** Counts every failed round (e.g. a prom-client Counter). */
  failureCounter?: { inc(): void };
}

export interface OutboxRelay {
  start(): Promise<void>;
  /** Stops polling and waits for the round in progress. */
  stop(): Promise<void>;
  /** Publishes everything unsent now; resolves to how many rows it published. */
  drain(): Promise<number>;
  /** Failed rounds since the last successful one (0 when healthy). */
  failingRounds(): number;
}

interface OutboxRow {
  seq: string | number;
  event_id: string;
  bus_subject: string;
  envelope: unknown;
}

/**
 * Publishes outbox rows in order, then marks them sent. A crash between the two republishes the
 * row on restart with the same message id, which JetStream (and the in-process bus) drops as a
 * duplicate: at-least-once from the database, exactly-once on the stream within the window.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, bus } = options;
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let started = false;
  let failing = 0;

  async function round(): Promise<number> {
    let published = 0;
    for (;;) {
      const { rows } = await db.query<OutboxRow>(
        'SELECT seq, event_id, bus_subject, envelope FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1',
        [batchSize],
      );
      // All of the batch in flight at once, sent in seq order on the bus's one connection (which
      // stores them in that order), and the acks awaited together: one round trip per batch rather
      // than one per row. Only the rows before the first failure count as sent: the rest are
      // published again next round under their message ids, so whatever of them the bus did store
      // is dropped as a duplicate and nothing after a gap is marked before the gap is filled.
      const outcomes = await Promise.allSettled(rows.map((row) => bus.publish(row.bus_subject, row.envelope, { msgId: row.event_id })));
      const failedAt = outcomes.findIndex((o) => o.status === 'rejected');
      const sent = (failedAt === -1 ? rows : rows.slice(0, failedAt)).map((row) => String(row.seq));
      // Marked with one UPDATE per batch. Were this lost (a crash), the rows would be published
      // again under their message ids and dropped as duplicates.
      if (sent.length > 0) await db.query('UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])', [`{${sent.join(',')}}`]);
      const failure = outcomes[failedAt];
      if (failure?.status === 'rejected') throw failure.reason;
      published += sent.length;
      if (rows.length < batchSize) return published;
    }
  }

  /** Accounting per round, not per caller: callers that joined a running round share its outcome. */
  function settled(err: unknown): void {
    if (err === undefined) {
      if (failing === 0) return;
      const failed = failing;
      failing = 0;
      options.onRecovered?.(failed);
      return;
    }
    options.failureCounter?.inc();
    if (failing++ === 0) options.onError?.(err);
  }

  /** One round at a time; a kick during a round schedules exactly one more. */
  function drain(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        do {
          again = false;
          total += await round();
        } while (again && started);
        settled(undefined);
        return total;
      } catch (err) {
        settled(err);
        throw err;
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  function kick(): void {
    // Failures are reported by settled(); the next poll retries.
    drain().catch(() => {});
  }

  return {
    async start() {
      if (started) return;
      started = true;
      unlisten = await db.listen(outboxChannel(db.schema), kick);
      timer = setInterval(kick, pollIntervalMs);
      timer.unref();
      kick();
    },
    async stop() {
      started = false;
      if (timer) clearInterval(timer);
      timer = undefined;
      await unlisten?.();
      unlisten = undefined;
      await running?.catch(() => 0);
    },
    drain,
    failingRounds: () => failing,
  };
}
