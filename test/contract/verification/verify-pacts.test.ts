import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RESULTS_FILE } from '@concord/contracts/src/pact/pact-file.ts';
import { runVerification } from '@concord/contracts/src/pact/run-verification.ts';
import { createProviderRunner } from '@concord/contracts/src/pact/configured-runner.ts';
import { DEFAULT_PROVIDERS_CONFIG } from '@concord/contracts/src/pact/provider-contracts.ts';
import { loadProvidersConfig } from '@concord/contracts/src/pact/providers-config.ts';
import { PACTS_DIR } from '../support/pacts-dir.ts';

/** Every provider as pacts/providers.yaml declares it. */
const providers = loadProvidersConfig(DEFAULT_PROVIDERS_CONFIG);
const providerRunner = createProviderRunner(providers);

/**
 * Every pact in pacts/ (as this run's consumer tests wrote it) against its real provider, plus the
 * pact-vs-contract check; the results are recorded per pact, which is what `concord can-i-deploy`
 * (run after vitest by `npm test`) reads. One pact at a time: each starts its own provider.
 */
const pacts = readdirSync(PACTS_DIR)
  .filter((name) => name.endsWith('.json') && name !== RESULTS_FILE)
  .sort();

describe('provider verification of pacts/', () => {
  it('has a pact for every pair', () => {
    expect(pacts).toEqual([
      'gateway-customers-v1-adapter-customers.json',
      'inventory-orders.json',
      'orders-inventory.json',
      'partner-client-v1-concord-gateway.json',
      'partner-client-v2-concord-gateway.json',
      'webhooks-dispatcher-customers.json',
      'webhooks-dispatcher-orders.json',
    ]);
  });

  for (const pact of pacts) {
    it(`verifies ${pact}`, async () => {
      const { records } = await runVerification({ pactsDir: PACTS_DIR, runner: providerRunner, only: [pact], env: {} });
      expect(records[0]?.failures).toEqual([]);
      expect(records[0]).toMatchObject({ verification: 'passed', contractCheck: 'passed' });
    });
  }
});
