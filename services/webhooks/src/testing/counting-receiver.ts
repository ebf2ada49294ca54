import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CountingReceiver {
  url: string;
  close(): Promise<void>;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const NO_CONTENT = Buffer.from('HTTP/1.1 204 No Content\r\nKeep-Alive: timeout=5\r\n\r\n');
const BAD_REQUEST = Buffer.from('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');

/**
 * A loopback webhook endpoint for the benchmark, where the receiver shares the machine (and, as a
 * fixture, the process) with the dispatcher it measures: HTTP/1.1 parsed just far enough to find
 * each request's `webhook-id` and its end (`Content-Length`), every request answered 204 on the
 * kept-alive connection, `onDelivery` told each id. It does per request what `startReceiver`
 * does, minus what the benchmark never looks at (the headers object and the body), at a fraction
 * of `node:http`'s cost; the tests use `startReceiver`.
 */
export async function startCountingReceiver(onDelivery: (webhookId: string) => void): Promise<CountingReceiver> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let pending: Buffer | undefined;
    socket.on('data', (chunk: Buffer) => {
      let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = undefined;
      let answers = 0;
      for (;;) {
        const end = buf.indexOf(HEADER_END);
        if (end < 0) break;
        const head = buf.toString('latin1', 0, end);
        // Header names are case-insensitive, values are not.
        const names = head.toLowerCase();
        const length = Number(headerValue(head, names, 'content-length') ?? 0);
        // The sender always sends a Content-Length; anything else is not what this fixture is for.
        if (!Number.isInteger(length) || length < 0 || headerValue(head, names, 'transfer-encoding') !== undefined) {
          socket.end(BAD_REQUEST);
          return;
        }
        const total = end + HEADER_END.length + length;
        if (buf.length < total) break;
        onDelivery(headerValue(head, names, 'webhook-id') ?? '');
        answers++;
        buf = buf.subarray(total);
      }
      if (buf.length > 0) pending = Buffer.from(buf);
      // One write for every request the chunk completed.
      if (answers === 1) socket.write(NO_CONTENT);
      else if (answers > 1) socket.write(Buffer.concat(Array.from({ length: answers }, () => NO_CONTENT)));
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A header's value in a raw request head (`names`: the same head lower-cased); undefined when absent. */
function headerValue(head: string, names: string, name: string): string | undefined {
  const at = names.indexOf(`\r\n${name}:`);
  if (at < 0) return undefined;
  const start = at + name.length + 3;
  const stop = head.indexOf('\r\n', start);
  return head.slice(start, stop < 0 ? undefined : stop).trim();
}
