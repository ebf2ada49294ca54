import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Registry } from 'prom-client';
import { buildGateway } from '@concord/gateway/src/app.ts';
import { parseProcessEnv, upstreamEnvName } from '@concord/gateway/src/config/env.ts';
import { parseConfig } from '@concord/gateway/src/config/load-config.ts';
import { issueTestToken } from '@concord/gateway/src/partners/testing/issue-test-token.ts';
import { serveHttp } from '@concord/service-runtime/src/http/serve-http.ts';
import type { ProviderDefinition } from '@concord/contracts/src/pact/provider-definition.ts';
import { createCustomer, placeOrder, setStock, type CustomerParams } from './service-states.ts';
import { startSystemApis } from './system-apis.ts';

const CONFIG_FILE = fileURLToPath(new URL('../../../gateway/gateway.config.yaml', import.meta.url));

/**
 * concord-gateway: the provider of the partner-facing v1 and v2 APIs. The real gateway (buildGateway
 * from the committed gateway.config.yaml: routes, adapter, validation, security) in front of the
 * real system APIs, with only the upstream URLs overridden. Every replayed request carries a token
 * from the gateway's own issuer (the demo partner), injected by the verifier's request filter.
 */
export const provider: ProviderDefinition = {
  name: 'concord-gateway',
  async start(options = {}) {
    const apis = await startSystemApis(
      ['orders'],
      options.dropResponseField ? { dropResponseField: { service: 'customers', field: options.dropResponseField } } : {},
    );
    const closers: (() => Promise<void>)[] = [() => apis.close()];
    const close = async () => {
      for (const c of closers.reverse()) await c().catch(() => {});
    };
    try {
      const all = { customers: apis.customers!, inventory: apis.inventory!, orders: apis.orders! };
      const env = parseProcessEnv(
        Object.fromEntries(
          Object.entries({ customers: all.customers.url, orders: all.orders.url, inventory: all.inventory.url }).map(([n, url]) => [
            upstreamEnvName(n),
            url,
          ]),
        ),
      );
      const config = parseConfig(readFileSync(CONFIG_FILE, 'utf8'), CONFIG_FILE, env);
      const gateway = buildGateway(config, {
        env,
        logger: pino({ level: 'silent' }),
        metrics: new Registry(),
        now: Date.now,
        fetch: globalThis.fetch,
      });
      closers.push(() => gateway.close());
      const server = await serveHttp(gateway.app, { port: 0 });
      closers.push(() => server.close());
      const token = await issueTestToken(gateway.app);
      return {
        baseUrl: server.url,
        requestHeaders: () => ({ authorization: `Bearer ${token}` }),
        stateHandlers: {
          'a customer exists': async (params) => ({ customerId: await createCustomer(all.customers, params as CustomerParams) }),
          'no customer has the email': async () => undefined,
          'a SKU has stock': async (params) => {
            const { sku, available } = params as { sku: string; available: number };
            await setStock(all.inventory, sku, available);
            return undefined;
          },
          'a confirmed order exists': async () => ({ orderId: (await placeOrder(all)).orderId }),
        },
        close,
      };
    } catch (err) {
      await close();
      throw err;
    }
  },
};
