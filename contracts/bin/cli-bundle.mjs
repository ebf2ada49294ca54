// The CLI's TypeScript, bundled once by esbuild and reused while none of its inputs changed.
//
// Why: under tsx every start transpiles the ~75 modules a command imports, ~1 s of CPU before a
// small `concord lint` reads its file. A bundle (npm packages left external, commands split into
// chunks so each still loads only the toolchain it needs) starts in about half that, and is rebuilt
// in ~100 ms when a source changes, or when `concord generate` rewrites the generated contracts
// the bundle includes. Plain JavaScript because it runs before any TypeScript can be loaded.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Bundles older than this are removed when a new one is built; a running CLI is long done by then. */
const STALE_BUNDLE_MS = 10 * 60_000;

/**
 * The URL of the bundled `entry` (a module inside `root`), building it into `outDir` when there is
 * none yet or one of the files it was built from changed since. Concurrent CLIs may both build;
 * each writes its own directory and the manifest is replaced atomically, so none reads half a build.
 * Every npm package stays external unless `plugins` (esbuild plugins) take over that choice;
 * `buildFiles` are the files that define those plugins: a change to one makes the bundle stale.
 */
export async function bundledEntry({ root, entry, outDir, plugins, buildFiles = [] }) {
  const manifestPath = join(outDir, 'manifest.json');
  const current = await readManifest(manifestPath);
  if (current && (await unchanged(root, current.inputs))) return pathToFileURL(join(outDir, current.dir, current.main)).href;

  const { build } = await import('esbuild');
  const dir = `b-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const result = await build({
    entryPoints: [resolve(root, entry)],
    outdir: join(outDir, dir),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    ...(plugins ? { plugins } : { packages: 'external' }),
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    // The bundle lives inside the repository so that its imports of npm packages resolve.
    absWorkingDir: root,
  });
  // Each command's chunk is an entry point too (a dynamic import); ours is the one built from `entry`.
  const entryInput = relative(root, resolve(root, entry));
  const main = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint === entryInput)?.[0];
  if (!main) throw new Error(`esbuild produced no entry point for ${entry}`);
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) inputs[input] = await mtimeOf(resolve(root, input));
  // A change to how bundles are made (this file) makes every earlier bundle stale too.
  for (const file of [fileURLToPath(import.meta.url), ...buildFiles]) inputs[relative(root, file)] = await mtimeOf(file);
  const manifest = { dir, main: relative(join(outDir, dir), resolve(root, main)), inputs };
  const temporary = `${manifestPath}.${dir}`;
  await writeFile(temporary, JSON.stringify(manifest));
  await rename(temporary, manifestPath);
  await removeOldBundles(outDir, dir);
  return pathToFileURL(join(outDir, dir, manifest.main)).href;
}

async function readManifest(path) {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

async function unchanged(root, inputs) {
  const entries = Object.entries(inputs);
  const now = await Promise.all(entries.map(([input]) => mtimeOf(resolve(root, input))));
  return entries.every(([, before], i) => now[i] === before);
}

async function mtimeOf(path) {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return -1;
  }
}

async function removeOldBundles(outDir, keep) {
  const names = await readdir(outDir).catch(() => []);
  await Promise.all(
    names
      .filter((name) => name.startsWith('b-') && name !== keep)
      .map(async (name) => {
        const path = join(outDir, name);
        const age = Date.now() - (await mtimeOf(path));
        if (age > STALE_BUNDLE_MS) await rm(path, { recursive: true, force: true });
      }),
  );
}
