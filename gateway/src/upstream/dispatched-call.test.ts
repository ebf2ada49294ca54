import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortChannel } from './abort-channel.ts';
import { dispatchCall } from './dispatched-call.ts';

const BIG = Buffer.alloc(4 * 1024 * 1024, 'x');

describe('dispatchCall: an upstream request and its body over a real socket', () => {
  let url: string;
  let pool: Pool;
  const closed: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on('close', () => closed.push(req.url ?? ''));
    if (req.url === '/json') {
      const body = Buffer.from('\ufeff{"id":"cus_1","name":"Ada"}');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'x-many': ['a', 'b'] });
      res.end(body);
    } else if (req.url === '/echo') {
      req.pipe(res);
    } else if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(BIG);
    } else if (req.url === '/continue') {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end('created');
    } else if (req.url === '/broken') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 1000 });
      res.write('partial');
      setTimeout(() => res.destroy(), 20);
    } else if (req.url === '/slow-body') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first');
    }
    // '/hang': never answers
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    pool = new Pool(url, { connections: 4 });
  });
  afterAll(async () => {
    await pool.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gives status, lower-case headers and the whole body as text (BOM dropped) or bytes', async () => {
    const res = await dispatchCall(pool, { method: 'GET', path: '/json' }, undefined);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-many']).toEqual(['a', 'b']);
    expect(JSON.parse(await res.body.text())).toEqual({ id: 'cus_1', name: 'Ada' });

    const again = await dispatchCall(pool, { method: 'GET', path: '/json' }, undefined);
    expect((await again.body.bytes()).byteLength).toBe(Buffer.byteLength('\ufeff{"id":"cus_1","name":"Ada"}'));
    expect(() => again.body.stream()).toThrow(/already taken/);
  });

  it('sends a request body', async () => {
    const res = await dispatchCall(
      pool,
      { method: 'POST', path: '/echo', body: Buffer.from('{"a":1}'), headers: { 'content-type': 'application/json' } },
      undefined,
    );
    expect(await res.body.text()).toBe('{"a":1}');
  });

  it('skips a 103 Early Hints and resolves at the final status', async () => {
    const res = await dispatchCall(pool, { method: 'GET', path: '/continue' }, undefined);
    expect(res.status).toBe(201);
    expect(await res.body.text()).toBe('created');
  });

  it('streams a body larger than it holds, with backpressure, byte for byte', async () => {
    const res = await dispatchCall(pool, { method: 'GET', path: '/big' }, undefined);
    // Nobody reads for a while: the socket is paused rather than the body piling up in memory.
    await new Promise((r) => setTimeout(r, 50));
    let received = 0;
    let closedBody = false;
    res.body.onClose(() => (closedBody = true));
    for await (const chunk of res.body.stream()) {
      received += (chunk as Buffer).byteLength;
      await new Promise((r) => setImmediate(r)); // a slow reader
    }
    expect(received).toBe(BIG.byteLength);
    expect(closedBody).toBe(true);
  });

  it('drains a small body on dump and reuses the connection', async () => {
    const res = await dispatchCall(pool, { method: 'GET', path: '/json' }, undefined);
    await res.body.dump();
    const next = await dispatchCall(pool, { method: 'GET', path: '/json' }, undefined);
    expect(next.status).toBe(200);
    await next.body.dump();
  });

  it('closes the connection instead of draining a large body on dump', async () => {
    const res = await dispatchCall(pool, { method: 'GET', path: '/big' }, undefined);
    await res.body.dump();
    const deadline = Date.now() + 2000;
    while (!closed.includes('/big') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(closed).toContain('/big');
  });

  it('bytesUpTo gives a body within the cap whole, and past it gives up early; stream() then gives every byte', async () => {
    const small = await dispatchCall(pool, { method: 'GET', path: '/json' }, undefined);
    expect((await small.body.bytesUpTo(1024))!.byteLength).toBe(Buffer.byteLength('\ufeff{"id":"cus_1","name":"Ada"}'));

    const big = await dispatchCall(pool, { method: 'GET', path: '/big' }, undefined);
    expect(await big.body.bytesUpTo(1024 * 1024)).toBeUndefined();
    let size = 0;
    let allX = true;
    for await (const chunk of big.body.stream()) {
      size += chunk.byteLength;
      allX &&= (chunk as Buffer).every((byte) => byte === 0x78);
    }
    expect(size).toBe(BIG.byteLength);
    expect(allX).toBe(true);
  });

  it('rejects bytes() when the upstream breaks off mid-body, and still reports the body closed', async () => {
    const res = await dispatchCall(pool, { method: 'GET', path: '/broken' }, undefined);
    let closedBody = false;
    res.body.onClose(() => (closedBody = true));
    await expect(res.body.bytes()).rejects.toThrow();
    expect(closedBody).toBe(true);
  });

  it('aborts before the headers with the signal reason', async () => {
    const signal = new AbortChannel();
    const pending = dispatchCall(pool, { method: 'GET', path: '/hang' }, signal);
    setTimeout(() => signal.abort(new Error('client went away')), 30);
    await expect(pending).rejects.toThrow('client went away');
  });

  it('aborts a body in flight: the stream errors and the upstream connection is closed', async () => {
    const signal = new AbortChannel();
    const res = await dispatchCall(pool, { method: 'GET', path: '/slow-body' }, signal);
    const stream = res.body.stream();
    const failed = new Promise<Error>((resolve) => stream.once('error', resolve));
    stream.resume();
    signal.abort(new DOMException('upstream request deadline', 'TimeoutError'));
    expect((await failed).name).toBe('TimeoutError');
    const deadline = Date.now() + 2000;
    while (!closed.includes('/slow-body') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(closed).toContain('/slow-body');
  });

  it('refuses at once with an already aborted signal', async () => {
    const signal = new AbortChannel();
    signal.abort(new Error('too late'));
    await expect(dispatchCall(pool, { method: 'GET', path: '/json' }, signal)).rejects.toThrow('too late');
  });
});
