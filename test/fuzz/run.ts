/**
 * `npm run fuzz -- --cases N [--seed S]`: the contract fuzz alone, longer than inside `npm test`
 * (N requests per operation instead of the default). It runs the same vitest suite with
 * CONCORD_FUZZ_CASES and CONCORD_FUZZ_SEED set, and prints the statuses seen per operation.
 */
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_CASES, DEFAULT_SEED } from './support/fuzz-settings.ts';

const { values } = parseArgs({
  options: { cases: { type: 'string', default: String(DEFAULT_CASES) }, seed: { type: 'string', default: String(DEFAULT_SEED) } },
});
const testDir = dirname(dirname(fileURLToPath(import.meta.url)));
const child = spawn('npx', ['vitest', 'run', 'fuzz/contract-fuzz.test.ts'], {
  cwd: testDir,
  stdio: 'inherit',
  env: { ...process.env, CONCORD_FUZZ_CASES: values.cases, CONCORD_FUZZ_SEED: values.seed, CONCORD_FUZZ_REPORT: '1' },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
