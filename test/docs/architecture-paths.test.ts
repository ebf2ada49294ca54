import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/architecture.md is the code map; a map that names a file that is gone misleads the next
 * engineer. Every repository path it names must exist: from the repository root, or from the
 * directory of a path named before it on the same line (as in "contracts/src/: cli/, lint/", or a bare
 * file name beside the file before it).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');

const PATH = /(?<![\w/<.-])([A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]*|[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:ts|md|json|yaml|yml))(?![\w<>])/g;

function isPathLike(token: string): boolean {
  if (token.includes('/')) return !token.startsWith('origin/') && !/^\d/.test(token);
  return /\.(ts|md|json|yaml|yml)$/.test(token);
}

function missingPaths(text: string): string[] {
  const missing: string[] = [];
  for (const line of text.split('\n')) {
    const bases: string[] = [];
    for (const match of line.matchAll(PATH)) {
      const token = match[1]!.replace(/[.,;:]+$/, '');
      if (!isPathLike(token)) continue;
      if (existsSync(join(root, token))) {
        if (token.includes('/')) bases.push(token.endsWith('/') ? token : dirname(token));
        continue;
      }
      if (bases.some((base) => existsSync(join(root, base, token)))) continue;
      missing.push(`${token} (line: ${line.trim().slice(0, 100)})`);
    }
  }
  return missing;
}

describe('docs/architecture.md', () => {
  it('names only paths that exist', () => {
    expect(missingPaths(doc)).toEqual([]);
  });

  it('names the files of the pipeline it describes', () => {
    // A sanity check on the extraction itself: the steps the page walks through are found as paths.
    const named = [...doc.matchAll(PATH)].map((m) => m[1]);
    expect(named).toEqual(expect.arrayContaining(['gateway/src/app.ts', 'gateway/src/upstream/proxy.ts', 'gateway/src/errors.ts']));
  });

  it('reports a path that does not exist', () => {
    expect(missingPaths('see `gateway/src/no-such-file.ts` and `token-verifier.ts`')).toHaveLength(2);
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('](docs/architecture.md)');
  });
});
