/**
 * The gateway's commands as an operator runs them: `concord partner ...` and `concord config check`
 * through the real CLI (contracts/bin/concord.mjs) in a child process, their output pasted into a
 * config, and that config then checked and served.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { hashApiKey } from '../partners/api-key.ts';
import { verifyClientSecret } from '../partners/client-secret.ts';
import { customersConfig, testGateway } from '../testing/test-gateway.ts';

const CLI = fileURLToPath(new URL('../../../contracts/bin/concord.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
async function concord(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The YAML the command printed after its "gateway.config.yaml, ...:" heading. */
function snippetOf(stdout: string): unknown {
  const lines = stdout.split('\n');
  const heading = lines.findIndex((l) => l.startsWith('gateway.config.yaml'));
  return parse(lines.slice(heading + 1).join('\n'));
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at /m);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concord-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('concord partner', { timeout: 60_000 }, () => {
  it('add: prints the secret once and a snippet that, pasted into the config, passes config check and gets a token', async () => {
    const added = await concord(
      'partner',
      'add',
      'acme',
      '--name',
      'Acme Ltd',
      '--plan',
      'gold',
      '--apis',
      'customers',
      '--scopes',
      'customers:read',
    );
    expect(added.code, added.stderr).toBe(0);
    const secret = /client secret for acme \(shown once[^)]*\): (\S+)\n/.exec(added.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(added.stdout.split(secret!)).toHaveLength(2);
    const [entry] = snippetOf(added.stdout) as Record<string, unknown>[];
    expect(entry).toMatchObject({ clientId: 'acme', name: 'Acme Ltd', plan: 'gold', apis: ['customers'], scopes: ['customers:read'] });
    expect(JSON.stringify(entry)).not.toContain(secret!);

    const config = {
      ...customersConfig('http://127.0.0.1:9', { defaults: {} }),
      security: { demo: { enabled: false }, plans: { gold: { rateLimit: { points: 10, windowSeconds: 60 } } }, partners: [entry] },
    };
    const file = join(dir, 'gateway.config.yaml');
    await writeFile(file, stringify(config));
    const checked = await concord('config', 'check', file);
    // Run where the file is: named as the operator typed it.
    expect(checked.stdout.trim(), checked.stderr).toBe('gateway.config.yaml: valid (2 APIs, 8 operations, 1 partners)');
    expect(checked.code).toBe(0);

    const gateway = testGateway(config);
    try {
      const res = await gateway.app.request('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'acme', client_secret: secret! }).toString(),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ token_type: 'Bearer', scope: 'customers:read' });
    } finally {
      await gateway.close();
    }
  });

  it('rotate-secret: a new secret and the hash to add beside the old one', async () => {
    const rotated = await concord('partner', 'rotate-secret', 'acme');
    expect(rotated.code, rotated.stderr).toBe(0);
    const secret = /new client secret for acme \(shown once[^)]*\): (\S+)\n/.exec(rotated.stdout)?.[1];
    const { secrets } = snippetOf(rotated.stdout) as { secrets: string[] };
    expect(secrets).toHaveLength(1);
    expect(await verifyClientSecret(secret!, secrets[0]!)).toBe(true);
  });

  it('add-key and hash-key: the key once, its hash in the snippet, and the same hash from the key later', async () => {
    const minted = await concord('partner', 'add-key', 'acme');
    expect(minted.code, minted.stderr).toBe(0);
    const key = /(ck_live_[A-Za-z0-9_-]{43})/.exec(minted.stdout)?.[1];
    expect(minted.stdout.match(/ck_live_/g)).toHaveLength(1);
    const { apiKeys } = snippetOf(minted.stdout) as { apiKeys: string[] };
    expect(apiKeys).toEqual([hashApiKey(key!)]);
    const hashed = await concord('partner', 'hash-key', key!);
    expect(hashed.stdout.trim()).toBe(apiKeys[0]);
  });

  it('refuses a short secret, an unknown option and a missing action with one line and the usage, exit 2', async () => {
    for (const args of [
      ['partner', 'add', 'acme', '--plan', 'gold', '--secret', 'hunter2'],
      ['partner', 'add', 'acme', '--plan', 'gold', '--sceret', 'x'],
      ['partner', 'rotate-secret'],
      ['partner'],
      ['partner', 'hash-key', 'not-a-key'],
    ]) {
      const run = await concord(...args);
      expect(run.code, args.join(' ')).toBe(2);
      const [problem, usage, ...rest] = run.stderr.trim().split('\n');
      expect(problem, args.join(' ')).toMatch(/^concord partner: \S/);
      expect(usage).toMatch(/^usage: concord partner /);
      expect(rest).toEqual([]);
      expect(run.stdout).toBe('');
    }
    expect((await concord('partner', 'add', 'acme', '--plan', 'gold', '--secret', 'hunter2')).stderr).toContain(
      'a client secret must be at least 16 characters (this one has 7)',
    );
  });
});

describe('concord config check', { timeout: 60_000 }, () => {
  it('names each problem of a broken config at its file:line:col, exit 1, nothing started', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'server: { port: "x" }\nupstreams: {}\napis:\n  - contract: nope.v1\n    basePath: /v9\n    upstream: missing\n');
    const run = await concord('config', 'check', file);
    expect(run.code).toBe(1);
    noStackTrace(run.stderr);
    const problems = run.stderr.split('\n').filter((l) => l.startsWith('  '));
    expect(problems.length).toBeGreaterThanOrEqual(2);
    for (const line of problems) expect(line).toMatch(/^ {2}broken\.yaml:\d+:\d+ /);
    expect(run.stderr).toContain('broken.yaml:1:17 server.port');
    expect(run.stderr).toContain('broken.yaml:4:15 apis[0].contract');
  });

  it('reads what the config names as start-up does: an unset secret variable is named at its line; a missing file too', async () => {
    const file = join(dir, 'secret.yaml');
    const config = customersConfig('http://127.0.0.1:9', { defaults: {} }) as { upstreams: { customers: Record<string, unknown> } };
    config.upstreams.customers.auth = { type: 'header', name: 'X-Api-Key', value: { env: 'CONCORD_TEST_NOT_SET_ANYWHERE' } };
    await writeFile(file, stringify(config));
    const unset = await concord('config', 'check', file);
    expect(unset.code).toBe(1);
    noStackTrace(unset.stderr);
    expect(unset.stderr).toMatch(
      /secret\.yaml:\d+:\d+ upstreams\.customers\.auth\.value\.env: the environment variable CONCORD_TEST_NOT_SET_ANYWHERE is not set/,
    );
    const missing = await concord('config', 'check', 'absent.yaml');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('absent.yaml:1:1 cannot be read: ENOENT');
  });

  it('has help, and refuses an unknown action or option', async () => {
    const help = await concord('config', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: concord config check \[file\]/);
    expect((await concord('config', 'validate')).code).toBe(2);
    expect((await concord('config', 'check', '--strict')).code).toBe(2);
  });
});
