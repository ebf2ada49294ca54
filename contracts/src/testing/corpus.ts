import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The corpus of real public contracts nobody here wrote (Swagger Petstore, Stripe), kept outside the
 * repository: CONCORD_CORPUS_DIR, else `../shared/corpus` beside the checkout. Never copied into
 * contracts/. Suites that need it skip, loudly, where it is absent.
 */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function corpusDir(): string | undefined {
  const dir = process.env.CONCORD_CORPUS_DIR ?? resolve(REPO_ROOT, '../shared/corpus');
  if (existsSync(dir)) return dir;
  console.warn(`\n*** SKIPPING tests on the real-world contract corpus: ${dir} does not exist (set CONCORD_CORPUS_DIR) ***\n`);
  return undefined;
}

/** A file of the corpus, or undefined (with the warning) when the corpus is absent. */
export function corpusFile(name: string): string | undefined {
  const dir = corpusDir();
  return dir === undefined ? undefined : join(dir, name);
}
