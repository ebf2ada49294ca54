import type pg from 'pg';
import { backoffDelay, type BackoffOptions } from '../process/backoff.ts';

export interface PgListenerOptions {
  /** Builds a fresh, unconnected client: one per connection attempt. */
  client: () => pg.Client;
  channel: string;
  onNotify: () => void;
  /** Hears once about each lost connection (not about every failed attempt to re-establish it). */
  onError?: (err: unknown) => void;
  backoff?: BackoffOptions;
}

export interface PgListener {
  /** True while subscribed. */
  connected(): boolean;
  stop(): Promise<void>;
}

/**
 * LISTEN on a connection of its own, kept alive for as long as the listener lives: an error or
 * end of the connection drops it and a new one is made with capped, jittered backoff, forever.
 * After every (re)subscription `onNotify` is called once, because a NOTIFY sent while the
 * connection was down is gone for good; the caller must look for itself.
 */
export async function startPgListener(options: PgListenerOptions): Promise<PgListener> {
  let current: pg.Client | undefined;
  let subscribed = false;
  let stopped = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;

  const drop = (client: pg.Client, err?: unknown) => {
    // Only the current client's first failure counts; a late event of an old client is ignored.
    if (client !== current) return;
    const wasSubscribed = subscribed;
    current = undefined;
    subscribed = false;
    client.end().catch(() => {});
    if (stopped) return;
    if (err && wasSubscribed) options.onError?.(err);
    schedule();
  };

  const schedule = () => {
    const delay = backoffDelay(attempt++, options.backoff);
    timer = setTimeout(() => void open(), delay);
    timer.unref();
  };

  async function open(): Promise<void> {
    timer = undefined;
    if (stopped) return;
    const client = options.client();
    current = client;
    // Without this listener, a dropped connection is an unhandled 'error' event: the process dies.
    client.on('error', (err) => drop(client, err));
    client.on('end', () => drop(client, new Error(`LISTEN connection for ${options.channel} ended`)));
    client.on('notification', (msg) => {
      if (msg.channel === options.channel) options.onNotify();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${options.channel}"`);
    } catch (err) {
      drop(client, err);
      return;
    }
    if (client !== current) return;
    subscribed = true;
    attempt = 0;
    options.onNotify();
  }

  await open();
  return {
    connected: () => subscribed,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const client = current;
      current = undefined;
      subscribed = false;
      await client?.end().catch(() => {});
    },
  };
}
