import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runVerification } from '@concord/contracts/src/pact/run-verification.ts';
import { createProviderRunner } from '@concord/contracts/src/pact/configured-runner.ts';
import { DEFAULT_PROVIDERS_CONFIG } from '@concord/contracts/src/pact/provider-contracts.ts';
import { loadProvidersConfig } from '@concord/contracts/src/pact/providers-config.ts';
import { PACTS_DIR } from '../support/pacts-dir.ts';

/** Every provider as pacts/providers.yaml declares it. */
const providers = loadProvidersConfig(DEFAULT_PROVIDERS_CONFIG);
const providerRunner = createProviderRunner(providers);

/**
 * What the gate is for: a consumer expecting a field the provider does not send, and a provider
 * that stops sending a field a consumer relies on, both fail verification naming the interaction,
 * and can-i-deploy then says no. Each case works on a private copy of the pact, never on pacts/.
 */
const CLI = fileURLToPath(new URL('../../../contracts/bin/concord.mjs', import.meta.url));
const PACT = 'orders-inventory.json';
const dirs: string[] = [];

function copyOfPact(): string {
  const dir = mkdtempSync(join(tmpdir(), 'concord-pacts-'));
  dirs.push(dir);
  copyFileSync(join(PACTS_DIR, PACT), join(dir, PACT));
  return dir;
}

function canIDeploy(dir: string) {
  return spawnSync(process.execPath, [CLI, 'can-i-deploy', '--pacts', dir], { encoding: 'utf8' });
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('verification fails when a pair breaks', () => {
  it('a response expecting a field the provider does not send: verification names the interaction; can-i-deploy exits 1', async () => {
    const dir = copyOfPact();
    const file = join(dir, PACT);
    const pact = JSON.parse(readFileSync(file, 'utf8'));
    const interaction = pact.interactions.find(
      (i: { description: string }) => i.description === 'a reservation for more units than are available',
    );
    interaction.response.body.content.retry_at = 'tomorrow';
    writeFileSync(file, JSON.stringify(pact, null, 2));

    const { records, ok } = await runVerification({ pactsDir: dir, runner: providerRunner, env: {} });
    expect(ok).toBe(false);
    expect(records[0]?.verification).toBe('failed');
    const failures = records[0]!.failures.join('\n');
    expect(failures).toMatch(
      /verification: orders -> inventory: "a reservation for more units than are available \(given a SKU has stock\)": .*retry_at/,
    );
    // The contract never promised it either.
    expect(failures).toMatch(
      /contract check: .*"a reservation for more units than are available" \(inventory\.v1#createReservation\): response \/body\/retry_at is not documented/,
    );

    const gate = canIDeploy(dir);
    expect(gate.status).toBe(1);
    expect(gate.stdout).toMatch(/FAILED: orders -> inventory/);
  });

  it('a provider that stops sending a field the consumer relies on fails verification', async () => {
    const dir = copyOfPact();
    const { records } = await runVerification({
      pactsDir: dir,
      runner: createProviderRunner(providers, { variant: { dropResponseField: 'errors' } }),
      env: {},
    });
    expect(records[0]?.verification).toBe('failed');
    expect(records[0]!.failures.join('\n')).toMatch(
      /"a reservation for an unknown SKU \(given a SKU does not exist\)": BodyMismatch at \$: Actual map is missing the following keys: errors/,
    );
    expect(canIDeploy(dir).status).toBe(1);
  });

  it('a pact edited after it was verified is unverified until verified again', async () => {
    const dir = copyOfPact();
    await runVerification({ pactsDir: dir, runner: providerRunner, env: {} });
    expect(canIDeploy(dir).status).toBe(0);
    const file = join(dir, PACT);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"the release of an existing reservation"', '"the release of a reservation"'));
    const gate = canIDeploy(dir);
    expect(gate.status).toBe(1);
    expect(gate.stdout).toMatch(/UNVERIFIED: orders -> inventory \(orders-inventory.json\): pact changed since it was verified/);
  });

  it('a provider state no handler knows fails the interaction, naming the state, instead of passing on data never set up', async () => {
    const dir = copyOfPact();
    const file = join(dir, PACT);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('"a SKU does not exist"', '"a SKU was discontinued"'));
    const { records } = await runVerification({ pactsDir: dir, runner: providerRunner, env: {} });
    expect(records[0]?.verification).toBe('failed');
    const failures = records[0]!.failures.join('\n');
    expect(failures).toContain('"a reservation for an unknown SKU (given a SKU was discontinued)"');
    expect(failures).toContain('inventory has no handler for the provider state "a SKU was discontinued"');
    expect(canIDeploy(dir).status).toBe(1);
  });
});
