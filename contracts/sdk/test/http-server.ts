import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** performance.now() when the request's body had arrived, measured by the server. */
  at: number;
}

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Handler = (req: RecordedRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

/** A real HTTP server on an ephemeral port: the SDK is tested over the wire, never against a fake fetch. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (raw, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of raw) chunks.push(chunk as Buffer);
    const req: RecordedRequest = {
      method: raw.method ?? '',
      url: raw.url ?? '',
      headers: raw.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      at: performance.now(),
    };
    requests.push(req);
    try {
      await handler(req, res, raw);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export function problem(
  res: ServerResponse,
  status: number,
  title: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/problem+json', 'x-request-id': `req_${status}_test`, ...headers })
    .end(JSON.stringify({ type: `https://concord.dev/problems/${title.toLowerCase().replace(/\s+/g, '-')}`, title, status, ...extra }));
}

/** A token endpoint that counts its requests and answers after `delayMs`. */
export function tokenEndpoint(state: { count: number; delayMs?: number; expiresIn?: number }) {
  return async (_req: RecordedRequest, res: ServerResponse) => {
    state.count++;
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    json(res, 200, { access_token: `token-${state.count}`, token_type: 'Bearer', expires_in: state.expiresIn ?? 3600 });
  };
}

export const customer = (id: string) => ({
  id,
  given_name: 'Ada',
  family_name: 'Lovelace',
  name_prefix: null,
  email: `${id}@example.com`,
  phone: null,
  address: null,
  created_at: '2025-01-01T00:00:00Z',
  updated_at: '2025-01-01T00:00:00Z',
});
