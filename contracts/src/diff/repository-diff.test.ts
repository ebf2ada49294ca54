import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { diffRepository } from './repository-diff.ts';
import { contractRepository, git } from './test-repository.ts';

let repo: string;
beforeAll(async () => void (repo = await contractRepository()), 60_000);
afterAll(() => rm(repo, { recursive: true, force: true }));
// Only ever the throwaway repository: every test starts again from its one commit.
afterEach(async () => {
  await git(repo, 'reset', '-q', '--hard');
  await git(repo, 'clean', '-qfd');
});

const NOW = new Date('2026-06-01T00:00:00Z');
const contract = (name: string) => join(repo, 'contracts/openapi', name);
const diff = () => diffRepository({ cwd: join(repo, 'contracts'), base: 'HEAD', now: NOW });
const gatewayConfig = async (text: string) => {
  await mkdir(join(repo, 'gateway'), { recursive: true });
  await writeFile(join(repo, 'gateway/gateway.config.yaml'), text);
};
const lifecycle = (sunset: string) => `apis:
  - contract: customers.v1
    upstream: customers
    lifecycle:
      status: deprecated
      deprecation: 2025-06-01
      sunset: ${sunset}
      successor: customers.v2
  - contract: customers.v2
    lifecycle: { status: current }
`;
const dropCreatedAt = async (file: string) => {
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace('        - created_at\n', '').replace(/\n {8}created_at:\n(?: {10}.*\n)+/, '\n'));
};

describe('versioning policy (diff --base)', { timeout: 60_000 }, () => {
  it('finds the repository from a subdirectory and reports nothing for an unchanged tree', async () => {
    expect(await diff()).toEqual([]);
  });

  it('a breaking change to a published version is a policy violation naming the next version file', async () => {
    await dropCreatedAt(contract('customers.v2.yaml'));
    const policy = (await diff()).filter((c) => c.id.startsWith('policy-'));
    expect(policy).toEqual([
      expect.objectContaining({ id: 'policy-breaking-change-needs-new-version', level: 'breaking', contract: 'customers.v2' }),
    ]);
    expect(policy[0]?.message).toMatch(/customers\.v3\.yaml/);
  });

  it('the same change as a new version file is only an added version', async () => {
    await copyFile(contract('customers.v2.yaml'), contract('customers.v3.yaml'));
    await dropCreatedAt(contract('customers.v3.yaml'));
    expect((await diff()).map((c) => [c.id, c.level, c.contract])).toEqual([['version-added', 'info', 'customers.v3']]);
  });

  it('removing a version without a gateway config is breaking', async () => {
    await rm(contract('customers.v1.yaml'));
    const changes = await diff();
    expect(changes.map((c) => c.id)).toEqual(['policy-version-removed-before-sunset']);
    expect(changes[0]?.message).toMatch(/no sunset date/);
  });

  it('removing a version before its sunset is breaking, after it is not', async () => {
    await rm(contract('customers.v1.yaml'));
    await gatewayConfig(lifecycle('2026-12-31'));
    const early = await diff();
    expect(early.map((c) => c.id)).toEqual(['policy-version-removed-before-sunset']);
    expect(early[0]?.message).toMatch(/2026-12-31/);
    await gatewayConfig(lifecycle('2026-01-31'));
    expect((await diff()).map((c) => [c.id, c.level])).toEqual([['version-removed-after-sunset', 'info']]);
  });

  it('a half-written gateway config is read as no sunset, not as a crash', async () => {
    await rm(contract('customers.v1.yaml'));
    await gatewayConfig('apis:\n  - contract: customers.v1\n    lifecycle: { status: deprecated, sunset: [');
    expect((await diff()).map((c) => c.id)).toEqual(['policy-version-removed-before-sunset']);
    await gatewayConfig('apis: 42\n');
    expect((await diff()).map((c) => c.id)).toEqual(['policy-version-removed-before-sunset']);
  });

  it('a contract that cannot be parsed is named, at the ref or in the working tree', async () => {
    const file = contract('orders.v1.yaml');
    const good = await readFile(file, 'utf8');
    await writeFile(file, good.replace('paths:', 'paths:\n  - [broken'));
    await expect(diff()).rejects.toThrow(/cannot parse openapi\/orders\.v1\.yaml/);
    await git(repo, 'commit', '-qam', 'break orders');
    await writeFile(file, good);
    await expect(diff()).rejects.toThrow(/cannot parse HEAD:contracts\/openapi\/orders\.v1\.yaml/);
    await git(repo, 'reset', '-q', '--hard', 'HEAD~1');
  });
});
