import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concord, contractRepository, git } from '../diff/test-repository.ts';

describe('concord changelog --base <ref>', { timeout: 180_000 }, () => {
  let repo: string;
  beforeAll(async () => {
    repo = await contractRepository();
    await writeFile(join(repo, 'CHANGELOG.md'), '# Changelog\n\n## 2026-01-01: an older entry\n');
    const file = join(repo, 'contracts/openapi/orders.v1.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('      summary: List orders', '      deprecated: true\n      summary: List orders'));
    await git(repo, 'add', '.');
    await git(repo, 'commit', '-qm', 'deprecate an orders operation');
  }, 60_000);
  afterAll(() => rm(repo, { recursive: true, force: true }));

  it('writes the entry to stdout and, with --write, prepends it to CHANGELOG.md', async () => {
    const result = await concord(['changelog', '--base', 'HEAD~1', '--write'], join(repo, 'contracts'));
    expect(result.stderr).toMatch(/prepended/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^## \d{4}-\d{2}-\d{2}: contract changes since HEAD~1\n\n### orders\.v1\n\n\*\*Other changes\*\*\n\n- `GET \/orders`: GET \/orders is deprecated \(`operation-deprecated`\)\n$/,
    );
    const changelog = await readFile(join(repo, 'CHANGELOG.md'), 'utf8');
    expect(changelog.startsWith(`# Changelog\n\n${result.stdout}`)).toBe(true);
    expect(changelog).toMatch(/operation-deprecated[\s\S]*## 2026-01-01: an older entry/);
  });
});
