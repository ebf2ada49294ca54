import type { Database } from '@concord/service-runtime/src/database/database.ts';
import type { WebhookMetrics } from '../observability/metrics.ts';
import { secretKey } from '../signing/standard-webhooks.ts';
import { createDeliveryStore, type AttemptRecord, type ClaimedDelivery } from './delivery-store.ts';
import { nextDelayMs, parseRetryAfter, type RetryPolicy } from './retry-schedule.ts';
import { createWebhookSender, type AttemptResult, type WebhookSender } from './send.ts';

export interface WebhookDispatcherOptions {
  db: Database;
  retry: RetryPolicy;
  /** Per-request deadline (connect, headers and body). */
  timeoutMs: number;
  /** Requests in flight to one subscription's endpoint at once. */
  perEndpointConcurrency: number;
  /** Refuse private or internal endpoint addresses when connecting (SSRF guard). */
  blockPrivateNetworks?: boolean;
  blockedHosts?: readonly string[];
  /** Deliveries held by this process at once (queued or in flight), over all endpoints. */
  maxInFlight: number;
  /** How long a claim lasts; a dispatcher that dies holding deliveries frees them after this. */
  leaseMs: number;
  /** A subscription whose every delivery has failed for this long is disabled. */
  disableAfterMs: number;
  /** Look for due retries at least this often (new fan-outs wake the dispatcher at once). */
  pollIntervalMs: number;
  metrics?: WebhookMetrics;
  clock?: { now(): Date };
  random?: () => number;
  sender?: WebhookSender;
  onError?: (err: unknown) => void;
}

const GONE_REASON = 'The endpoint answered 410 Gone.';
/** How long claims and result writes wait for company before going to the database. */
const BATCH_LINGER_MS = 5;
/** Decoded signing keys kept (a rotated-away secret just drops out when the map is refilled). */
const KEY_CACHE = 10_000;
/** An endpoint's queue holds this many times its concurrency (in flight and waiting). */
const QUEUE_ROUNDS = 2;

interface EndpointQueue {
  running: number;
  waiting: ClaimedDelivery[];
}

/**
 * The WebhookDispatcher: claims due deliveries from the data store, sends each through its
 * subscription's own queue (so a slow endpoint only fills its own slots), and records every attempt
 * and the delivery's next state in batches. All state is in the database: a dispatcher that
 * restarts (or another replica) picks up whatever is pending once the lease runs out.
 */
export class WebhookDispatcher {
  readonly #options: WebhookDispatcherOptions;
  readonly #store;
  readonly #sender: WebhookSender;
  readonly #clock: { now(): Date };
  readonly #queues = new Map<string, EndpointQueue>();
  /** Claimed and not yet recorded: excluded from claims, counted against maxInFlight. */
  readonly #held = new Set<string>();
  readonly #keys = new Map<string, Buffer>();
  #results: AttemptRecord[] = [];
  #flushing: Promise<void> | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #woken = false;

  constructor(options: WebhookDispatcherOptions) {
    if (options.retry.scheduleMs.length === 0) throw new Error('The retry schedule needs at least one attempt');
    if (options.perEndpointConcurrency < 1 || options.maxInFlight < 1)
      throw new Error('perEndpointConcurrency and maxInFlight must be at least 1');
    this.#options = options;
    this.#store = createDeliveryStore(options.db);
    this.#clock = options.clock ?? { now: () => new Date() };
    this.#sender =
      options.sender ??
      createWebhookSender({
        timeoutMs: options.timeoutMs,
        connections: options.perEndpointConcurrency,
        blockPrivateNetworks: options.blockPrivateNetworks ?? true,
        blockedHosts: options.blockedHosts ?? [],
      });
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** New deliveries were recorded: look now rather than at the next poll. */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Stops claiming, waits for the attempts in flight and writes their results. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.wake();
    await this.#loop;
    while (this.#held.size > 0 || this.#results.length > 0 || this.#flushing) {
      await (this.#flushing ?? new Promise((r) => setTimeout(r, 10)));
    }
    await this.#sender.close();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let claimed = 0;
      const free = this.#options.maxInFlight - this.#held.size;
      if (free > 0) {
        try {
          claimed = await this.#claim(free);
        } catch (err) {
          this.#options.onError?.(err);
        }
      }
      // Every query is a round trip (and on the embedded store, time on this thread): let
      // completions accumulate for a moment instead of claiming after each one.
      await new Promise((resolve) => setTimeout(resolve, BATCH_LINGER_MS));
      if (claimed === 0 || this.#held.size >= this.#options.maxInFlight) await this.#sleep(this.#options.pollIntervalMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        this.#woken = false;
        done();
      };
    });
  }

  async #claim(free: number): Promise<number> {
    // Each endpoint's queue holds a second round of deliveries behind the ones in flight, so that a
    // finished request is followed by the next at once rather than after a claim's round trip.
    const per = this.#options.perEndpointConcurrency * QUEUE_ROUNDS;
    const full = [...this.#queues].filter(([, q]) => q.running + q.waiting.length >= per).map(([id]) => id);
    const now = this.#clock.now();
    const rows = await this.#store.claim({
      now,
      leaseUntil: new Date(now.getTime() + this.#options.leaseMs),
      skipSubscriptions: full,
      perSubscription: per,
      limit: free,
    });
    for (const row of rows) {
      // Already here, its lease having run out while it queued: the claim only extended the lease.
      if (this.#held.has(row.id)) continue;
      this.#held.add(row.id);
      let queue = this.#queues.get(row.subscription_id);
      if (!queue) this.#queues.set(row.subscription_id, (queue = { running: 0, waiting: [] }));
      queue.waiting.push(row);
      this.#pump(row.subscription_id, queue);
    }
    return rows.length;
  }

  #pump(subscriptionId: string, queue: EndpointQueue): void {
    while (queue.running < this.#options.perEndpointConcurrency && queue.waiting.length > 0) {
      const delivery = queue.waiting.shift()!;
      queue.running++;
      void this.#attempt(delivery).finally(() => {
        queue.running--;
        if (queue.running === 0 && queue.waiting.length === 0) this.#queues.delete(subscriptionId);
        else this.#pump(subscriptionId, queue);
        this.wake();
      });
    }
  }

  async #attempt(delivery: ClaimedDelivery): Promise<void> {
    const now = this.#clock.now();
    const keys = [this.#key(delivery.secret)];
    if (delivery.previous_secret && delivery.previous_secret_expires_at && delivery.previous_secret_expires_at > now)
      keys.push(this.#key(delivery.previous_secret));
    const result = await this.#sender.send({ url: delivery.url, messageId: delivery.message_id, body: delivery.body, keys });
    this.#results.push(this.#decide(delivery, result));
    this.#flush();
  }

  /** A secret's key bytes, decoded once per secret rather than once per delivery. */
  #key(secret: string): Buffer {
    let key = this.#keys.get(secret);
    if (!key) {
      if (this.#keys.size >= KEY_CACHE) this.#keys.clear();
      this.#keys.set(secret, (key = secretKey(secret)));
    }
    return key;
  }

  #decide(delivery: ClaimedDelivery, result: AttemptResult): AttemptRecord {
    const metrics = this.#options.metrics;
    metrics?.attempts.inc({ outcome: result.outcome });
    const base = {
      deliveryId: delivery.id,
      subscriptionId: delivery.subscription_id,
      attempt: delivery.total_attempts + 1,
      startedAt: result.startedAt,
      durationMs: result.durationMs,
      outcome: result.outcome,
      statusCode: result.statusCode,
      error: result.error,
    };
    if (result.outcome === 'succeeded') {
      metrics?.deliveries.inc({ outcome: 'succeeded' });
      metrics?.latency.observe(Math.max(0, (this.#clock.now().getTime() - delivery.event_time.getTime()) / 1000));
      return { ...base, status: 'succeeded', nextAttemptAt: null };
    }
    const status = result.statusCode;
    if (status === 410) {
      metrics?.deliveries.inc({ outcome: 'dead_lettered' });
      return { ...base, status: 'dead_lettered', nextAttemptAt: null, disableReason: GONE_REASON };
    }
    // Network errors, timeouts, 429 and 5xx are worth retrying; any other answer will not change.
    const retryable = status === null || status === 408 || status === 429 || status >= 500;
    const now = this.#clock.now().getTime();
    const delay = retryable
      ? nextDelayMs(this.#options.retry, delivery.attempt_count + 1, parseRetryAfter(result.retryAfter, now), this.#options.random)
      : undefined;
    if (delay === undefined) {
      metrics?.deliveries.inc({ outcome: 'dead_lettered' });
      return {
        ...base,
        status: 'dead_lettered',
        nextAttemptAt: null,
        error: retryable ? result.error : `${result.error} Not retried: only network errors, timeouts, 408, 429 and 5xx are.`,
      };
    }
    return { ...base, status: 'pending', nextAttemptAt: new Date(now + delay) };
  }

  /** One write at a time, after a short linger so results arrive in batches rather than one by one. */
  #flush(): void {
    if (this.#flushing || this.#results.length === 0) return;
    this.#flushing = new Promise((resolve) => setTimeout(resolve, BATCH_LINGER_MS)).then(() => this.#write());
  }

  async #write(): Promise<void> {
    const batch = this.#results;
    this.#results = [];
    try {
      const disabled = await this.#store.record(batch, this.#clock.now(), this.#options.disableAfterMs);
      for (const reason of disabled.values())
        this.#options.metrics?.subscriptionsDisabled.inc({ reason: reason === GONE_REASON ? 'gone' : 'failing' });
    } catch (err) {
      // The deliveries keep their lease and are tried again when it runs out.
      this.#options.onError?.(err);
    } finally {
      for (const r of batch) this.#held.delete(r.deliveryId);
      this.#flushing = undefined;
      this.wake();
      this.#flush();
    }
  }

  /** For /metrics. */
  deadLetterDepths() {
    return this.#store.deadLetterDepths();
  }

  pendingCount() {
    return this.#store.pendingCount();
  }
}
