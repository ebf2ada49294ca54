import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendCases, createTestBackend, eventually, type TestBackend } from '../testing/test-backends.ts';
import type { BusMessage } from './event-bus.ts';

const cases = await backendCases();

describe.each(cases)('event bus on $name', (backend) => {
  let env: TestBackend;
  beforeAll(async () => {
    env = await createTestBackend(backend);
  });
  afterAll(() => env?.close());

  it.skipIf(backend.skip)('stores a message id once: a second publish is reported as a duplicate', async () => {
    const first = await env.bus.publish('concord.order.placed', { n: 1 }, { msgId: 'dup-1' });
    const second = await env.bus.publish('concord.order.placed', { n: 2 }, { msgId: 'dup-1' });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    const stored = (await env.bus.readAll()).filter((m) => m.msgId === 'dup-1');
    expect(stored).toEqual([{ subject: 'concord.order.placed', msgId: 'dup-1', envelope: { n: 1 } }]);
  });

  it.skipIf(backend.skip)('delivers only the subscribed subjects, in order, and again after a handler throws', async () => {
    const seen: BusMessage[] = [];
    let failOnce = true;
    const subscription = await env.bus.subscribe({
      durable: 'bus-test',
      subjects: ['concord.order.cancelled'],
      async handler(message) {
        if (failOnce && message.msgId === 'c-2') {
          failOnce = false;
          throw new Error('transient');
        }
        seen.push(message);
      },
    });
    try {
      await env.bus.publish('concord.order.cancelled', { n: 1 }, { msgId: 'c-1' });
      await env.bus.publish('concord.customer.created', { n: 0 }, { msgId: 'x-1' });
      await env.bus.publish('concord.order.cancelled', { n: 2 }, { msgId: 'c-2' });
      await eventually(() => (seen.length >= 2 ? true : undefined), 'two deliveries');
      expect(seen.map((m) => m.msgId)).toEqual(['c-1', 'c-2']);
      expect(seen[1]!.deliveryCount).toBe(2);
      expect(seen[0]!.subject).toBe('concord.order.cancelled');
    } finally {
      await subscription.close();
    }
  });

  it.skipIf(backend.skip)('resumes a durable subscription where it left off', async () => {
    const seen: string[] = [];
    const handler = async (m: BusMessage) => void seen.push(m.msgId);
    const first = await env.bus.subscribe({ durable: 'resume-test', subjects: ['concord.inventory.released'], handler });
    await env.bus.publish('concord.inventory.released', {}, { msgId: 'r-1' });
    await eventually(() => (seen.length === 1 ? true : undefined), 'first delivery');
    await first.close();
    await env.bus.publish('concord.inventory.released', {}, { msgId: 'r-2' });
    const second = await env.bus.subscribe({ durable: 'resume-test', subjects: ['concord.inventory.released'], handler });
    try {
      await eventually(() => (seen.length === 2 ? true : undefined), 'second delivery');
      expect(seen).toEqual(['r-1', 'r-2']);
    } finally {
      await second.close();
    }
  });
  it.skipIf(backend.skip)('gives a batch subscriber the backlog in order, in batches, and all of a failed batch again', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `b-${i}`);
    for (const id of ids) await env.bus.publish('concord.order.confirmed', { id }, { msgId: id });
    const batches: BusMessage[][] = [];
    let failOnce = true;
    const subscription = await env.bus.subscribe({
      durable: 'batch-test',
      subjects: ['concord.order.confirmed'],
      maxBatch: 5,
      async batchHandler(messages) {
        if (failOnce) {
          failOnce = false;
          throw new Error('transient');
        }
        batches.push([...messages]);
      },
    });
    try {
      await eventually(() => (batches.flat().length >= ids.length ? true : undefined), 'the whole backlog');
      expect(batches.every((b) => b.length >= 1 && b.length <= 5)).toBe(true);
      // Each batch is in stream order. The failed first batch came again, so nothing is lost (on
      // JetStream it may come after later ones: a redelivery waits, the rest of the stream does not).
      const index = (m: BusMessage) => ids.indexOf(m.msgId);
      for (const b of batches) expect(b.map(index)).toEqual([...b.map(index)].sort((x, y) => x - y));
      expect(
        batches
          .flat()
          .map((m) => m.msgId)
          .sort(),
      ).toEqual([...ids].sort());
      expect(batches.flat().find((m) => m.msgId === 'b-0')!.deliveryCount).toBe(2);
    } finally {
      await subscription.close();
    }
  });
});
