import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookSender } from '../dispatcher/send.ts';
import { secretKey } from '../signing/standard-webhooks.ts';
import { startCountingReceiver, type CountingReceiver } from './counting-receiver.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receiver(onDelivery: (id: string) => void): Promise<CountingReceiver> {
  const r = await startCountingReceiver(onDelivery);
  cleanups.push(() => r.close());
  return r;
}

describe('counting receiver (bench fixture)', () => {
  it('answers every delivery from the real sender 204 and reports its webhook-id', async () => {
    const ids: string[] = [];
    const r = await receiver((id) => ids.push(id));
    const sender = createWebhookSender({ timeoutMs: 2000, connections: 2 });
    cleanups.push(() => sender.close());
    const key = secretKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const results = await Promise.all(
      ['msg_A1', 'msg_b2', 'msg_C3'].map((messageId) => sender.send({ url: r.url, messageId, body: `{"id":"${messageId}"}`, keys: [key] })),
    );
    expect(results.map((x) => x.statusCode)).toEqual([204, 204, 204]);
    expect(ids.sort()).toEqual(['msg_A1', 'msg_C3', 'msg_b2']);
  });

  it('handles requests split across reads and several in one read, and refuses a body without a length', async () => {
    const ids: string[] = [];
    const r = await receiver((id) => ids.push(id));
    const { port } = new URL(r.url);
    const socket = connect(Number(port), '127.0.0.1');
    cleanups.push(async () => void socket.destroy());
    let answers = '';
    socket.on('data', (c: Buffer) => (answers += c.toString('latin1')));
    await new Promise((resolve) => socket.once('connect', resolve));
    const req = (id: string, body: string) =>
      `POST /hooks HTTP/1.1\r\nHost: x\r\nWebhook-Id: ${id}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const two = req('one', '{"a":1}') + req('two', '{}');
    socket.write(two.slice(0, 20));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(two.slice(20) + req('three', 'xyz').slice(0, 40));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(req('three', 'xyz').slice(40));
    await expect.poll(() => answers.match(/HTTP\/1\.1 204/g)?.length ?? 0).toBe(3);
    expect(ids).toEqual(['one', 'two', 'three']);
    socket.write('POST /hooks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    await expect.poll(() => answers.includes('400 Bad Request')).toBe(true);
    expect(ids).toHaveLength(3);
  });
});
