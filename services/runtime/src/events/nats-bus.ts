import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JetStreamManager } from '@nats-io/jetstream';
import type { BusMessage, BusSubscription, EventBus } from './event-bus.ts';

export interface NatsBusOptions {
  url: string;
  /** Default `CONCORD_EVENTS`. Tests use a private stream: JetStream forbids overlapping subjects. */
  stream?: string;
  /** Replaces the contract's `concord` prefix on the wire (tests: a private one); default `concord`. */
  subjectPrefix?: string;
  /** How long JetStream remembers message ids to drop duplicates; default 24 h (its own default is 2 min). */
  duplicateWindowMs?: number;
  /** Delay before a message whose handler failed is delivered again; default 1 s. */
  redeliveryDelayMs?: number;
  onHandlerError?: (err: unknown, message: BusMessage) => void;
}

export interface NatsEventBus extends EventBus {
  readonly stream: string;
  /** Deletes the stream and everything in it: for tests that made a private one. */
  deleteStream(): Promise<void>;
}

const CONTRACT_PREFIX = 'concord.';
const NANOS_PER_MS = 1_000_000;

/** JetStream: a durable stream for the contract's subjects, de-duplication by `Nats-Msg-Id`. */
export async function createNatsBus(options: NatsBusOptions): Promise<NatsEventBus> {
  const streamName = options.stream ?? 'CONCORD_EVENTS';
  const prefix = `${options.subjectPrefix ?? 'concord'}.`;
  const redeliveryDelayMs = options.redeliveryDelayMs ?? 1000;
  const nc: NatsConnection = await connect({ servers: options.url, name: `concord:${streamName}` });
  const jsm: JetStreamManager = await jetstreamManager(nc);
  const js = jetstream(nc);
  await ensureStream(jsm, streamName, `${prefix}>`, (options.duplicateWindowMs ?? 24 * 3600_000) * NANOS_PER_MS);

  const toWire = (subject: string) => (subject.startsWith(CONTRACT_PREFIX) ? prefix + subject.slice(CONTRACT_PREFIX.length) : subject);
  const fromWire = (subject: string) => (subject.startsWith(prefix) ? CONTRACT_PREFIX + subject.slice(prefix.length) : subject);
  const subscriptions = new Set<BusSubscription>();

  return {
    stream: streamName,
    async publish(subject, envelope, { msgId }) {
      const ack = await js.publish(toWire(subject), JSON.stringify(envelope), { msgID: msgId });
      return { duplicate: ack.duplicate };
    },
    async subscribe({ durable, subjects, handler }) {
      const loops: { messages: ConsumerMessages; done: Promise<void> }[] = [];
      // One durable consumer per subject: NATS before 2.10 takes a single filter subject.
      for (const subject of subjects) {
        const name = `${durable}-${subject}`.replace(/[^A-Za-z0-9_-]/g, '_');
        await jsm.consumers.add(streamName, {
          durable_name: name,
          filter_subject: toWire(subject),
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: 30_000 * NANOS_PER_MS,
        });
        const consumer = await js.consumers.get(streamName, name);
        const messages = await consumer.consume({ max_messages: 64 });
        const done = (async () => {
          for await (const m of messages) {
            const message: BusMessage = {
              subject: fromWire(m.subject),
              msgId: m.headers?.get('Nats-Msg-Id') ?? String(m.seq),
              envelope: undefined,
              deliveryCount: m.info.deliveryCount,
            };
            try {
              message.envelope = m.json<unknown>();
              await handler(message);
              m.ack();
            } catch (err) {
              options.onHandlerError?.(err, message);
              m.nak(redeliveryDelayMs);
            }
          }
        })();
        loops.push({ messages, done });
      }
      const subscription: BusSubscription = {
        async close() {
          subscriptions.delete(subscription);
          for (const loop of loops) loop.messages.stop();
          await Promise.all(loops.map((l) => l.done));
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },
    async readAll() {
      const info = await jsm.streams.info(streamName);
      const out: Awaited<ReturnType<EventBus['readAll']>> = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const stored = await jsm.streams.getMessage(streamName, { seq }).catch(() => null);
        if (!stored) continue;
        out.push({
          subject: fromWire(stored.subject),
          msgId: stored.header.get('Nats-Msg-Id') || String(seq),
          envelope: stored.json<unknown>(),
        });
      }
      return out;
    },
    async deleteStream() {
      await jsm.streams.delete(streamName);
    },
    async close() {
      for (const subscription of [...subscriptions]) await subscription.close();
      await nc.drain();
    },
  };
}

async function ensureStream(jsm: JetStreamManager, name: string, subject: string, duplicateWindowNs: number): Promise<void> {
  const existing = await jsm.streams.info(name).catch(() => undefined);
  if (existing) {
    if (existing.config.duplicate_window < duplicateWindowNs)
      await jsm.streams.update(name, { ...existing.config, duplicate_window: duplicateWindowNs });
    return;
  }
  await jsm.streams.add({ name, subjects: [subject], duplicate_window: duplicateWindowNs });
}
