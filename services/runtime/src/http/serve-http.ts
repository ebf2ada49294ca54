import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gracefulDrain } from '@concord/contracts/src/http/graceful-drain.ts';
import { serve } from '@hono/node-server';
import type { Env, Hono } from 'hono';

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
   * Graceful shutdown, as the gateway's: stop accepting, answer what was already received (each
   * connection's last response with `Connection: close`), close keep-alive sockets once they have
   * been quiet a moment (never under a request already on its way), and cut only what still runs
   * when the grace period ends. Resolves with how many requests were cut.
   */
  drain(options: DrainOptions): Promise<{ cut: number }>;
}

/** Serves a Hono app on 127.0.0.1 (or `hostname`) and resolves once it is listening. */
export function serveHttp<E extends Env>(app: Hono<E>, options: { port: number; hostname?: string }): Promise<HttpServerHandle> {
  const hostname = options.hostname ?? '127.0.0.1';
  let closed: Promise<void> | undefined;
  let refused: (request: IncomingMessage) => boolean = () => false;

  return new Promise((resolve, reject) => {
    const server = serve(
      {
        // Behind a response that told the client its connection closes: never run, never answered.
        fetch: (request, bindings) =>
          'incoming' in bindings && refused(bindings.incoming as IncomingMessage)
            ? new Response(null, { status: 503 })
            : app.fetch(request, bindings),
        port: options.port,
        hostname,
      },
      (info: AddressInfo) => {
        const host = hostname === '0.0.0.0' || hostname === '::' ? '127.0.0.1' : hostname;
        const http = server as Server;
        const closeServer = () => (closed ??= new Promise<void>((done) => http.close(() => done())));
        resolve({
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: () => {
            // Keep-alive sockets would hold close() open until they time out.
            http.closeAllConnections();
            return closeServer();
          },
          async drain({ graceMs, log }) {
            const { cut } = await drainer.drain(graceMs);
            if (cut > 0) log?.(`grace period of ${graceMs} ms over: cutting ${cut} request(s) still in flight`);
            return { cut };
          },
        });
      },
    );
    const drainer = gracefulDrain(server as Server);
    refused = drainer.refused;
    server.once('error', reject);
  });
}
