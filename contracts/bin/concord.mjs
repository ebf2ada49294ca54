#!/usr/bin/env node
// The CLI is written in TypeScript. It runs from a bundle that is rebuilt whenever a source changed
// (cli-bundle.mjs), so no build step stands between editing a contract tool and using it, and a
// start does not pay for transpiling every module. CONCORD_CLI_TSX=1 runs the sources under tsx
// instead (stack traces straight into the .ts files, no bundle written).
import { fileURLToPath } from 'node:url';

// `concord ... | head` closes stdout early: that ends the output, it is not an error to report.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const root = fileURLToPath(new URL('..', import.meta.url));
let entry;
if (process.env.CONCORD_CLI_TSX === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../src/cli/main.ts', import.meta.url).href;
} else {
  process.setSourceMapsEnabled(true);
  const { bundledEntry } = await import('./cli-bundle.mjs');
  entry = await bundledEntry({ root, entry: 'src/cli/main.ts', outDir: `${root}.build/cli` });
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
