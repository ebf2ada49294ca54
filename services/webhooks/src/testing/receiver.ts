import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface ReceiverReply {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** The distinct `webhook-id`s that were answered 2xx. */
  accepted: Set<string>;
  /** Resolves when `predicate` holds (checked after each request), or rejects after timeoutMs. */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real HTTP endpoint on a loopback port for the dispatcher to deliver to. `reply` decides the
 * answer per request (default 204), so a test can make it fail, slow down or come back.
 */
export async function startReceiver(
  reply: (req: ReceivedWebhook) => ReceiverReply | Promise<ReceiverReply> = () => ({ status: 204 }),
  port = 0,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const accepted = new Set<string>();
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const hook = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(hook);
      const answer = await reply(hook);
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      if (answer.status >= 200 && answer.status < 300) accepted.add(String(req.headers['webhook-id']));
      res.writeHead(answer.status, answer.headers).end();
      for (const w of waiters) w();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}/hooks`,
    port: actualPort,
    received,
    accepted,
    waitFor(predicate, timeoutMs = 10_000, what = 'condition') {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate()) return;
          cleanup();
          resolve();
        };
        const poll = setInterval(check, 100);
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (received ${received.length}, accepted ${accepted.size})`));
        }, timeoutMs);
        function cleanup() {
          clearTimeout(timer);
          clearInterval(poll);
          waiters.delete(check);
        }
        waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
