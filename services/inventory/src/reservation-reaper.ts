import type { AdvisoryLock, Database } from '@concord/service-runtime/src/database/database.ts';
import type { OrderLookup } from './order-lookup.ts';
import type { ReaperConfig } from './reaper-config.ts';
import type { StockLedger } from './stock-ledger.ts';

export interface ReservationReaperDeps extends ReaperConfig {
  db: Database;
  ledger: StockLedger;
  orders: OrderLookup;
  /** Candidates per round; default 100. */
  batchSize?: number;
  onError: (err: unknown) => void;
  log?: (line: string) => void;
}

export interface ReservationReaper {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One round now (if this replica is the leader): how many reservations it released and confirmed. */
  reap(): Promise<{ released: number; confirmed: number; leader: boolean }>;
}

interface Candidate {
  order_id: string;
  partner: string | null;
}

/**
 * Releases stock held for orders that never committed: orders reserves before it writes, and a
 * crash (or a lost compensation) in between leaves a reservation with no order.
 *
 * The rule, and why a committed order's stock is never released: a reservation still `reserved`
 * and unconfirmed after its `expires_at` (made + `ttlMs`) is looked up at orders. 200 means the order is
 * committed: the reservation is marked confirmed and never looked at again. 404 means it is not,
 * and it never will be, because orders refuses to commit an order later than its commit deadline
 * after it started reserving (ORDERS_COMMIT_DEADLINE_MS, well below the TTL). Only then is the
 * stock released, with `inventory.released` (reason `order_write_failed`: the order was never
 * written). No answer, or any other answer, releases nothing; the next round asks again.
 *
 * One replica reaps at a time: the leader holds a PostgreSQL advisory lock on a session of its
 * own. If it dies, the server drops the session and the lock, and another replica takes over on
 * its next round. The release itself locks the reservation row and re-checks its state, so even
 * two reapers would release a reservation once.
 */
export function createReservationReaper(deps: ReservationReaperDeps): ReservationReaper {
  const batchSize = deps.batchSize ?? 100;
  const lockKey = `${deps.db.schema}.reservation-reaper`;
  let lock: AdvisoryLock | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let failing = false;
  let policyWritten = false;

  async function lead(): Promise<boolean> {
    if (lock?.held()) return true;
    lock = await deps.db.tryAdvisoryLock(lockKey);
    if (lock) deps.log?.(`reservation reaper: leader for ${deps.db.schema}`);
    return lock !== undefined;
  }

  /** New reservations expire by this TTL: the insert trigger reads it from reservation_policy. */
  async function writePolicy(): Promise<void> {
    await deps.db.query('UPDATE reservation_policy SET ttl_ms = $1', [deps.ttlMs]);
    policyWritten = true;
  }

  async function reap(): Promise<{ released: number; confirmed: number; leader: boolean }> {
    if (!(await lead())) return { released: 0, confirmed: 0, leader: false };
    if (!policyWritten) await writePolicy();
    let released = 0;
    let confirmed = 0;
    // `partner` exists once reservations are owned by partners; to_jsonb reads it when it is there.
    const { rows } = await deps.db.query<Candidate>(
      `SELECT order_id, to_jsonb(r)->>'partner' AS partner FROM reservations r
        WHERE status = 'reserved' AND confirmed_at IS NULL AND expires_at < now()
        ORDER BY expires_at LIMIT $1`,
      [batchSize],
    );
    for (const row of rows) {
      if (!lock?.held()) break;
      const verdict = await deps.orders.find(row.order_id, row.partner ?? undefined).catch((err: unknown) => {
        deps.onError(new Error(`reservation reaper: no answer from orders about ${row.order_id}; asking again next round`, { cause: err }));
        return undefined;
      });
      if (verdict === 'committed') {
        await deps.db.query('UPDATE reservations SET confirmed_at = now() WHERE order_id = $1 AND confirmed_at IS NULL', [row.order_id]);
        confirmed++;
      } else if (verdict === 'absent') {
        const done = await deps.db.transaction(async (tx) => {
          // Re-checked under the row lock: cancelled or confirmed meanwhile means nothing to do.
          const { rows: still } = await tx.query(
            "SELECT 1 FROM reservations WHERE order_id = $1 AND status = 'reserved' AND confirmed_at IS NULL FOR UPDATE",
            [row.order_id],
          );
          if (still.length === 0) return false;
          await deps.ledger.release(tx, null, row.order_id, 'order_write_failed');
          return true;
        });
        if (done) released++;
      }
    }
    if (released > 0) deps.log?.(`reservation reaper: released ${released} reservation(s) whose order was never committed`);
    return { released, confirmed, leader: true };
  }

  function tick(): void {
    if (running) return;
    running = reap()
      .then(
        () => {
          failing = false;
        },
        (err: unknown) => {
          // One report per outage, not one per round.
          if (!failing) deps.onError(err);
          failing = true;
        },
      )
      .finally(() => {
        running = undefined;
      });
  }

  return {
    async start() {
      if (timer) return;
      // Before the first reservation this process takes; if the database is away, the first round retries.
      await writePolicy().catch(() => {});
      // The first round comes one interval after start, so the services it asks can start too.
      timer = setInterval(tick, deps.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
      await lock?.release();
      lock = undefined;
    },
    reap,
  };
}
