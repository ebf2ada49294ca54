import { PACT_PARTNER, PARTNER_HEADER } from '../support/shapes.ts';
import { eventDescription, type ProviderDefinition } from '@concord/contracts/src/pact/provider-definition.ts';
import { createCustomer, type CustomerParams } from './service-states.ts';
import { callApi, latestOutboxEvent, startSystemApis, uniqueEmail } from './system-apis.ts';

/**
 * customers: the HTTP provider of the gateway's v1 adapter, and the publisher of customer.created
 * and customer.updated. Events come from the service's outbox, built by the real outbox code as
 * the state's API calls committed.
 */
export const provider: ProviderDefinition = {
  name: 'customers',
  async start(options = {}) {
    const apis = await startSystemApis(
      ['customers'],
      options.dropResponseField ? { dropResponseField: { service: 'customers', field: options.dropResponseField } } : {},
    );
    const customers = apis.customers!;
    const reset = async () => {
      await customers.db.query('DELETE FROM customers');
      return undefined;
    };
    return {
      baseUrl: customers.url,
      // The gateway sends every request with its caller's partner; the pacts act for one.
      requestHeaders: () => ({ [PARTNER_HEADER]: PACT_PARTNER }),
      stateHandlers: {
        'a customer exists': {
          setup: async (params) => ({ customerId: await createCustomer(customers, params as CustomerParams) }),
          teardown: reset,
        },
        'no customer has the email': { setup: async () => undefined, teardown: reset },
        'a customer was registered': async () => {
          await createCustomer(customers);
          return undefined;
        },
        'a customer changed their email': async () => {
          const id = await createCustomer(customers);
          await callApi(customers, 'PATCH', `/customers/${id}`, { email: uniqueEmail('changed') });
          return undefined;
        },
      },
      messageProviders: {
        [eventDescription('customer.created')]: () => latestOutboxEvent(customers, 'customer.created'),
        [eventDescription('customer.updated')]: () => latestOutboxEvent(customers, 'customer.updated'),
      },
      close: () => apis.close(),
    };
  },
};
