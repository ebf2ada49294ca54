import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The partner's webhook endpoint in the chaos runs: answers 204 and counts each delivery by the
 * order it is about (the CloudEvent's `data.id`), so a run can say how many committed orders a
 * partner actually heard about, after every fault.
 */
export interface ChaosReceiver {
  url: string;
  /** Deliveries per `<event type> <order id>` (more than one: an at-least-once redelivery). */
  deliveries: Map<string, number>;
  close(): Promise<void>;
}

export async function startChaosReceiver(): Promise<ChaosReceiver> {
  const deliveries = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string; data?: { id?: string } };
        const key = `${event.type} ${event.data?.id}`;
        deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
      } catch {
        // Not an event: counted nowhere, and the 204 below does not matter to the run.
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    deliveries,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
