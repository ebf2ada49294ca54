import { createServer } from 'node:net';

/**
 * A loopback port nothing listens on right now, for a child process that must be told its port
 * before it starts (a throwaway redis-server, a gateway process). In-process servers listen on 0.
 */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}
