import { corpusDir } from '../testing/corpus.ts';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACTS_DIR } from '../paths.ts';
import type { Change } from './change.ts';

/**
 * Concord's diff on somebody else's API at full size: Stripe's public OpenAPI document (4 MB, ~500
 * operations, recursive `anyOf` schemas), March against September 2023. What it must find was read
 * off the two files by hand; the run is measured by /usr/bin/time so its peak memory is the whole
 * process's, not this test's.
 */
const CORPUS = corpusDir() ?? '';
const MARCH = 'stripe.spec3.2023-03-17.yaml';
const SEPTEMBER = 'stripe.spec3.2023-09-12.yaml';
const BIN = join(CONTRACTS_DIR, 'bin/concord.mjs');
const GIGABYTE_KB = 1024 * 1024;

const run = promisify(execFile);

async function diff(base: string, head: string): Promise<{ code: number; json: { breaking: boolean; changes: Change[] }; peakKb: number }> {
  const args = ['-f', '%M', process.execPath, BIN, 'diff', base, head, '--format', 'json'];
  let out: { stdout: string; stderr: string; code: number };
  try {
    out = { ...(await run('/usr/bin/time', args, { maxBuffer: 256 * 1024 * 1024 })), code: 0 };
  } catch (err) {
    out = err as { stdout: string; stderr: string; code: number };
  }
  const peakKb = Number(out.stderr.trim().split('\n').at(-1));
  return { code: out.code, json: JSON.parse(out.stdout), peakKb };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concord-stripe-'));
  for (const file of [MARCH, SEPTEMBER]) await copyFile(join(CORPUS, file), join(dir, file));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.skipIf(CORPUS === '')('concord diff on Stripe', { timeout: 300_000 }, () => {
  it('March against September: breaking, naming what was made optional, once per shared schema', async () => {
    const { code, json, peakKb } = await diff(join(dir, MARCH), join(dir, SEPTEMBER));
    expect(code).toBe(1);
    expect(json.breaking).toBe(true);
    expect(peakKb).toBeLessThan(GIGABYTE_KB);
    const breaking = json.changes.filter((c) => c.level === 'breaking');
    const optional = breaking.filter((c) => c.id === 'response-property-made-optional').map((c) => c.location);
    // checkout.session.success_url and identity.verification_{report,session}.{options,type}.
    expect(optional).toEqual(
      expect.arrayContaining([
        'response 200 application/json: data[].success_url',
        'response 200 application/json: data[].options',
        'response 200 application/json: data[].type',
      ]),
    );
    const successUrl = breaking.find((c) => c.id === 'response-property-made-optional' && c.location.endsWith('success_url'));
    expect(successUrl?.operations).toEqual(expect.arrayContaining(['GET /v1/checkout/sessions', 'POST /v1/checkout/sessions']));
    // Removed response enum values: invoice.status "deleted", dispute.status "charge_refunded".
    // Breaking: the SDK's generated union loses the value, so code handling it no longer compiles.
    const removed = breaking.filter((c) => c.id === 'response-enum-value-removed').map((c) => c.message);
    expect(removed).toEqual(
      expect.arrayContaining([expect.stringContaining('no longer has enum value "deleted"'), expect.stringContaining('"charge_refunded"')]),
    );
    // invoice is reached from almost every operation (through the error response's `payment_intent`): one change, not 400.
    expect(removed.filter((m) => m.includes('"deleted"'))).toHaveLength(1);
    expect(json.changes.length).toBeLessThan(1000);
  });

  it('September against itself: no changes, exit 0', async () => {
    const { code, json, peakKb } = await diff(join(dir, SEPTEMBER), join(dir, SEPTEMBER));
    expect(json.changes).toEqual([]);
    expect(code).toBe(0);
    expect(peakKb).toBeLessThan(GIGABYTE_KB);
  });
});
