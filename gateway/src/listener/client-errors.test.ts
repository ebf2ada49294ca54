import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientErrors } from './client-errors.ts';

/** Sends raw bytes and reads until the server closes the connection. */
function exchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
    socket.write(raw);
  });
}

function parse(raw: string): { status: number; headers: Record<string, string>; body: Record<string, unknown> } {
  const [head, body] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head!.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine!.split(' ')[1]), headers, body: JSON.parse(body!) as Record<string, unknown> };
}

describe('requests Node refuses before routing', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('ok'));
    answerClientErrors(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers a request head over maxHeaderSize with a 431 problem+json carrying a request id, and closes', async () => {
    const res = parse(await exchange(port, `GET /v1/orders?status=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: a\r\n\r\n`));
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers.connection).toBe('close');
    expect(res.body).toMatchObject({
      type: 'https://concord.dev/problems/request-header-fields-too-large',
      title: 'Request header fields too large',
      status: 431,
      code: 'HEADERS_TOO_LARGE',
    });
    expect(res.body.request_id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(res.body.request_id).toBe(res.headers['x-request-id']);
  });

  it('answers bytes that are not HTTP with a 400 malformed-request problem', async () => {
    const res = parse(await exchange(port, 'HELLO THERE\r\n\r\n'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'MALFORMED_REQUEST', status: 400 });
  });

  it('still serves a well-formed request', async () => {
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
  });
});
