// How `npm start` bundles gateway/src/stack.ts (see start.mjs): what the bundle compiles in, what it
// leaves to node_modules, and how each module keeps its own location.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Marks the resolution this plugin asks esbuild for, so that it does not answer it itself. */
const SELF = Symbol('workspaces-bundled');

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Our workspaces (`@concord/*`, TypeScript) are compiled in; npm packages stay imports, loaded from
 * node_modules as usual. One installed in a workspace's own node_modules (another version than the
 * repository's) is imported by its absolute path, since the bundle, in gateway/, would not find it.
 */
function workspacesBundled(root) {
  const shared = join(root, 'node_modules');
  return {
    name: 'workspaces-bundled',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith('@concord/') || args.pluginData === SELF) return undefined;
        if (args.path.startsWith('node:')) return { external: true };
        const name = packageName(args.path);
        for (let dir = dirname(args.importer); dir.startsWith(`${root}/`); dir = dirname(dir)) {
          const candidate = join(dir, 'node_modules');
          if (candidate === shared || !existsSync(join(candidate, name))) continue;
          const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: SELF });
          return found.errors.length > 0 ? { errors: found.errors } : { path: found.path, external: true };
        }
        return { external: true };
      });
    },
  };
}

/**
 * Each of our modules sees its own `import.meta.url`, as it does under tsx: paths such as the default
 * config or the `.data` directory are written relative to the source file, not to the bundle.
 */
function ownImportMetaUrl(root) {
  return {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(root) || args.path.includes('/node_modules/')) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const url = JSON.stringify(pathToFileURL(args.path).href);
        return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

/** The plugins for a bundle of sources under `root` (the repository). */
export function stackBundlePlugins(root) {
  const dir = resolve(root);
  return [workspacesBundled(dir), ownImportMetaUrl(dir)];
}
