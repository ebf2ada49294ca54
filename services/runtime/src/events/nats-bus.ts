import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { backoffDelay, type BackoffOptions } from '../process/backoff.ts';
import {
  batchHandlerOf,
  type BusBatchHandler,
  type BusMessage,
  type BusSubscription,
  type ConsumerLag,
  type EventBus,
} from './event-bus.ts';

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
  /** How long a publish waits for JetStream's ack before it fails (and the relay retries); default 2000 ms. */
  publishTimeoutMs?: number;
  /** Reconnect delays (capped, jittered); the client never stops trying. */
  reconnect?: BackoffOptions;
  onHandlerError?: (err: unknown, message: BusMessage) => void;
  /** Called once per change of the connection's state, with a line worth logging. */
  onConnectionChange?: (connected: boolean, detail: string) => void;
}

export interface NatsEventBus extends EventBus {
  readonly stream: string;
  /** Deletes the stream and everything in it: for tests that made a private one. */
  deleteStream(): Promise<void>;
}

const CONTRACT_PREFIX = 'concord.';
const NANOS_PER_MS = 1_000_000;
/** Consumer problems that a re-created consumer (or stream) cures. */
const REBIND_ON = new Set(['consumer_not_found', 'consumer_deleted', 'stream_not_found']);

interface Binding {
  name: string;
  stop(): Promise<void>;
}

/**
 * JetStream: a durable stream for the contract's subjects, de-duplication by `Nats-Msg-Id`.
 *
 * The connection never gives up (`maxReconnectAttempts: -1`): an outage of any length ends with
 * the bus working again, without a restart. Publishes fail (fast) while it is down, which the
 * outbox relay turns into a retry; consumers are re-bound when JetStream lost them.
 */
export async function createNatsBus(options: NatsBusOptions): Promise<NatsEventBus> {
  const streamName = options.stream ?? 'CONCORD_EVENTS';
  const prefix = `${options.subjectPrefix ?? 'concord'}.`;
  const redeliveryDelayMs = options.redeliveryDelayMs ?? 1000;
  const duplicateWindowNs = (options.duplicateWindowMs ?? 24 * 3600_000) * NANOS_PER_MS;
  let reconnectAttempt = 0;
  const nc: NatsConnection = await connect({
    servers: options.url,
    name: `concord:${streamName}`,
    maxReconnectAttempts: -1,
    // Called before each attempt; the counter is reset when the connection is back.
    reconnectDelayHandler: () => backoffDelay(reconnectAttempt++, options.reconnect ?? { baseMs: 250, maxMs: 5000 }),
    // Notice a silently dead server within seconds, not the default two minutes.
    pingInterval: 5_000,
    maxPingOut: 2,
  });
  const jsm: JetStreamManager = await jetstreamManager(nc);
  const js = jetstream(nc, { timeout: options.publishTimeoutMs ?? 2000 });
  const ensure = () => ensureStream(jsm, streamName, `${prefix}>`, duplicateWindowNs);
  await ensure();

  const toWire = (subject: string) => (subject.startsWith(CONTRACT_PREFIX) ? prefix + subject.slice(CONTRACT_PREFIX.length) : subject);
  const fromWire = (subject: string) => (subject.startsWith(prefix) ? CONTRACT_PREFIX + subject.slice(prefix.length) : subject);
  const subscriptions = new Set<BusSubscription>();
  const bindings = new Set<Binding>();
  let connected = true;
  let closing = false;

  // The status stream ends when the connection is closed (by close()).
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' && connected) {
        connected = false;
        options.onConnectionChange?.(false, `NATS connection to ${status.server} lost; reconnecting until it is back`);
      } else if (status.type === 'reconnect') {
        const attempts = reconnectAttempt;
        reconnectAttempt = 0;
        connected = true;
        options.onConnectionChange?.(true, `NATS connection to ${status.server} re-established after ${attempts} attempt(s)`);
        // A server that came back without its store lost the stream; consumers re-bind themselves.
        ensure().catch(() => {});
      }
    }
  })().catch(() => {});

  function bind(name: string, config: Partial<ConsumerConfig>, handle: BusBatchHandler, maxBatch: number): Binding {
    let open = true;
    /** Runs the handler over a batch; acks it all after the handler resolved, or asks for all of it again. */
    async function settle(batch: readonly JsMsg[]): Promise<void> {
      const parsed: { m: JsMsg; message: BusMessage }[] = [];
      for (const m of batch) {
        const message: BusMessage = {
          subject: fromWire(m.subject),
          msgId: m.headers?.get('Nats-Msg-Id') ?? String(m.seq),
          envelope: undefined,
          deliveryCount: m.info.deliveryCount,
        };
        try {
          message.envelope = m.json<unknown>();
          parsed.push({ m, message });
        } catch (err) {
          // Not JSON: this one alone is refused, its neighbours go on.
          options.onHandlerError?.(err, message);
          m.nak(redeliveryDelayMs);
        }
      }
      if (parsed.length === 0) return;
      try {
        await handle(parsed.map((p) => p.message));
        for (const { m } of parsed) m.ack();
      } catch (err) {
        for (const { m, message } of parsed) {
          options.onHandlerError?.(err, message);
          m.nak(redeliveryDelayMs);
        }
      }
    }
    let current: ConsumerMessages | undefined;
    let wake: (() => void) | undefined;
    const add = () => jsm.consumers.add(streamName, { ...config, durable_name: name });
    const done = (async () => {
      for (let attempt = 0; open; ) {
        try {
          await add();
          const consumer = await js.consumers.get(streamName, name);
          // Room for a full batch while the one before it is handled.
          const messages = await consumer.consume({ max_messages: Math.max(64, 2 * maxBatch) });
          current = messages;
          void (async () => {
            for await (const status of messages.status()) {
              // The stream or consumer was lost (a server without its store): make it again, and
              // the pull loop picks it up on its next request.
              if (REBIND_ON.has(status.type))
                await ensure()
                  .then(add)
                  .catch(() => {});
            }
          })().catch(() => {});
          attempt = 0;
          // The iterator fills `arrived`; one worker at a time takes it in batches, in stream order.
          // A batch is what has already arrived (up to maxBatch), never a wait for more.
          const arrived: JsMsg[] = [];
          let worker: Promise<void> | undefined;
          const work = async () => {
            while (arrived.length > 0) {
              // Let the iterator hand over the rest of what the client already holds first.
              await new Promise((resolve) => setImmediate(resolve));
              await settle(arrived.splice(0, maxBatch));
            }
            worker = undefined;
          };
          for await (const m of messages) {
            arrived.push(m);
            worker ??= work();
            // Hold no more than a batch beyond the one being handled; the client buffers the rest.
            if (arrived.length >= maxBatch) await worker;
          }
          await worker;
        } catch {
          // Binding failed (the connection is down, JetStream not ready): try again below.
        }
        current = undefined;
        if (!open) break;
        // The iterator ended without stop(): bind again, after a pause that grows while it keeps failing.
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, backoffDelay(attempt++, options.reconnect)).unref();
        });
        wake = undefined;
      }
    })();
    return {
      name,
      async stop() {
        open = false;
        current?.stop();
        wake?.();
        await done;
      },
    };
  }

  return {
    stream: streamName,
    async publish(subject, envelope, { msgId }) {
      const ack = await js.publish(toWire(subject), JSON.stringify(envelope), { msgID: msgId });
      return { duplicate: ack.duplicate };
    },
    async subscribe(subscribeOptions) {
      const { durable, subjects } = subscribeOptions;
      const { handle, maxBatch } = batchHandlerOf(subscribeOptions);
      const own: Binding[] = [];
      // One durable consumer per subject: NATS before 2.10 takes a single filter subject.
      for (const subject of subjects) {
        const name = `${durable}-${subject}`.replace(/[^A-Za-z0-9_-]/g, '_');
        const config: Partial<ConsumerConfig> = {
          filter_subject: toWire(subject),
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: 30_000 * NANOS_PER_MS,
        };
        // The first binding is made here, so that subscribe() fails when JetStream refuses it.
        await jsm.consumers.add(streamName, { ...config, durable_name: name });
        const binding = bind(name, config, handle, maxBatch);
        own.push(binding);
        bindings.add(binding);
      }
      const subscription: BusSubscription = {
        async close() {
          subscriptions.delete(subscription);
          for (const binding of own) bindings.delete(binding);
          await Promise.all(own.map((b) => b.stop()));
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
    connected: () => connected && !closing && !nc.isClosed(),
    async consumerLag(): Promise<ConsumerLag[]> {
      const out: ConsumerLag[] = [];
      for (const binding of bindings) {
        const info = await jsm.consumers.info(streamName, binding.name);
        out.push({ consumer: binding.name, pending: info.num_pending });
      }
      return out;
    },
    async deleteStream() {
      await jsm.streams.delete(streamName);
    },
    async close() {
      closing = true;
      for (const subscription of [...subscriptions]) await subscription.close();
      // drain() needs a live connection; while reconnecting there is nothing to drain.
      await (connected ? nc.drain() : nc.close()).catch(() => nc.close());
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
