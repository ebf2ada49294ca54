import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@concord/contracts/src/paths.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { sdkPackage } from './sdk-package.ts';

const SDK_DIR = join(REPO_ROOT, 'contracts', 'sdk');

describe('the partner SDK tarball', () => {
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** The SDK's sources outside the repository, where no node_modules holds a TypeScript compiler. */
  function sdkWithoutCompiler(): string {
    const dir = tempDir('sdk-no-compiler-');
    for (const entry of ['package.json', 'README.md', 'tsconfig.build.json', 'scripts', 'src']) {
      cpSync(join(SDK_DIR, entry), join(dir, entry), { recursive: true });
    }
    return dir;
  }

  it('packed once (as `npm run build` does), is served where no compiler is installed; unpacked, the failure says why', async () => {
    const cacheDir = tempDir('sdk-cache-');
    const packed = await sdkPackage({ sdkDir: SDK_DIR, cacheDir }).tarball();
    // A real npm tarball: the compiled entry point and the types, not the TypeScript sources.
    const listing = execFileSync('tar', ['-tzf', join(cacheDir, readdirSync(cacheDir).find((f) => f.endsWith('.tgz'))!)], {
      encoding: 'utf8',
    });
    expect(listing).toMatch(/^package\/dist\/index\.js$/m);
    expect(listing).toMatch(/^package\/dist\/index\.d\.ts$/m);
    expect(listing).not.toMatch(/\.ts$(?<!\.d\.ts)/m);

    // The same sources elsewhere fingerprint the same, so the packed tarball is found without building.
    const deployed = sdkWithoutCompiler();
    const served = await sdkPackage({ sdkDir: deployed, cacheDir }).tarball();
    expect(Buffer.from(served).equals(Buffer.from(packed))).toBe(true);

    // Nothing packed and no compiler: the error names the tarball and the command that packs it.
    const unpacked = sdkPackage({ sdkDir: deployed, cacheDir: tempDir('sdk-empty-cache-') });
    await expect(unpacked.tarball()).rejects.toThrow(
      /was not packed ahead \(`npm run build` packs it\) and the TypeScript compiler is not installed/,
    );
  }, 60_000);

  it('is packed again when a source file changes, and never serves the tarball of other sources', async () => {
    const cacheDir = tempDir('sdk-cache-');
    await sdkPackage({ sdkDir: SDK_DIR, cacheDir }).tarball();
    const edited = sdkWithoutCompiler();
    writeFileSync(join(edited, 'src', 'added-later.ts'), 'export const addedLater = true;\n');
    await expect(sdkPackage({ sdkDir: edited, cacheDir }).tarball()).rejects.toThrow(/was not packed ahead/);
  }, 60_000);
});
