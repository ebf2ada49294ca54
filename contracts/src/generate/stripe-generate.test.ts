import { corpusFile } from '../testing/corpus.ts';
import { execFile } from 'node:child_process';
import { copyFile, cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACTS_DIR, REPO_ROOT } from '../paths.ts';

/**
 * `concord generate` with Stripe's public API (recursive schemas throughout) added to a copy of
 * the workspace: it must finish, and the typed client it writes must type-check.
 */
const STRIPE = corpusFile('stripe.spec3.2023-09-12.yaml') ?? '';
const run = promisify(execFile);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'concord-generate-stripe-'));
  await cp(CONTRACTS_DIR, join(root, 'contracts'), {
    recursive: true,
    filter: (source) => !source.includes(`${CONTRACTS_DIR}/node_modules`) && !source.includes('/sdk/node_modules'),
  });
  for (const file of ['package.json', 'tsconfig.json']) await copyFile(join(REPO_ROOT, file), join(root, file));
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  await copyFile(STRIPE, join(root, 'contracts/openapi/stripe.v1.yaml'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe.skipIf(STRIPE === '')('concord generate with Stripe', { timeout: 600_000 }, () => {
  it('writes a document, types and a client that type-checks', async () => {
    const generate = await run(process.execPath, [join(root, 'contracts/bin/concord.mjs'), 'generate'], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(generate.stderr).toMatch(/wrote \d+ files/);
    const document = await readFile(join(root, 'contracts/generated/stripe.v1/document.ts'), 'utf8');
    // Recursive schemas come out as a graph that refers to itself, not an endless tree.
    expect(document).toContain('Object.assign($[');

    await writeFile(
      join(root, 'tsconfig.stripe.json'),
      JSON.stringify({ extends: './tsconfig.json', files: ['contracts/generated/stripe.v1/index.ts'] }),
    );
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    await expect(run(process.execPath, [tsc, '-p', join(root, 'tsconfig.stripe.json')], { cwd: root })).resolves.toBeDefined();
  });
});
