import { randomUUID } from 'node:crypto';
import { withTimeout } from '@concord/service-runtime/src/http/with-timeout.ts';

/** One request a partner sent through the gateway. */
export interface GatewayAttempt {
  key: string;
  /** 1 for the first send of the key, 2 for the client's retry of it. */
  attempt: 1 | 2;
  /** HTTP status, or 0 when there was no answer. */
  status: number;
  /** The order's id, on a 201. */
  orderId?: string;
  /** The gateway replayed its stored response (`Idempotent-Replayed: true`). */
  replayedByGateway: boolean;
  problemType?: string;
  detail?: string;
  /** Epoch ms when the answer came. */
  at: number;
}

export interface GatewayOrderLoad {
  partner: string;
  /** Resolves once `count` requests were answered 201 since the load started. */
  created(count: number): Promise<void>;
  /** Resolves once `count` requests were answered 429 since the load started. */
  limited(count: number): Promise<void>;
  attempts(): readonly GatewayAttempt[];
  stop(): Promise<GatewayAttempt[]>;
}

/**
 * Keyed order placement through the gateway as one partner (a bearer token), by `concurrency`
 * workers: each places an order under a fresh Idempotency-Key and then sends the same request again
 * at once, as a client retrying after a lost answer would. Whatever happens to the gateway's own
 * idempotency records, the two sends of a key must never make two orders.
 */
export function startGatewayOrderLoad(options: {
  gatewayUrl: string;
  partner: string;
  token: string;
  customerId: string;
  sku: string;
  concurrency: number;
  /** Each worker waits this long between keys: a steady rate, whatever the machine's speed. */
  pauseMs: number;
}): GatewayOrderLoad {
  const attempts: GatewayAttempt[] = [];
  const waiters = new Set<{ status: number; count: number; resolve: () => void }>();
  const counts = new Map<number, number>();
  let stopped = false;

  async function send(key: string, attempt: 1 | 2): Promise<void> {
    const body = JSON.stringify({ customer_id: options.customerId, lines: [{ sku: options.sku, quantity: 1 }] });
    let record: GatewayAttempt;
    try {
      const res = await withTimeout(15_000, (signal) =>
        fetch(`${options.gatewayUrl}/v1/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}`, 'idempotency-key': key },
          body,
          signal,
        }),
      );
      const json = (await res.json().catch(() => ({}))) as { id?: string; type?: string; detail?: string };
      record = {
        key,
        attempt,
        status: res.status,
        replayedByGateway: res.headers.get('idempotent-replayed') === 'true',
        ...(res.status === 201 && json.id ? { orderId: json.id } : {}),
        ...(json.type ? { problemType: json.type } : {}),
        ...(json.detail ? { detail: json.detail } : {}),
        at: Date.now(),
      };
    } catch {
      record = { key, attempt, status: 0, replayedByGateway: false, at: Date.now() };
      await new Promise((r) => setTimeout(r, 50));
    }
    attempts.push(record);
    const n = (counts.get(record.status) ?? 0) + 1;
    counts.set(record.status, n);
    for (const waiter of waiters) {
      if (waiter.status === record.status && n >= waiter.count) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  const workers = Array.from({ length: options.concurrency }, async () => {
    while (!stopped) {
      const key = randomUUID();
      await send(key, 1);
      await send(key, 2);
      await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  });

  const waitFor = (status: number, count: number) =>
    new Promise<void>((resolve) => {
      if ((counts.get(status) ?? 0) >= count) return resolve();
      waiters.add({ status, count, resolve });
    });

  return {
    partner: options.partner,
    created: (count) => waitFor(201, count),
    limited: (count) => waitFor(429, count),
    attempts: () => attempts,
    async stop() {
      stopped = true;
      await Promise.all(workers);
      return attempts;
    },
  };
}
