import type { OrdersV1Client } from '@concord/contracts/generated/orders.v1/client.ts';
import { withTimeout } from '@concord/service-runtime/src/http/with-timeout.ts';

/** Whether orders has committed an order: the question the reaper asks before releasing its stock. */
export interface OrderLookup {
  /**
   * 'committed' when orders has it, 'absent' when orders answered 404; throws when there is no
   * definite answer (timeout, 5xx), and the reaper then asks again next round.
   */
  find(orderId: string, partner?: string): Promise<'committed' | 'absent'>;
}

const PARTNER_HEADER = 'x-concord-partner';

/** Orders' GET /orders/{orderId} through the generated client, bounded by a timeout. */
export function createOrderLookup(client: OrdersV1Client, options: { timeoutMs?: number } = {}): OrderLookup {
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    async find(orderId, partner) {
      const result = await withTimeout(timeoutMs, (signal) =>
        client.GET('/orders/{orderId}', {
          params: { path: { orderId } },
          // Orders scoped by partner answer 404 to anyone else: ask as the reservation's partner.
          ...(partner ? { headers: { [PARTNER_HEADER]: partner } } : {}),
          signal,
        }),
      );
      const status = result.response.status;
      if (status === 200) return 'committed';
      if (status === 404) return 'absent';
      throw new Error(`Orders answered ${status} for ${orderId}`);
    },
  };
}
