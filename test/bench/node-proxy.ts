/**
 * The reference for what any Node.js gateway starts from on this machine: a bare reverse proxy with
 * no policy at all (node:http in front, one undici keep-alive Pool behind, as the gateway uses),
 * forwarding method, path, headers and body and streaming the answer back. The bench's
 * `node_proxy` scenario: the gap from nginx to it is Node's, the gap from it to `routing` and
 * `full_chain` is Concord's.
 *
 * Run as its own process: `node --import tsx test/bench/node-proxy.ts <upstream-url>` (run.ts runs it
 * bundled, as it runs the gateway); prints one JSON line `{"ready":true,"url":...}` on stdout once it listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

const target = process.argv[2];
if (!target) {
  console.error('usage: node-proxy.ts <upstream-url>');
  process.exit(2);
}
const pool = new Pool(target, { connections: 64 });

const server = createServer((req, res) => {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  pool
    .request({ method: req.method as 'GET', path: req.url ?? '/', headers, body: hasBody ? req : null })
    .then((upstream) => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(upstream.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      res.writeHead(upstream.statusCode, out);
      upstream.body.pipe(res);
    })
    .catch(() => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ ready: true, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pid: process.pid })}\n`,
  );
});
process.once('SIGTERM', () => {
  server.close();
  void pool.close().finally(() => process.exit(0));
});
