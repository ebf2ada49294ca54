// tsc's rewriteRelativeImportExtensions rewrites `./x.ts` to `./x.js` in the emitted JavaScript but
// leaves the .d.ts files pointing at `.ts` sources that the package does not ship. Point them at
// the `.js` files instead, as every consumer's moduleResolution (node16, nodenext, bundler) expects.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// The directory is an argument so that a build staged elsewhere (the portal's download) is rewritten too.
const dist = process.argv[2] ?? new URL('../dist/', import.meta.url).pathname;
const specifier = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.ts(['"])/g;

let count = 0;
for (const entry of await readdir(dist, { recursive: true })) {
  if (!entry.endsWith('.d.ts')) continue;
  const path = join(dist, entry);
  const text = await readFile(path, 'utf8');
  const rewritten = text.replace(specifier, '$1$2.js$3');
  if (rewritten !== text) {
    await writeFile(path, rewritten);
    count++;
  }
}
console.log(`rewrote relative .ts imports in ${count} declaration files`);
