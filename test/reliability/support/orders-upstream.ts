import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP stand-in for the orders system API that fails on command and counts what reaches it,
 * so tests observe retries and the circuit breaker from the upstream's side. Orders it creates are
 * contract-valid; a failing request creates nothing (as a real 503 would not).
 */
export interface Failure {
  status: number;
  headers?: Record<string, string>;
}

export interface OrdersUpstream {
  url: string;
  /** Every request received, as `METHOD /path`. */
  received: string[];
  count(method: string, pathPrefix?: string): number;
  /** Orders actually created. */
  created: number;
  /** The next `n` requests (any method) answer `failure`. */
  failNext(n: number, failure?: Failure): void;
  /** Every request answers `failure` until `recover()`. */
  failAll(failure?: Failure): void;
  recover(): void;
  /** POST /orders waits until the returned function is called. */
  holdCreates(): () => void;
  close(): Promise<void>;
}

function order(id: string, body: { customer_id: string; lines: { sku: string; quantity: number }[] }) {
  const now = new Date().toISOString();
  return {
    id,
    customer_id: body.customer_id,
    status: 'confirmed',
    lines: body.lines,
    rejection_reason: null,
    created_at: now,
    updated_at: now,
    cancelled_at: null,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startOrdersUpstream(): Promise<OrdersUpstream> {
  const failures: Failure[] = [];
  let failAlways: Failure | undefined;
  let hold: Promise<void> | undefined;
  let seq = 0;

  const state: OrdersUpstream = {
    url: '',
    received: [],
    created: 0,
    count: (method, prefix = '/') => state.received.filter((r) => r.startsWith(`${method} ${prefix}`)).length,
    failNext: (n, failure = { status: 503 }) => {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    failAll: (failure = { status: 503 }) => {
      failAlways = failure;
    },
    recover: () => {
      failAlways = undefined;
      failures.length = 0;
    },
    holdCreates: () => {
      let release!: () => void;
      hold = new Promise((r) => (release = r));
      return () => {
        hold = undefined;
        release();
      };
    },
    close: () => new Promise((r) => server.close(() => r())),
  };

  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    state.received.push(`${req.method} ${path}`);
    const body = await readBody(req);
    const failure = failures.shift() ?? failAlways;
    if (failure) {
      res.writeHead(failure.status, { 'content-type': 'application/problem+json', ...failure.headers });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Unavailable', status: failure.status, detail: 'failing on command' }));
      return;
    }
    if (req.method === 'POST' && path === '/orders') {
      if (hold) await hold;
      const id = `ord_${String(++seq).padStart(10, '0')}`;
      state.created++;
      res.writeHead(201, { 'content-type': 'application/json', location: `/orders/${id}` });
      res.end(JSON.stringify(order(id, JSON.parse(body))));
      return;
    }
    const m = /^\/orders\/(ord_[0-9A-Za-z]+)$/.exec(path);
    if (req.method === 'GET' && m) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(order(m[1]!, { customer_id: 'cus_0000000001', lines: [{ sku: 'TEA-EARLGREY-250', quantity: 1 }] })));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: path }));
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A URL on which nothing listens: the port was free a moment ago. */
export async function deadUpstreamUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((r) => probe.close(r));
  return url;
}
