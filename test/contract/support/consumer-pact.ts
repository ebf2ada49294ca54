import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PactV4 } from '@pact-foundation/pact';
import { PACT_LOG_LEVEL, PACTS_DIR } from './pacts-dir.ts';

/**
 * A V4 pact for one consumer -> provider pair, written to pacts/. Pact merges new interactions into
 * an existing file, so the pair's file is removed first: the file then holds exactly what this run's
 * consumer test exercised, and an interaction deleted from the test disappears from the pact.
 */
export function consumerPact(consumer: string, provider: string): PactV4 {
  rmSync(join(PACTS_DIR, `${consumer}-${provider}.json`), { force: true });
  return new PactV4({ consumer, provider, dir: PACTS_DIR, logLevel: PACT_LOG_LEVEL });
}
