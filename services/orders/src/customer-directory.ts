import type { CustomersV2Client } from '@concord/contracts/generated/customers.v2/client.ts';
import { PARTNER_HEADER } from '@concord/service-runtime/src/tenancy/caller.ts';
import { withTimeout } from '@concord/service-runtime/src/http/with-timeout.ts';

/** Answers whether a customer exists, so an order for an unknown customer is a 422. */
export interface CustomerDirectory {
  /**
   * Whether `partner` has this customer: another partner's customer does not exist for it. Throws
   * CustomersUnavailableError when the answer cannot be had.
   */
  exists(customerId: string, partner: string): Promise<boolean>;
}

export class CustomersUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/** The customers API through its generated client, bounded by a timeout. */
export function createCustomerDirectory(client: CustomersV2Client, options: { timeoutMs?: number } = {}): CustomerDirectory {
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    async exists(customerId, partner) {
      let status: number;
      try {
        const result = await withTimeout(timeoutMs, (signal) =>
          client.GET('/customers/{customerId}', { params: { path: { customerId } }, headers: { [PARTNER_HEADER]: partner }, signal }),
        );
        status = result.response.status;
      } catch (err) {
        throw new CustomersUnavailableError(`Customers did not answer within ${timeoutMs} ms or could not be reached.`, { cause: err });
      }
      if (status === 200) return true;
      if (status === 404) return false;
      throw new CustomersUnavailableError(`Customers answered ${status} for ${customerId}.`);
    },
  };
}
