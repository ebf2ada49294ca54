import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledEntry as bundle } from '../../bin/cli-bundle.mjs';

/** A tiny "CLI" of two modules in a directory of its own inside the workspace. */
describe("the CLI's bundle", () => {
  const root = fileURLToPath(new URL(`../../.build/test-${process.pid}-${Date.now()}/`, import.meta.url));
  const outDir = join(root, 'out');
  const options = { root, entry: 'main.ts', outDir };

  beforeAll(async () => {
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'main.ts'), "import { answer } from './answer.ts';\nexport const main = (): number => answer;\n");
    await writeFile(join(root, 'answer.ts'), 'export const answer: number = 1;\n');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const run = async (url: string) => ((await import(url)) as { main: () => number }).main();

  it('is built on first use and reused while its inputs are unchanged', async () => {
    const first = await bundle(options);
    expect(await run(first)).toBe(1);
    expect(await bundle(options)).toBe(first);
  });

  it('is rebuilt when a module it was built from changes, and concurrent starts all get a whole bundle', async () => {
    const before = await bundle(options);
    await writeFile(join(root, 'answer.ts'), 'export const answer: number = 2;\n');
    const later = new Date(Date.now() + 5_000);
    await utimes(join(root, 'answer.ts'), later, later);
    const urls = await Promise.all(Array.from({ length: 5 }, () => bundle(options)));
    for (const url of urls) {
      expect(url).not.toBe(before);
      expect(await run(url)).toBe(2);
    }
    // Whichever build wrote the manifest last is the one reused from now on.
    const settled = await bundle(options);
    expect(urls).toContain(settled);
    expect(await bundle(options)).toBe(settled);
  });
});
