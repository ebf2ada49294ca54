/**
 * Serves a Hono app on 127.0.0.1, port 0, through @hono/node-server as main.ts does, so a test
 * reaches the Node-specific paths (Node's IncomingMessage and ServerResponse in `c.env`) that
 * `app.request()` never takes.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

interface Fetchable {
  fetch: (request: Request, env: Record<string, unknown>) => Response | Promise<Response>;
}

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(app: Fetchable): Promise<Listening> {
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
