import { corpusFile } from '../testing/corpus.ts';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONTRACTS_DIR, REPO_ROOT } from '../paths.ts';

const run = promisify(execFile);

async function lint(file: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [join(CONTRACTS_DIR, 'bin/concord.mjs'), 'lint', file], { cwd: REPO_ROOT });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

const PETSTORE = corpusFile('petstore.openapi.yaml') ?? '';

describe('concord lint: concord/path-ambiguous', () => {
  it('reports both operations a router cannot tell apart, at their lines, and not the literal sibling', async () => {
    const result = await lint(join(CONTRACTS_DIR, 'src/lint/fixtures/ambiguous-paths.yaml'));
    expect(result.code).toBe(1);
    const findings = result.stdout.split('\n').filter((l) => l.includes(' concord/path-ambiguous '));
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatch(
      /ambiguous-paths\.yaml:22:5 error concord\/path-ambiguous `GET \/things\/\{thingId\}` cannot be told apart from `GET \/things\/\{name\}`/,
    );
    expect(findings[1]).toMatch(
      /ambiguous-paths\.yaml:38:5 error concord\/path-ambiguous `GET \/things\/\{name\}` cannot be told apart from `GET \/things\/\{thingId\}`/,
    );
  });

  it.skipIf(PETSTORE === '')('finds nothing ambiguous in the Swagger Petstore, whose literal paths sit beside templated ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'concord-lint-petstore-'));
    try {
      await copyFile(PETSTORE, join(dir, 'petstore.v3.yaml'));
      const result = await lint(join(dir, 'petstore.v3.yaml'));
      expect(result.stdout).toContain('petstore.v3.yaml:');
      expect(result.stdout).not.toContain('path-ambiguous');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
