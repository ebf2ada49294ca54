/**
 * How long the fuzz runs: inside `npm test` a fixed seed and a few cases per operation (a few
 * hundred requests in all, seconds); `CONCORD_FUZZ_CASES=N` (or `npm run fuzz -- --cases N`) for
 * longer runs, `CONCORD_FUZZ_SEED` to replay or vary one.
 */
export interface FuzzSettings {
  /** Generated requests per operation (fast-check's numRuns), before any shrinking. */
  cases: number;
  /** Base seed; each operation derives its own from it, so adding one does not reshuffle the others. */
  seed: number;
}

export const DEFAULT_CASES = 12;
export const DEFAULT_SEED = 20_261_129;

function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

export function fuzzSettings(env: Record<string, string | undefined>): FuzzSettings {
  return {
    cases: positiveInteger('CONCORD_FUZZ_CASES', env.CONCORD_FUZZ_CASES, DEFAULT_CASES),
    seed: positiveInteger('CONCORD_FUZZ_SEED', env.CONCORD_FUZZ_SEED, DEFAULT_SEED),
  };
}

/** A seed per operation: the base seed mixed with the operation's name (FNV-1a). */
export function operationSeed(base: number, key: string): number {
  let hash = 0x811c9dc5 ^ base;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash | 0;
}
