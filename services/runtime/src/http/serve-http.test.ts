import { request, Agent } from 'node:http';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { serveHttp } from './serve-http.ts';

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

function get(url: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An app whose /slow answers only when the test says so, and whose /never never answers. */
function gatedApp() {
  let open: () => void = () => {};
  const gate = new Promise<void>((r) => (open = r));
  let arrived: () => void = () => {};
  const inFlight = new Promise<void>((r) => (arrived = r));
  const app = new Hono();
  app.get('/fast', (c) => c.text('fast'));
  app.get('/slow', async (c) => {
    arrived();
    await gate;
    return c.text('slow');
  });
  app.get('/never', async () => {
    arrived();
    return new Promise<Response>(() => {});
  });
  return { app, open: () => open(), inFlight };
}

describe('graceful drain', () => {
  it('answers the request in flight with Connection: close, closes idle keep-alive sockets at once and refuses new connections', async () => {
    const { app, open, inFlight } = gatedApp();
    const server = await serveHttp(app, { port: 0 });
    const busy = new Agent({ keepAlive: true, maxSockets: 1 });
    const idle = new Agent({ keepAlive: true, maxSockets: 1 });
    // A keep-alive socket that is idle when the signal comes.
    expect((await get(`${server.url}/fast`, idle)).connection).toBe('keep-alive');
    const idleSocketClosed = new Promise<void>((resolve) => {
      const socket = Object.values(idle.freeSockets)[0]![0]!;
      socket.once('close', () => resolve());
    });
    const slow = get(`${server.url}/slow`, busy);
    await inFlight;

    const drained = server.drain({ graceMs: 60_000 });
    await idleSocketClosed;
    await expect(get(`${server.url}/fast`, new Agent())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    open();
    expect(await slow).toEqual({ status: 200, connection: 'close', body: 'slow' });
    expect(await drained).toEqual({ cut: 0 });
    busy.destroy();
    idle.destroy();
  });

  it('cuts only what still runs when the grace period ends, and says how many', async () => {
    const { app, inFlight } = gatedApp();
    const server = await serveHttp(app, { port: 0 });
    const agent = new Agent({ keepAlive: true });
    const never = get(`${server.url}/never`, agent).catch((err: unknown) => err);
    await inFlight;
    const lines: string[] = [];
    expect(await server.drain({ graceMs: 50, log: (l) => lines.push(l) })).toEqual({ cut: 1 });
    expect(await never).toMatchObject({ code: 'ECONNRESET' });
    expect(lines).toEqual(['grace period of 50 ms over: cutting 1 request(s) still in flight']);
    agent.destroy();
  });
});
