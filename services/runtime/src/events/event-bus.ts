/**
 * The event bus as services see it. Delivery is at least once: a handler that resolves acks the
 * message, one that throws gets it again later; consumers de-duplicate by the event id.
 */
export interface BusMessage {
  /** The contract's subject (the AsyncAPI channel address), e.g. `concord.order.cancelled`. */
  subject: string;
  /** The message id the publisher gave; the event id for outbox events. */
  msgId: string;
  /** The parsed JSON payload: a CloudEvents envelope, not yet validated. */
  envelope: unknown;
  /** 1 on first delivery, more on redelivery. */
  deliveryCount: number;
}

export type BusHandler = (message: BusMessage) => Promise<void>;

/**
 * Takes several messages at once, in stream order. Resolving acks them all; throwing gets them all
 * again later, so the handler must make the whole batch durable (or none of it) before it resolves.
 */
export type BusBatchHandler = (messages: readonly BusMessage[]) => Promise<void>;

interface SubscribeCommon {
  /** Durable name: a subscriber that comes back under the same name resumes where it left off. */
  durable: string;
  subjects: readonly string[];
}

/**
 * One message at a time (`handler`), or batches of up to `maxBatch` (`batchHandler`): a batch is
 * whatever the bus already holds for the consumer, so a quiet stream gives batches of one with no
 * waiting, and a backlog is taken in large ones.
 */
export type SubscribeOptions = SubscribeCommon & ({ handler: BusHandler } | { batchHandler: BusBatchHandler; maxBatch: number });

export interface BusSubscription {
  close(): Promise<void>;
}

export interface PublishResult {
  /** True when the bus already had a message with this id (and kept only the first). */
  duplicate: boolean;
}

/** How far a durable consumer is behind the stream. */
export interface ConsumerLag {
  /** The durable name as the bus knows it (one per subject on JetStream). */
  consumer: string;
  /** Messages in the stream the consumer has not been given yet (JetStream's num_pending). */
  pending: number;
}

export interface EventBus {
  /** Resolves once the bus has stored the message. The same msgId twice is stored once. */
  publish(subject: string, envelope: unknown, options: { msgId: string }): Promise<PublishResult>;
  subscribe(options: SubscribeOptions): Promise<BusSubscription>;
  /** Every stored message in order: for tests, replay and diagnostics, not for the hot path. */
  readAll(): Promise<Omit<BusMessage, 'deliveryCount'>[]>;
  /** False while the connection to the broker is down (it is being re-established). */
  connected(): boolean;
  /** The lag of every durable consumer this bus has subscribed. */
  consumerLag(): Promise<ConsumerLag[]>;
  close(): Promise<void>;
}

/** Either kind of subscriber as a batch handler: one message at a time is a batch of at most one. */
export function batchHandlerOf(options: SubscribeOptions): { handle: BusBatchHandler; maxBatch: number } {
  if ('batchHandler' in options) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new Error('maxBatch must be a positive integer');
    return { handle: options.batchHandler, maxBatch: options.maxBatch };
  }
  const { handler } = options;
  return { handle: (messages) => handler(messages[0]!), maxBatch: 1 };
}
