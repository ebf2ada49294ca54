/**
 * The README's five-minute tour and partner onboarding, run as written: every `sh` block of those
 * sections, taken from README.md itself, in one bash session (so TOKEN and the ids carry from one
 * block to the next) against the gateway and the system APIs as `npm start` runs them (embedded
 * database, in-process bus). The shell finds only bash, Node.js and curl: a step that needs any other
 * tool (jq, uuidgen) fails here as it would on a fresh machine. So the README cannot drift from what
 * the system does.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunningGateway } from '@concord/gateway/src/main.ts';
import { startServices, type RunningServices } from '@concord/service-stack/src/start-services.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, writeGatewayConfig } from '../support/local-gateway.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The `sh` blocks between two level-2 headings, in order; `npm install` lines are for the reader's machine. */
function shellBlocks(readme: string, from: string, to: string): string[] {
  const section = readme.slice(readme.indexOf(`\n## ${from}\n`), readme.indexOf(`\n## ${to}\n`));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) =>
      m[1]!
        .split('\n')
        .filter((line) => !/^npm (install|start|test)\b/.test(line.trim()))
        .join('\n'),
    )
    .filter((block) => block.trim() !== '');
}

/** A PATH with bash, node and curl only (and the few utilities bash itself runs nothing without). */
async function bareToolbox(dir: string): Promise<string> {
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const which = async (tool: string) => (await promisify(execFile)('bash', ['-c', `command -v ${tool}`])).stdout.trim();
  for (const tool of ['bash', 'curl']) await symlink(await which(tool), join(bin, tool));
  await symlink(process.execPath, join(bin, 'node'));
  return bin;
}

describe('the README tour, followed literally', () => {
  let dir: string;
  let services: RunningServices;
  let gateway: RunningGateway;
  let output: string[];
  let blocks: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-tour-'));
    services = await startServices({ dataDir: 'memory://' });
    await writeGatewayConfig(join(dir, 'gateway.config.yaml'));
    gateway = await startLocalGateway(join(dir, 'gateway.config.yaml'), services.urls);

    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    blocks = [
      ...shellBlocks(readme, 'Five-minute tour', 'Partner onboarding'),
      ...shellBlocks(readme, 'Partner onboarding', 'Configuration'),
    ];
    // One session; a marker line before each block splits the output back into blocks.
    const script = [
      'set -eo pipefail',
      // (after a newline: curl -s leaves the last body without one)
      ...blocks.map((block, i) => `printf '\\n::block ${i}::\\n'\n${block.replaceAll('http://localhost:8080', gateway.url)}`),
    ].join('\n');
    const bin = await bareToolbox(dir);
    const { stdout } = await promisify(execFile)(join(bin, 'bash'), ['-c', script], {
      cwd: dir,
      env: { PATH: bin, HOME: dir },
      maxBuffer: 16 * 1024 * 1024,
    });
    output = stdout.split(/\n::block \d+::\n/).slice(1);
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await services?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs every block with bash, node and curl alone', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    expect(output).toHaveLength(blocks.length);
    // Nothing the README asks the reader to run fails with a server error.
    for (const [i, text] of output.entries()) {
      expect(text, blocks[i]).not.toMatch(/HTTP\/1\.1 5\d\d/);
      expect(text, blocks[i]).not.toMatch(/"status":5\d\d/);
    }
  });

  it('shows what the tour says it shows', () => {
    const at = (needle: string) => output.find((_, i) => blocks[i]!.includes(needle)) ?? '';
    const first = at('the keys tokens are verified with');
    // Status lines may follow a body without a newline (curl -s prints none after it).
    expect(first).toMatch(/HTTP\/1\.1 200 /);
    expect(first).toMatch(/HTTP\/1\.1 401 /);
    expect(first).toMatch(/HTTP\/1\.1 403 /);
    expect(first).toMatch(/^ratelimit-policy: /im);
    expect(first).toContain('"keys":[');

    const routing = at('v1 is deprecated');
    expect(routing).toMatch(/HTTP\/1\.1 201 Created/);
    expect(routing).toMatch(/^deprecation: @\d+/m);
    expect(routing).toMatch(/^link: <\/v2>; rel="successor-version"/m);
    expect(routing).toMatch(/"given_name":"Ada","family_name":"Lovelace"/);
    expect(routing).toMatch(/"code":"VALIDATION_FAILED"/);
    for (const status of ['404', '405', '415']) expect(routing).toMatch(new RegExp(`HTTP/1\\.1 ${status} `));
    expect(routing).toMatch(/^x-request-id: my-request-1/m);
  });

  it('takes a partner from a token to an order and a webhook subscription, without a conflict', () => {
    const all = output.join('\n');
    expect(all).not.toMatch(/"status":409/);
    // The block that creates the customer echoes its id as its last line.
    const created = output.find((_, i) => blocks[i]!.includes('CUSTOMER_ID=$(')) ?? '';
    const customer = /(cus_[A-Za-z0-9]+)\n?$/.exec(created)?.[1];
    expect(customer).toBeDefined();
    expect(all).toMatch(new RegExp(`"id":"ord_[A-Za-z0-9]+".*"customer_id":"${customer}"`));
    expect(all).toMatch(/"secret":"whsec_/);
  });
});
