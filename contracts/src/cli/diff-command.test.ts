import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rulesMarkdown } from '../diff/rules-table.ts';
import { concord, contractRepository, git } from '../diff/test-repository.ts';
import { CONTRACTS_DIR, REPO_ROOT } from '../paths.ts';

const FIXTURES = join(CONTRACTS_DIR, 'src/diff/fixtures');

describe('concord diff <base-file> <head-file>', { timeout: 180_000 }, () => {
  it('is clean (exit 0) for the same contract written differently', async () => {
    const result = await concord(['diff', join(FIXTURES, 'payments-base.yaml'), join(FIXTURES, 'payments-reordered.yaml')]);
    expect(result.stdout).toMatch(/no contract changes/);
    expect(result.code).toBe(0);
  });

  it('exits 1 on a breaking change, with the exact JSON shape', async () => {
    const result = await concord([
      'diff',
      join(FIXTURES, 'payments-base.yaml'),
      join(FIXTURES, 'payments-wallet.yaml'),
      '--format',
      'json',
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { breaking: boolean; changes: Record<string, string>[] };
    expect(report.breaking).toBe(true);
    expect(report.changes[0]).toEqual({
      id: 'response-alternative-added',
      level: 'breaking',
      contract: 'payments-wallet',
      operation: 'POST /payments',
      location: 'response 201 application/json: method',
      message: 'new alternative kind="wallet"',
    });
    for (const change of report.changes)
      expect(Object.keys(change)).toEqual(['id', 'level', 'contract', 'operation', 'location', 'message']);
  });

  it('compares AsyncAPI payloads: a published event is a response for its subscribers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'concord-diff-events-'));
    try {
      const text = await readFile(join(CONTRACTS_DIR, 'asyncapi/events.v1.yaml'), 'utf8');
      const head = join(dir, 'events.v1.yaml');
      await writeFile(head, text.replace('      required: [customer, changed_fields]\n', '      required: [customer]\n'));
      const result = await concord(['diff', join(CONTRACTS_DIR, 'asyncapi/events.v1.yaml'), head, '--format', 'json']);
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout).changes).toEqual([
        expect.objectContaining({
          id: 'response-property-made-optional',
          contract: 'events.v1',
          operation: 'concord.customer.updated',
          location: 'message customer.updated payload: data.changed_fields',
        }),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 naming the file that cannot be parsed', async () => {
    const broken = await concord(['diff', join(FIXTURES, 'payments-base.yaml'), join(FIXTURES, 'broken.yaml')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/cannot parse \S*broken\.yaml/);
    const missing = await concord(['diff', '/nonexistent/orders.v1.yaml', join(FIXTURES, 'payments-base.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/\/nonexistent\/orders\.v1\.yaml/);
  });

  it('exits 2 on a usage error', async () => {
    const calls = [
      ['diff'],
      ['diff', 'a.yaml'],
      ['diff', '--format', 'xml', 'a.yaml', 'b.yaml'],
      ['diff', '--strict', 'a.yaml', 'b.yaml'],
      ['diff', '--base', 'HEAD', 'a.yaml'],
      ['changelog'],
    ];
    const results = await Promise.all(calls.map((args) => concord(args)));
    expect(results.map((r) => r.code)).toEqual(calls.map(() => 2));
  });
});

describe('concord diff --rules', { timeout: 180_000 }, () => {
  it('docs/contract-rules.md is the generated table, up to date', async () => {
    const committed = await readFile(join(REPO_ROOT, 'docs/contract-rules.md'), 'utf8');
    expect(committed, 'run `npx concord diff --rules --format markdown > docs/contract-rules.md`').toBe(rulesMarkdown());
    const result = await concord(['diff', '--rules', '--format', 'markdown']);
    expect(result.stdout).toBe(committed);
  });
});

describe('concord diff --base <git-ref>', { timeout: 180_000 }, () => {
  let repo: string;
  beforeAll(async () => {
    repo = await contractRepository();
    const file = join(repo, 'contracts/openapi/customers.v2.yaml');
    const text = await readFile(file, 'utf8');
    const edited = text.replace('        - created_at\n', '').replace(/\n {8}created_at:\n(?: {10}.*\n)+/, '\n');
    expect(edited).not.toMatch(/^ {8}created_at/m);
    await writeFile(file, edited);
    await git(repo, 'commit', '-q', '-am', 'drop created_at from Customer');
  }, 60_000);
  afterAll(() => rm(repo, { recursive: true, force: true }));

  const LOCATION = 'response 200 application/json: created_at';

  it('on a commit removing a response field exits 1 with its location in JSON', async () => {
    const result = await concord(['diff', '--base', 'HEAD~1', '--format', 'json'], repo);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { breaking: boolean; changes: Record<string, string>[] };
    expect(report.breaking).toBe(true);
    // Customer is shared: one change, at the nearest place, listing every operation it reaches.
    expect(report.changes).toContainEqual(
      expect.objectContaining({
        id: 'response-property-removed',
        level: 'breaking',
        contract: 'customers.v2',
        operation: 'GET /customers/{customerId}',
        location: LOCATION,
        message: 'property `created_at` was removed',
        operations: expect.arrayContaining(['GET /customers/{customerId}', 'GET /customers']),
      }),
    );
    expect(report.changes.map((c) => c.id)).toContain('policy-breaking-change-needs-new-version');
    expect(new Set(report.changes.map((c) => c.contract))).toEqual(new Set(['customers.v2']));
  });

  it('... and in text and markdown', async () => {
    const text = await concord(['diff', '--base', 'HEAD~1'], repo);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`breaking response-property-removed  customers.v2 GET /customers/{customerId} ${LOCATION}`);
    const markdown = await concord(['diff', '--base', 'HEAD~1', '--format', 'markdown'], repo);
    expect(markdown.code).toBe(1);
    // The removal inside shared Customer is one change for its four operations, plus the policy.
    expect(markdown.stdout).toMatch(/^### Contract changes: 2 breaking, 0 warnings, 0 info\n\n\*\*Breaking changes found\.\*\*/);
    expect(markdown.stdout).toContain(
      `| \`response-property-removed\` | customers.v2 | \`GET /customers/{customerId}\` and 3 more | \`${LOCATION}\` | property \`created_at\` was removed |`,
    );
    expect(markdown.stdout).toContain('| `policy-breaking-change-needs-new-version` | customers.v2 |');
  });

  it('is clean against the commit itself', async () => {
    const result = await concord(['diff', '--base', 'HEAD'], repo);
    expect(result.stdout.trim()).toBe('no contract changes');
    expect(result.code).toBe(0);
  });

  it('exits 2 on an unknown ref, and outside a repository', async () => {
    const unknown = await concord(['diff', '--base', 'no-such-branch'], repo);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown git ref 'no-such-branch'/);
    const outside = await mkdtemp(join(tmpdir(), 'concord-no-repo-'));
    try {
      expect((await concord(['diff', '--base', 'HEAD'], outside)).code).toBe(2);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
