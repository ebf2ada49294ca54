import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.ts';
import { RESULTS_FILE, type PactFile } from './pact-file.ts';

/** What `concord verify` recorded for one pact file. */
export interface VerificationRecord {
  pact: string;
  consumer: string;
  provider: string;
  /** The pact's content hash when it was verified; other contents are unverified. */
  contentHash: string;
  /** `<contract versions>+<git describe>`: what was verified. */
  providerVersion: string;
  /** Pact verification against the running provider. */
  verification: 'passed' | 'failed';
  /** The pact-vs-contract check. */
  contractCheck: 'passed' | 'failed';
  /** One line per failure: interaction and mismatch. */
  failures: string[];
  verifiedAt: string;
}

export interface VerificationResults {
  results: Record<string, VerificationRecord>;
}

export function resultsFile(pactsDir: string): string {
  return join(pactsDir, RESULTS_FILE);
}

export function readResults(pactsDir: string): VerificationResults {
  const file = resultsFile(pactsDir);
  if (!existsSync(file)) return { results: {} };
  return JSON.parse(readFileSync(file, 'utf8')) as VerificationResults;
}

/** Replaces the records of the given pacts and drops records of pact files that no longer exist. */
export function writeResults(pactsDir: string, records: VerificationRecord[], existing: readonly string[]): void {
  const current = readResults(pactsDir);
  for (const r of records) current.results[r.pact] = r;
  for (const name of Object.keys(current.results)) if (!existing.includes(name)) delete current.results[name];
  const sorted = Object.fromEntries(Object.entries(current.results).sort(([a], [b]) => (a < b ? -1 : 1)));
  const file = resultsFile(pactsDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ results: sorted }, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The provider version results are recorded under: git describe (with -dirty), else `unversioned`. */
export function providerVersion(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty', '--tags'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unversioned';
  }
}

export type PairStatus = 'verified' | 'failed' | 'unverified';

export interface MatrixRow {
  pact: string;
  consumer: string;
  provider: string;
  status: PairStatus;
  reason: string;
  providerVersion?: string;
  verifiedAt?: string;
}

/** The consumer x provider matrix for the pacts as they are now. */
export function deployMatrix(pacts: PactFile[], results: VerificationResults): MatrixRow[] {
  return pacts.map((pact) => {
    const base = { pact: pact.name, consumer: pact.consumer, provider: pact.provider };
    const record = results.results[pact.name];
    if (!record) return { ...base, status: 'unverified', reason: 'never verified' };
    const seen = { providerVersion: record.providerVersion, verifiedAt: record.verifiedAt };
    if (record.contentHash !== pact.contentHash)
      return { ...base, ...seen, status: 'unverified', reason: 'pact changed since it was verified' };
    if (record.verification !== 'passed' || record.contractCheck !== 'passed') {
      const what = [
        record.verification !== 'passed' ? 'provider verification' : '',
        record.contractCheck !== 'passed' ? 'contract check' : '',
      ]
        .filter(Boolean)
        .join(' and ');
      return { ...base, ...seen, status: 'failed', reason: `${what} failed: ${record.failures[0] ?? ''}` };
    }
    return { ...base, ...seen, status: 'verified', reason: 'ok' };
  });
}
