#!/usr/bin/env node
// `npm start`. The stack is written in TypeScript (src/stack.ts); it runs from a bundle that is
// rebuilt whenever one of its sources changed, as the CLI's does (contracts/bin/cli-bundle.mjs).
//
// Why not tsx: under tsx each of the ~250 modules the gateway and the services import is resolved
// and transpiled through a loader thread at every start, ~2.5 s of CPU before anything listens;
// loaded from a bundle, the same code takes a fraction of that. The first start after an edit pays
// for the build (about a second). CONCORD_START_TSX=1 runs the sources under tsx instead.
import { fileURLToPath } from 'node:url';

const gateway = new URL('..', import.meta.url);
let entry;
if (process.env.CONCORD_START_TSX === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('src/stack.ts', gateway).href;
} else {
  process.setSourceMapsEnabled(true);
  const { bundledEntry } = await import('../../contracts/bin/cli-bundle.mjs');
  const { stackBundlePlugins } = await import('./stack-bundle-plugins.mjs');
  const root = fileURLToPath(new URL('..', gateway));
  entry = await bundledEntry({
    root,
    entry: 'gateway/src/stack.ts',
    // Inside gateway/, where Node finds the npm packages the bundle imports.
    outDir: fileURLToPath(new URL('.build/start', gateway)),
    plugins: stackBundlePlugins(root),
    buildFiles: [fileURLToPath(new URL('stack-bundle-plugins.mjs', import.meta.url))],
  });
}
await import(entry);
