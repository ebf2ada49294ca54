/**
 * What the framework the gateway stands on costs: Hono on @hono/node-server in front of the same
 * undici keep-alive pool as `node_proxy`, with no policy, answering the way the gateway's proxy does
 * (a small body of known length read whole and sent with its head in one write, a larger one
 * streamed). The bench's `hono_proxy` scenario: the gap from `node_proxy` to it is Hono's and the
 * Web Request/Response objects', the gap from it to `routing` and `full_chain` is what Concord does
 * per request on top of them.
 *
 * Run as its own process: `node --import tsx test/bench/hono-proxy.ts <upstream-url>` (run.ts runs
 * it bundled, as it runs the gateway); prints one JSON line `{"ready":true,"url":...}` on stdout once
 * it listens.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Pool } from 'undici';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);
/** The gateway's own threshold (upstream/proxy.ts): bodies up to this, with a length, are read whole. */
const MAX_BUFFERED_BYTES = 64 * 1024;

const target = process.argv[2];
if (!target) {
  console.error('usage: hono-proxy.ts <upstream-url>');
  process.exit(2);
}
const pool = new Pool(target, { connections: 64 });

const app = new Hono<{ Bindings: { incoming: IncomingMessage } }>();
app.all('*', async (c) => {
  const incoming = c.env.incoming;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  const hasBody = incoming.method !== 'GET' && incoming.method !== 'HEAD';
  const upstream = await pool.request({
    method: incoming.method as 'GET',
    path: incoming.url ?? '/',
    headers,
    body: hasBody ? incoming : null,
  });
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, v]);
  }
  const length = Number(upstream.headers['content-length']);
  const body =
    length <= MAX_BUFFERED_BYTES
      ? new Uint8Array(await upstream.body.arrayBuffer())
      : (Readable.toWeb(upstream.body) as ReadableStream<Uint8Array>);
  return new Response(body, { status: upstream.statusCode, headers: out });
});
app.onError((_err, c) => c.text('bad gateway', 502));

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  process.stdout.write(`${JSON.stringify({ ready: true, url: `http://127.0.0.1:${info.port}`, pid: process.pid })}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  void pool.close().finally(() => process.exit(0));
});
