import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { gracefulDrain, type GracefulDrain } from './graceful-drain.ts';

/**
 * The drain over raw sockets, where pipelining and the exact response heads are visible. The server
 * runs requests the way main.ts does: one the drain refuses is never handled.
 */
interface Harness {
  server: Server;
  drain: GracefulDrain;
  port: number;
  /** Paths whose handler ran. */
  handled: string[];
  /** Pending responses by path; the test finishes them. */
  pending: Map<string, ServerResponse>;
  clock: { now: number };
}

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

async function harness(): Promise<Harness> {
  const handled: string[] = [];
  const pending = new Map<string, ServerResponse>();
  const clock = { now: 0 };
  const server = createServer();
  const drain = gracefulDrain(server, { quietMs: 100, now: () => clock.now });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (drain.refused(req)) return;
    handled.push(req.url!);
    pending.set(req.url!, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return { server, drain, port: (server.address() as AddressInfo).port, handled, pending, clock };
}

function client(port: number): { socket: Socket; received: () => string; ended: Promise<void> } {
  const socket = connect({ port, host: '127.0.0.1' });
  let data = '';
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString();
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  open.push({ close: () => socket.destroy() });
  return { socket, received: () => data, ended };
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`;

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error('condition not met');
}

function finish(res: ServerResponse | undefined, body: string): void {
  res!.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res!.end(body);
}

/** The response heads in `raw`, in order, lower-cased. */
function heads(raw: string): string[] {
  return [...raw.matchAll(/HTTP\/1\.1 [^\r]*\r\n(?:[^\r]+\r\n)*\r\n/g)].map((m) => m[0].toLowerCase());
}

describe('graceful drain', () => {
  it('answers every pipelined request already received; only the last one closes the connection', async () => {
    const h = await harness();
    const c = client(h.port);
    c.socket.write(get('/a') + get('/b'));
    await until(() => h.handled.length === 2);
    h.drain.start();
    finish(h.pending.get('/a'), 'a');
    finish(h.pending.get('/b'), 'b');
    await c.ended;
    const [first, second, ...rest] = heads(c.received());
    expect(rest).toEqual([]);
    expect(first).toContain('connection: keep-alive');
    expect(second).toContain('connection: close');
    expect(c.received().endsWith('b')).toBe(true);
    expect(h.drain.unfinished()).toBe(0);
  });

  it('never runs a request that arrives behind a response that already said Connection: close', async () => {
    const h = await harness();
    const c = client(h.port);
    c.socket.write(get('/a'));
    await until(() => h.handled.length === 1);
    h.drain.start();
    const a = h.pending.get('/a')!;
    a.writeHead(200, { 'content-type': 'text/plain' });
    a.flushHeaders();
    await until(() => c.received().includes('\r\n\r\n'));
    expect(heads(c.received())[0]).toContain('connection: close');
    // The client had sent this before it read the close.
    c.socket.write(get('/late'));
    await until(() => h.drain.unfinished() === 2);
    a.end('a');
    await c.ended;
    expect(h.handled).toEqual(['/a']);
    expect(heads(c.received())).toHaveLength(1);
  });

  it('closes an idle connection once it has been quiet for quietMs, and one that brings a request first only after its answer', async () => {
    const h = await harness();
    const idle = client(h.port);
    const busy = client(h.port);
    busy.socket.write(get('/first'));
    await until(() => h.handled.length === 1);
    let connections = 0;
    while (connections < 2) connections = await new Promise<number>((r) => h.server.getConnections((_e, n) => r(n)));
    h.clock.now = 1000;
    finish(h.pending.get('/first'), 'first');
    await until(() => busy.received().endsWith('first'));
    h.drain.start();
    // `idle` has been quiet since it connected (time 0); `busy` turned idle just now.
    expect(h.drain.closeIdle()).toBe(1);
    await idle.ended;
    expect(busy.socket.destroyed).toBe(false);
    // Its client's next request arrives within the quiet time: answered, closing the connection.
    busy.socket.write(get('/next'));
    await until(() => h.handled.length === 2);
    h.clock.now = 2000;
    h.drain.closeIdle();
    finish(h.pending.get('/next'), 'next');
    await busy.ended;
    expect(heads(busy.received())[1]).toContain('connection: close');
    expect(busy.received().endsWith('next')).toBe(true);
  });
});
