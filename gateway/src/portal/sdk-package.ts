import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@concord/contracts/src/paths.ts';

const run = promisify(execFile);

/** The partner SDK as the portal offers it: its version, the tarball's name, and the tarball itself. */
export interface SdkPackage {
  version: string;
  /** `concord-partner-sdk-<version>.tgz`, the name `npm pack` gives it. */
  fileName: string;
  /** The packed tarball; built on the first call, then served from memory (and a disk cache). */
  tarball(): Promise<Uint8Array>;
}

export interface SdkPackageOptions {
  /** The SDK workspace: package.json, README.md, tsconfig.build.json, scripts/, src/. */
  sdkDir: string;
  /** Where built tarballs are kept across restarts, one per fingerprint of the SDK's sources. */
  cacheDir: string;
}

/**
 * The repository's SDK (contracts/sdk), cached in .data/portal: what the portal offers by default, and
 * what `npm run build` packs ahead of time, so a deployed gateway serves the tarball its build packed
 * instead of compiling on the first download (and needs no compiler installed).
 */
export function repositorySdkPackage(): SdkPackage {
  return sdkPackage({ sdkDir: join(REPO_ROOT, 'contracts', 'sdk'), cacheDir: join(REPO_ROOT, '.data', 'portal') });
}

/**
 * The tarball is built on first download, not at start: compiling the SDK takes seconds of CPU that
 * a gateway nobody downloads from should not pay, and `npm start` must not wait for it. It is built in
 * a private staging directory (tsc into it, then `npm pack --ignore-scripts` there), never in the
 * workspace's own dist/, so a concurrent `npm pack` of the workspace cannot see a half-written build.
 * The disk cache is keyed by a hash of the sources, so a restart reuses it and an edit rebuilds it.
 */
export function sdkPackage(options: SdkPackageOptions): SdkPackage {
  const manifest = JSON.parse(readFileSync(join(options.sdkDir, 'package.json'), 'utf8')) as { name: string; version: string };
  const fileName = `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`;
  let built: Promise<Uint8Array> | undefined;
  return {
    version: manifest.version,
    fileName,
    tarball() {
      built ??= buildTarball(options, fileName).catch((err: unknown) => {
        // A failed build is retried by the next request rather than remembered.
        built = undefined;
        throw err;
      });
      return built;
    },
  };
}

async function buildTarball({ sdkDir, cacheDir }: SdkPackageOptions, fileName: string): Promise<Uint8Array> {
  const cached = join(cacheDir, `${(await fingerprint(sdkDir)).slice(0, 16)}-${fileName}`);
  const hit = await readFile(cached).catch(() => undefined);
  if (hit) return hit;

  await mkdir(cacheDir, { recursive: true });
  const stage = await mkdtemp(join(cacheDir, 'stage-'));
  try {
    const tsc = compilerFor(sdkDir, cached);
    await run(process.execPath, [tsc, '-p', join(sdkDir, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')]);
    await run(process.execPath, [join(sdkDir, 'scripts', 'rewrite-dts-imports.mjs'), join(stage, 'dist')]);
    await copyFile(join(sdkDir, 'package.json'), join(stage, 'package.json'));
    await copyFile(join(sdkDir, 'README.md'), join(stage, 'README.md'));
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    // --ignore-scripts: prepack would build again, into the workspace.
    await run(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', stage], { cwd: stage });
    // Rename into place: another process building the same fingerprint writes the same bytes.
    await rename(join(stage, fileName), cached);
    return await readFile(cached);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** The TypeScript compiler the SDK builds with; missing wherever TypeScript is not installed. */
function compilerFor(sdkDir: string, cached: string): string {
  try {
    return createRequire(join(sdkDir, 'package.json')).resolve('typescript/bin/tsc');
  } catch (err) {
    throw new Error(
      `the SDK tarball ${cached} was not packed ahead (\`npm run build\` packs it) and the TypeScript compiler is not installed to pack it here`,
      { cause: err },
    );
  }
}

/** A hash of everything the tarball is built from. */
async function fingerprint(sdkDir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = ['package.json', 'README.md', 'tsconfig.build.json', join('scripts', 'rewrite-dts-imports.mjs')];
  for (const entry of (await readdir(join(sdkDir, 'src'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile())) {
    files.push(join(entry.parentPath, entry.name).slice(sdkDir.length + 1));
  }
  for (const file of files.sort())
    hash
      .update(file)
      .update('\0')
      .update(await readFile(join(sdkDir, file)))
      .update('\0');
  return hash.digest('hex');
}
