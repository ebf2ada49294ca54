import { randomUUID } from 'node:crypto';
import { withTimeout } from '@concord/service-runtime/src/http/with-timeout.ts';

export const PARTNER_HEADERS = { 'content-type': 'application/json', 'x-concord-partner': 'demo-partner' };

export interface Outcome {
  /** HTTP status, or 0 when there was no answer (connection refused or reset, timeout). */
  status: number;
  contentType: string;
  problemType?: string;
  detail?: string;
  /** With status 0: the error code of the failed request (`ECONNREFUSED`: nothing listened, so it was never sent). */
  error?: string;
}

export interface LoadResult {
  /** Idempotency-Key -> what the one request sent under it got back. */
  outcomes: Map<string, Outcome>;
  acknowledged(): string[];
}

export interface OrderLoad {
  /** Resolves once `count` orders were acknowledged (201) since the load started. */
  acknowledged(count: number): Promise<void>;
  /** How many were acknowledged so far. */
  count(): number;
  stop(): Promise<LoadResult>;
}

/** fetch wraps the socket's error: its code is on the cause. */
function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * Concurrent keyed order placement straight at the orders service, as a partner behind the
 * gateway would send it, or through the gateway itself. Every request has a fresh Idempotency-Key
 * and is sent once, so each key is one order the client may or may not have been told about.
 */
export function startOrderLoad(options: {
  ordersUrl: () => string;
  customerId: string;
  sku: string;
  concurrency: number;
  timeoutMs?: number;
  /** Each worker waits this long between orders: a steady rate, whatever the machine's speed. */
  pauseMs?: number;
  /** Sent with every order (a bearer token, through the gateway); the partner header by default. */
  headers?: Record<string, string>;
}): OrderLoad {
  const headers = { ...(options.headers ?? PARTNER_HEADERS), 'content-type': 'application/json' };
  const outcomes = new Map<string, Outcome>();
  const waiters = new Set<{ count: number; resolve: () => void }>();
  let stopped = false;
  let acked = 0;

  async function placeOne(): Promise<void> {
    const key = randomUUID();
    const body = JSON.stringify({ customer_id: options.customerId, lines: [{ sku: options.sku, quantity: 1 }] });
    let outcome: Outcome;
    try {
      const res = await withTimeout(options.timeoutMs ?? 10_000, (signal) =>
        fetch(`${options.ordersUrl()}/orders`, { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body, signal }),
      );
      const contentType = res.headers.get('content-type') ?? '';
      const json = (await res.json().catch(() => ({}))) as { type?: string; detail?: string };
      outcome = {
        status: res.status,
        contentType,
        ...(json.type ? { problemType: json.type } : {}),
        ...(json.detail ? { detail: json.detail } : {}),
      };
    } catch (err) {
      const code = errorCode(err);
      outcome = { status: 0, contentType: '', ...(code ? { error: code } : {}) };
      // Nothing listens (the process was killed): do not spin.
      await new Promise((r) => setTimeout(r, 50));
    }
    outcomes.set(key, outcome);
    if (outcome.status === 201) {
      acked++;
      for (const waiter of waiters) if (acked >= waiter.count) waiter.resolve();
    }
  }

  const workers = Array.from({ length: options.concurrency }, async () => {
    while (!stopped) {
      await placeOne();
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  });

  return {
    acknowledged: (count) =>
      new Promise<void>((resolve) => {
        if (acked >= count) return resolve();
        waiters.add({ count, resolve });
      }),
    count: () => acked,
    async stop() {
      stopped = true;
      await Promise.all(workers);
      return { outcomes, acknowledged: () => [...outcomes].filter(([, o]) => o.status === 201).map(([k]) => k) };
    },
  };
}
