import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The committed pacts/ directory, resolved from this file so any working directory writes the same place. */
export const PACTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../pacts');

/** Pact's native core logs at info by default; contract suites only want warnings. */
export const PACT_LOG_LEVEL = 'warn' as const;
