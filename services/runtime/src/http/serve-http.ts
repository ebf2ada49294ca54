import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Env } from 'hono';

export interface DrainOptions {
  /** How long in-flight requests may take after the signal; what still runs then is cut. */
  graceMs: number;
  log?: (line: string) => void;
}

export interface HttpServerHandle {
  /** `http://127.0.0.1:<port>`: the port the OS chose when 0 was asked for. */
  url: string;
  port: number;
  /** Closes at once, cutting whatever is in flight (tests, and after a failed start). */
  close(): Promise<void>;
  /**
   * Graceful shutdown: stop accepting, answer what was already received (each response with
   * `Connection: close`), close idle keep-alive sockets at once, and cut only what still runs
   * when the grace period ends. Resolves with how many requests were cut.
   */
  drain(options: DrainOptions): Promise<{ cut: number }>;
}

/** Serves a Hono app on 127.0.0.1 (or `hostname`) and resolves once it is listening. */
export function serveHttp<E extends Env>(app: Hono<E>, options: { port: number; hostname?: string }): Promise<HttpServerHandle> {
  const hostname = options.hostname ?? '127.0.0.1';
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  let closed: Promise<void> | undefined;

  // After the signal a keep-alive client must learn that this connection ends with this response.
  const lastOnItsConnection = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
    res.shouldKeepAlive = false;
  };

  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname }, (info: AddressInfo) => {
      const host = hostname === '0.0.0.0' || hostname === '::' ? '127.0.0.1' : hostname;
      const closeServer = () => (closed ??= new Promise<void>((done) => server.close(() => done())));
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () => {
          // Keep-alive sockets would hold close() open until they time out.
          if ('closeAllConnections' in server) server.closeAllConnections();
          return closeServer();
        },
        async drain({ graceMs, log }) {
          draining = true;
          for (const res of inFlight) lastOnItsConnection(res);
          const done = closeServer();
          if ('closeIdleConnections' in server) server.closeIdleConnections();
          let timer: NodeJS.Timeout | undefined;
          const expired = new Promise<'expired'>((r) => (timer = setTimeout(() => r('expired'), graceMs)));
          const outcome = await Promise.race([done.then(() => 'done' as const), expired]);
          clearTimeout(timer);
          if (outcome === 'done') return { cut: 0 };
          const cut = inFlight.size;
          log?.(`grace period of ${graceMs} ms over: cutting ${cut} request(s) still in flight`);
          if ('closeAllConnections' in server) server.closeAllConnections();
          await done;
          return { cut };
        },
      });
    });
    // Prepended, so it runs before the app can write a synchronous response.
    server.prependListener('request', (_req, res: ServerResponse) => {
      inFlight.add(res);
      res.once('close', () => inFlight.delete(res));
      if (draining) lastOnItsConnection(res);
    });
    server.once('error', reject);
  });
}
