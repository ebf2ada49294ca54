/**
 * The README promises Node.js from the root package.json's `engines.node` (20.19 and later). Every
 * installed package must accept the oldest of those versions: a dependency that declares a newer
 * Node (as @nats-io/nuid 3 did, >= 22) breaks that promise even when it happens to run.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Manifest {
  name?: string;
  version?: string;
  engines?: { node?: unknown };
}

/** Every package.json under a node_modules directory, nested ones included. */
function installedPackages(dir: string, found: Manifest[] = []): Manifest[] {
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (name.startsWith('@')) {
      installedPackages(path, found);
      continue;
    }
    const manifest = join(path, 'package.json');
    if (!existsSync(manifest)) continue;
    found.push(JSON.parse(readFileSync(manifest, 'utf8')) as Manifest);
    installedPackages(join(path, 'node_modules'), found);
  }
  return found;
}

describe('the Node.js version the README promises', () => {
  it('is accepted by every installed package', () => {
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; workspaces: string[] };
    const oldest = semver.minVersion(root.engines.node)!.version;
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`Node.js ${semver.major(oldest)}.${semver.minor(oldest)}`);
    const dirs = [
      join(ROOT, 'node_modules'),
      ...['contracts', 'contracts/sdk', 'gateway', 'test', 'services/runtime'].map((w) => join(ROOT, w, 'node_modules')),
    ];
    const packages = dirs.flatMap((dir) => installedPackages(dir));
    expect(packages.length).toBeGreaterThan(100);
    const refusing = packages
      .filter((p) => typeof p.engines?.node === 'string' && semver.validRange(p.engines.node) && !semver.satisfies(oldest, p.engines.node))
      .map((p) => `${p.name}@${p.version} wants node ${String(p.engines?.node)}`);
    expect(refusing).toEqual([]);
  });
});
