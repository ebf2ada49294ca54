import { batchHandlerOf, type BusMessage, type BusSubscription, type EventBus, type SubscribeOptions } from './event-bus.ts';

export interface InProcessBusOptions {
  /** Delay before a failed message is delivered again; default 100 ms. */
  redeliveryDelayMs?: number;
  /** Called when a handler throws (the message will be redelivered). */
  onHandlerError?: (err: unknown, message: BusMessage) => void;
}

type Stored = Omit<BusMessage, 'deliveryCount'>;

/**
 * The embedded default: JetStream's semantics (ordered log, de-duplication by message id,
 * durable cursors, redelivery until ack) inside one process, so services behave the same
 * whether or not NATS is running. Lost when the process ends, which is what "embedded" means.
 */
export function createInProcessBus(options: InProcessBusOptions = {}): EventBus {
  const redeliveryDelayMs = options.redeliveryDelayMs ?? 100;
  const log: Stored[] = [];
  const seen = new Set<string>();
  const cursors = new Map<string, number>();
  const wakers = new Set<() => void>();
  const subscribed = new Map<string, Set<string>>();
  let closed = false;

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms).unref());
  }

  async function deliver(opts: SubscribeOptions, isOpen: () => boolean, waitForMore: () => Promise<void>): Promise<void> {
    const subjects = new Set(opts.subjects);
    const { handle, maxBatch } = batchHandlerOf(opts);
    while (isOpen()) {
      // The next batch: matching messages from the cursor on, up to maxBatch; `end` is the cursor after it.
      let end = cursors.get(opts.durable) ?? 0;
      const batch: Stored[] = [];
      while (batch.length < maxBatch && end < log.length) {
        const next = log[end++]!;
        if (subjects.has(next.subject)) batch.push(next);
      }
      if (batch.length === 0) {
        cursors.set(opts.durable, end);
        await waitForMore();
        continue;
      }
      for (let attempt = 1; isOpen(); attempt++) {
        const messages = batch.map((m) => ({ ...m, envelope: structuredClone(m.envelope), deliveryCount: attempt }));
        try {
          await handle(messages);
          cursors.set(opts.durable, end);
          break;
        } catch (err) {
          for (const m of batch) options.onHandlerError?.(err, { ...m, deliveryCount: attempt });
          await sleep(redeliveryDelayMs);
        }
      }
    }
  }

  return {
    async publish(subject, envelope, { msgId }) {
      if (closed) throw new Error('The in-process bus is closed');
      if (seen.has(msgId)) return { duplicate: true };
      seen.add(msgId);
      // Stored as a copy: a publisher mutating its object later must not change history.
      log.push({ subject, msgId, envelope: structuredClone(envelope) });
      for (const wake of wakers) wake();
      return { duplicate: false };
    },
    async subscribe(opts): Promise<BusSubscription> {
      subscribed.set(opts.durable, new Set(opts.subjects));
      let open = true;
      let wake: (() => void) | undefined;
      const waker = () => wake?.();
      wakers.add(waker);
      const waitForMore = () => new Promise<void>((resolve) => (wake = resolve));
      const loop = deliver(opts, () => open && !closed, waitForMore);
      return {
        async close() {
          open = false;
          wakers.delete(waker);
          wake?.();
          await loop;
        },
      };
    },
    async readAll() {
      return log.map((m) => ({ ...m, envelope: structuredClone(m.envelope) }));
    },
    connected: () => !closed,
    async consumerLag() {
      return [...subscribed].map(([consumer, subjects]) => ({
        consumer,
        pending: log.slice(cursors.get(consumer) ?? 0).filter((m) => subjects.has(m.subject)).length,
      }));
    },
    async close() {
      closed = true;
      for (const wake of wakers) wake();
    },
  };
}
