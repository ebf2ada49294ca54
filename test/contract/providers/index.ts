import type { ProviderRunner } from '@concord/contracts/src/pact/run-verification.ts';
import { customersProvider } from './customers-provider.ts';
import { gatewayProvider } from './gateway-provider.ts';
import { inventoryProvider } from './inventory-provider.ts';
import { ordersProvider } from './orders-provider.ts';
import type { ProviderDefinition, ProviderStartOptions } from './provider-definition.ts';
import { verifyPactFile } from './verify-pact.ts';

/** Every provider named in pacts/, by its pact name. */
export const PROVIDERS: Record<string, ProviderDefinition> = Object.fromEntries(
  [gatewayProvider, customersProvider, inventoryProvider, ordersProvider].map((p) => [p.name, p]),
);

/** What `concord verify` loads: each pact against its real provider, started for it alone. */
export function createProviderRunner(variant: ProviderStartOptions = {}): ProviderRunner {
  return {
    providers: () => Object.keys(PROVIDERS),
    async verify(pact, options) {
      const definition = PROVIDERS[pact.provider];
      if (!definition) throw new Error(`no provider named ${pact.provider}`);
      return verifyPactFile(pact.file, definition, {
        consumer: pact.consumer,
        ...variant,
        ...(options.publish ? { publish: options.publish } : {}),
      });
    },
  };
}

export const providerRunner = createProviderRunner();

export { verifyPactFile };
