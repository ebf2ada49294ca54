import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACTS_DIR, REPO_ROOT } from '../paths.ts';

const run = promisify(execFile);

async function concord(args: string[], bin = join(CONTRACTS_DIR, 'bin/concord.mjs'), cwd = REPO_ROOT) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('concord lint', () => {
  it('passes on every contract of the repository', async () => {
    const result = await concord(['lint']);
    expect(result.stdout).not.toMatch(/ error /);
    expect(result.code).toBe(0);
  });

  it('names the file, line and rule of each class of error', async () => {
    const fixtures = join(CONTRACTS_DIR, 'src/lint/fixtures');
    const result = await concord([
      'lint',
      `${fixtures}/dangling-ref.yaml`,
      `${fixtures}/invalid-schema.yaml`,
      `${fixtures}/duplicate-operation-id.yaml`,
      `${fixtures}/missing-operation-id.yaml`,
      `${fixtures}/no-security.yaml`,
      `${fixtures}/undeclared-path-param.yaml`,
      `${fixtures}/broken-asyncapi.yaml`,
    ]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    const expectLine = (file: string, line: number, rule: string) =>
      expect(
        lines.some((l) => l.includes(`${file}:${line}:`) && l.includes(` error ${rule} `)),
        `${file}:${line} ${rule} in\n${result.stdout}`,
      ).toBe(true);
    expectLine('dangling-ref.yaml', 29, 'no-unresolved-refs');
    expectLine('invalid-schema.yaml', 32, 'struct');
    expectLine('duplicate-operation-id.yaml', 28, 'operation-operationId-unique');
    expectLine('missing-operation-id.yaml', 20, 'operation-operationId');
    expectLine('no-security.yaml', 10, 'security-defined');
    expectLine('undeclared-path-param.yaml', 20, 'path-parameters-defined');
    expectLine('broken-asyncapi.yaml', 10, 'invalid-ref');
    for (const line of lines) expect(line).toMatch(/^\S+:\d+:\d+ (error|warning) \S+ .+/);
  });

  it('flags a copy of a real contract with a dangling $ref at its line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'concord-lint-'));
    try {
      const source = await readFile(join(CONTRACTS_DIR, 'openapi/orders.v1.yaml'), 'utf8');
      const broken = source.replace(/\$ref: '#\/components\/schemas\/Order'/, "$ref: '#/components/schemas/OrderGone'");
      expect(broken).not.toBe(source);
      const line = broken.split('\n').findIndex((l) => l.includes('OrderGone')) + 1;
      await writeFile(join(dir, 'orders.v1.yaml'), broken);
      const result = await concord(['lint', join(dir, 'orders.v1.yaml')]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`orders\\.v1\\.yaml:${line}:\\d+ error no-unresolved-refs`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on a usage error', async () => {
    expect((await concord(['lint', '--strict'])).code).toBe(2);
    expect((await concord(['frobnicate'])).code).toBe(2);
    expect((await concord(['lint', '/nonexistent/contract.yaml'])).code).toBe(2);
  });
});

describe('concord generate --check', () => {
  let work: string;
  beforeAll(async () => {
    // A private copy of the workspace, so editing a contract cannot disturb other tests.
    work = await mkdtemp(join(tmpdir(), 'concord-generate-'));
    for (const part of ['bin', 'src', 'openapi', 'asyncapi', 'generated', 'package.json']) {
      await cp(join(CONTRACTS_DIR, part), join(work, 'contracts', part), { recursive: true });
    }
    await symlink(resolve(REPO_ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('is clean when the committed output matches, and names every stale file after an edit', async () => {
    const bin = join(work, 'contracts/bin/concord.mjs');
    const clean = await concord(['generate', '--check'], bin, work);
    expect(clean.stderr).toMatch(/up to date/);
    expect(clean.code).toBe(0);

    const contract = join(work, 'contracts/openapi/customers.v2.yaml');
    const text = await readFile(contract, 'utf8');
    await writeFile(contract, text.replace('summary: Get a customer', 'summary: Fetch one customer'));
    const drift = await concord(['generate', '--check'], bin, work);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(/stale\s+\S*generated\/customers\.v2\/types\.ts/);
    expect(drift.stdout).not.toMatch(/orders\.v1/);
  });
});

describe('concord help and version', () => {
  it('prints help for every command, the overview with --help, and the version', async () => {
    for (const command of ['lint', 'generate', 'diff', 'changelog', 'verify', 'can-i-deploy', 'map', 'config', 'partner']) {
      const help = await concord([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(new RegExp(`^usage: concord ${command}\\b`));
      expect(help.stdout, command).toMatch(/exit codes: /);
    }
    const overview = await concord(['--help']);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain('concord <command> --help');
    const pkg = JSON.parse(await readFile(join(CONTRACTS_DIR, 'package.json'), 'utf8')) as { version: string };
    expect((await concord(['--version'])).stdout.trim()).toBe(`concord ${pkg.version}`);
  }, 120_000);

  it("answers an unknown option with one line and that command's usage, exit 2", async () => {
    const run = await concord(['lint', '--fix']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      'concord lint: lint takes no option --fix',
      'usage: concord lint [paths...] (concord lint --help for more)',
    ]);
  });
});
