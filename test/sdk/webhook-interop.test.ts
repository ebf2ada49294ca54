/**
 * The SDK's webhook verification against Concord's own dispatcher: what the webhooks service
 * sends (Standard Webhooks signatures over real HTTP, two during a secret rotation) is what
 * partners' verifyWebhook accepts, and a wrong secret is refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookSender } from '@concord/service-webhooks/src/dispatcher/send.ts';
import { generateSecret, secretKey } from '@concord/service-webhooks/src/signing/standard-webhooks.ts';
import { isEventType, verifyWebhook, WebhookVerificationError, type PublicEvent } from '../../contracts/sdk/src/webhooks/index.ts';

const oldSecret = generateSecret();
const newSecret = generateSecret();

describe("the SDK verifies what Concord's webhook dispatcher sends", () => {
  let server: Server;
  let url: string;
  let partnerSecret = oldSecret;
  const received: PublicEvent[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      try {
        received.push(await verifyWebhook({ payload: Buffer.concat(chunks), headers: req.headers, secret: partnerSecret }));
        res.writeHead(204).end();
      } catch (err) {
        refused.push(err instanceof WebhookVerificationError ? err.reason : String(err));
        res.writeHead(400).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const event = {
    specversion: '1.0',
    id: 'evt_interop_0001',
    source: '/orders',
    type: 'order.cancelled',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    subject: 'ord_8KdW3nYq5TzR',
    data: {
      id: 'ord_8KdW3nYq5TzR',
      customer_id: 'cus_4f9a2b7c1d8e',
      lines: [{ sku: 'TEA-EARLGREY-250', quantity: 2 }],
      cancelled_at: new Date().toISOString(),
    },
  };

  it('accepts a delivery signed with the new and the old secret while the partner still has the old one', async () => {
    const sender = createWebhookSender({ timeoutMs: 5_000, connections: 1 });
    try {
      const result = await sender.send({
        url,
        messageId: event.id,
        body: JSON.stringify(event),
        keys: [secretKey(newSecret), secretKey(oldSecret)],
      });
      expect(result.outcome).toBe('succeeded');
      const [verified] = received;
      expect(verified?.id).toBe(event.id);
      if (!verified || !isEventType(verified, 'order.cancelled')) throw new Error('expected order.cancelled');
      expect(verified.subject).toBe('ord_8KdW3nYq5TzR');

      partnerSecret = generateSecret();
      const wrong = await sender.send({
        url,
        messageId: 'evt_interop_0002',
        body: JSON.stringify({ ...event, id: 'evt_interop_0002' }),
        keys: [secretKey(newSecret)],
      });
      expect(wrong.outcome).toBe('failed');
      expect(refused).toEqual(['no_matching_signature']);
    } finally {
      await sender.close();
    }
  });
});
