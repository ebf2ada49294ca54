import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { secretKey } from '../signing/standard-webhooks.ts';
import { startReceiver, type WebhookReceiver } from '../testing/receiver.ts';
import { createWebhookSender, type WebhookSender } from './send.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function sender(timeoutMs = 2000, blockPrivateNetworks = false): WebhookSender {
  const s = createWebhookSender({ timeoutMs, connections: 4, blockPrivateNetworks });
  cleanups.push(() => s.close());
  return s;
}

async function receiver(...args: Parameters<typeof startReceiver>): Promise<WebhookReceiver> {
  const r = await startReceiver(...args);
  cleanups.push(() => r.close());
  return r;
}

/** A server that answers as `handle` says, for what the receiver fixture cannot do (huge bodies, silence). */
async function rawServer(handle: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks?via=test`;
}

const request = (url: string) => ({ url, messageId: 'msg_1', body: '{"id":"msg_1"}', keys: [secretKey(SECRET)] });

describe('webhook sender', () => {
  it('posts the body with the Standard Webhooks headers to the URL, query included, and reports a 2xx', async () => {
    let seen: { url?: string; headers: Record<string, unknown>; body: string } | undefined;
    const url = await rawServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { url: req.url, headers: req.headers, body };
        res.writeHead(202).end('accepted');
      });
    });
    const result = await sender().send(request(url));
    expect(result).toMatchObject({ outcome: 'succeeded', statusCode: 202, error: null, retryAfter: null });
    expect(seen?.url).toBe('/hooks?via=test');
    expect(seen?.body).toBe('{"id":"msg_1"}');
    const ts = String(seen?.headers['webhook-timestamp']);
    const expected = createHmac('sha256', secretKey(SECRET)).update(`msg_1.${ts}.{"id":"msg_1"}`).digest('base64');
    expect(seen?.headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(seen?.headers['webhook-id']).toBe('msg_1');
    expect(seen?.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
  });

  it('reports a failing status with its category and Retry-After', async () => {
    const r = await receiver(() => ({ status: 503, headers: { 'retry-after': '7' } }));
    const result = await sender().send(request(r.url));
    expect(result).toMatchObject({ outcome: 'failed', statusCode: 503, error: 'HTTP 5xx', retryAfter: '7' });
    const redirect = await receiver(() => ({ status: 302, headers: { location: 'https://elsewhere.example/' } }));
    expect(await sender().send(request(redirect.url))).toMatchObject({ outcome: 'failed', statusCode: 302 });
  });

  it('takes the status of an answer whose body never ends, without reading it all', async () => {
    const url = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      // 64 KiB is read at most; this would go on for a megabyte.
      for (let i = 0; i < 64; i++) res.write(chunk);
    });
    expect(await sender().send(request(url))).toMatchObject({ outcome: 'succeeded', statusCode: 200 });
  });

  it('times out over the whole exchange: an endpoint that answers the headers but not the body', async () => {
    const url = await rawServer((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const result = await sender(300).send(request(url));
    expect(result).toMatchObject({ outcome: 'timeout', statusCode: null, error: 'timeout' });
  });

  it('times out an endpoint that never answers, and the same sender still delivers afterwards', async () => {
    const silent = await rawServer(() => {});
    const s = sender(300);
    expect(await s.send(request(silent))).toMatchObject({ outcome: 'timeout' });
    const r = await receiver();
    expect(await s.send(request(r.url))).toMatchObject({ outcome: 'succeeded', statusCode: 204 });
  });

  it('reports a refused connection by category, without the address', async () => {
    const url = await rawServer(() => {});
    const port = new URL(url).port;
    await cleanups.pop()!();
    const result = await sender().send(request(url));
    expect(result).toMatchObject({ outcome: 'network_error', statusCode: null, error: 'connection refused' });
    expect(result.error).not.toContain(port);
  });

  it('refuses private addresses and malformed URLs before connecting', async () => {
    const r = await receiver();
    const guarded = sender(2000, true);
    expect(await guarded.send(request(r.url))).toMatchObject({ outcome: 'network_error', error: 'refused: private or internal address' });
    expect(await guarded.send(request('not a url'))).toMatchObject({
      outcome: 'network_error',
      error: 'refused: private or internal address',
    });
    expect(r.received).toHaveLength(0);
  });
});
