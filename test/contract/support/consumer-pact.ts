import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PactV4 } from '@pact-foundation/pact';
import { afterAll } from 'vitest';
import { PACT_LOG_LEVEL, PACTS_DIR } from './pacts-dir.ts';

/**
 * A V4 pact for one consumer -> provider pair, written to pacts/. Pact merges new interactions into
 * an existing file, so the pair's file is removed first: the file then holds exactly what this run's
 * consumer test exercised, and an interaction deleted from the test disappears from the pact.
 * After the file's tests, interactions are put in a fixed order: the file (and so its content hash,
 * which verification results are recorded against) changes only when the expectations change.
 * Call it at the top level of the pair's test file.
 */
export function consumerPact(consumer: string, provider: string): PactV4 {
  const file = join(PACTS_DIR, `${consumer}-${provider}.json`);
  rmSync(file, { force: true });
  afterAll(() => {
    if (existsSync(file)) writeFileSync(file, `${JSON.stringify(normalisePact(JSON.parse(readFileSync(file, 'utf8'))), null, 2)}\n`);
  });
  return new PactV4({ consumer, provider, dir: PACTS_DIR, logLevel: PACT_LOG_LEVEL });
}

function normalisePact(pact: { interactions?: { description?: string; providerStates?: unknown }[] }) {
  const key = (i: { description?: string; providerStates?: unknown }) =>
    `${i.description ?? ''}\u0000${JSON.stringify(i.providerStates ?? [])}`;
  pact.interactions?.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return pact;
}
