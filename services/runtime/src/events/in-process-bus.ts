import type { BusMessage, BusSubscription, EventBus, SubscribeOptions } from './event-bus.ts';

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
    while (isOpen()) {
      const index = cursors.get(opts.durable) ?? 0;
      const next = log[index];
      if (!next) {
        await waitForMore();
        continue;
      }
      if (!subjects.has(next.subject)) {
        cursors.set(opts.durable, index + 1);
        continue;
      }
      for (let attempt = 1; isOpen(); attempt++) {
        try {
          await opts.handler({ ...next, envelope: structuredClone(next.envelope), deliveryCount: attempt });
          cursors.set(opts.durable, index + 1);
          break;
        } catch (err) {
          options.onHandlerError?.(err, { ...next, deliveryCount: attempt });
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
