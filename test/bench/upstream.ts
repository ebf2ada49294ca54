/**
 * The fixed upstream of the benchmark: a minimal node:http server standing in for the customers v2
 * and orders v1 system APIs. Its answers are valid for the contracts (so the gateway's response
 * validation passes) and cost as little as possible, so every scenario measures what sits in front.
 *
 *   GET  /customers/{customerId}  200 a Customer (customers.v2), with an address
 *   POST /orders                  201 an Order (orders.v1), the request body drained unparsed
 *
 * Run as its own process (`node --import tsx test/bench/upstream.ts`): prints one JSON line
 * `{"ready":true,"url":...}` on stdout once it listens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

const CUSTOMER_ID = /^\/customers\/(cus_[0-9A-Za-z]{8,32})$/;

/** The Customer of the contract's example, with this id. */
function customerJson(id: string): string {
  return JSON.stringify({
    id,
    given_name: 'Ada',
    family_name: 'Lovelace',
    name_prefix: 'Dr.',
    email: 'ada.lovelace@analytical.example',
    phone: '+442071234567',
    address: { line1: "12 St James's Square", line2: null, city: 'London', region: null, postal_code: 'SW1Y 4JH', country: 'GB' },
    created_at: '2025-03-14T09:26:53Z',
    updated_at: '2025-04-02T16:05:11Z',
  });
}

const ORDER = Buffer.from(
  JSON.stringify({
    id: 'ord_8KdW3nYq5TzR',
    customer_id: 'cus_4f9a2b7c1d8e',
    status: 'confirmed',
    lines: [
      { sku: 'TEA-EARLGREY-250', quantity: 2 },
      { sku: 'MUG-STONE-01', quantity: 1 },
    ],
    rejection_reason: null,
    created_at: '2025-05-20T10:15:00Z',
    updated_at: '2025-05-20T10:15:00Z',
    cancelled_at: null,
  }),
);
const NOT_FOUND = Buffer.from(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'No such resource.' }));

/** Bodies by customer id: the benchmark asks for a handful of ids, so each is serialised once. */
const customers = new Map<string, Buffer>();

export function createBenchUpstream(): Server {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'GET') {
      const m = CUSTOMER_ID.exec(url);
      if (m) {
        const id = m[1]!;
        let body = customers.get(id);
        if (!body) customers.set(id, (body = Buffer.from(customerJson(id))));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
        return;
      }
    } else if (req.method === 'POST' && url === '/orders') {
      req.resume();
      req.once('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': ORDER.length, location: '/orders/ord_8KdW3nYq5TzR' });
        res.end(ORDER);
      });
      return;
    }
    req.resume();
    res.writeHead(404, { 'content-type': 'application/problem+json', 'content-length': NOT_FOUND.length });
    res.end(NOT_FOUND);
  });
  // Longer than any client's idle timeout, so pooled connections are never reset under them.
  server.keepAliveTimeout = 65_000;
  return server;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = createBenchUpstream();
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`);
  });
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
