/**
 * Issue 9, "done when": the example program outside the workspaces installs the packed SDK
 * tarball and, against a running gateway in front of the real system APIs, authenticates, creates
 * and lists customers across pages, and gets a typed 404 error. The tarball is checked too: ESM
 * JavaScript and .d.ts only, and the example type-checks against those published types.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProcessEnv } from '@concord/gateway/src/config/env.ts';
import { DEFAULT_CONFIG_PATH, startGateway, type RunningGateway } from '@concord/gateway/src/main.ts';
import { startServices, type RunningServices } from '@concord/service-stack/src/start-services.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SDK_DIR = join(REPO, 'contracts/sdk');
const EXAMPLE_DIR = join(REPO, 'docs/examples/sdk-quickstart');

interface QuickstartResult {
  created: string[];
  listed: string[];
  pages: number;
  notFound: { status: number; type: string; title: string; detail?: string; requestId?: string } | undefined;
  retries: string[];
}

describe('the SDK quickstart, from the packed tarball, against a running gateway', () => {
  let dir: string;
  let app: string;
  let tarball: string;
  let services: RunningServices;
  let gateway: RunningGateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-sdk-quickstart-'));
    // `npm pack` runs the package's prepack (tsc to dist/), exactly as publishing would.
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: SDK_DIR, maxBuffer: 16 * 1024 * 1024 });
    // prepack's build output comes first; the JSON report is the array at the end.
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.search(/^\[/m))) as { filename: string }[];
    tarball = join(dir, info!.filename);

    app = join(dir, 'app');
    await cp(EXAMPLE_DIR, app, { recursive: true });
    const manifest = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    manifest.dependencies['@concord/partner-sdk'] = `file:${tarball}`;
    await writeFile(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    // The SDK has no dependencies, so this installs from the tarball alone.
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app });

    services = await startServices({ dataDir: 'memory://' });
    const env = parseProcessEnv({
      UPSTREAM_CUSTOMERS_URL: services.urls.customers,
      UPSTREAM_ORDERS_URL: services.urls.orders,
      UPSTREAM_INVENTORY_URL: services.urls.inventory,
    });
    gateway = await startGateway({
      configPath: DEFAULT_CONFIG_PATH,
      env,
      port: 0,
      hostname: '127.0.0.1',
      watchConfig: false,
      deps: { logger: pino({ level: 'silent' }), redis: undefined },
    });
  }, 240_000);

  afterAll(async () => {
    await gateway?.close();
    await services?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships ESM JavaScript with .d.ts, the README and nothing else', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/README.md',
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/dist/webhooks/index.js',
        'package/dist/webhooks/index.d.ts',
      ]),
    );
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /test|src\//.test(f))).toEqual([]);
    const manifest = JSON.parse(await readFile(join(app, 'node_modules/@concord/partner-sdk/package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.type).toBe('module');
  });

  it('type-checks the example against the published types (NodeNext resolution, no skipLibCheck)', async () => {
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', app, '--typeRoots', join(REPO, 'node_modules/@types')]).catch(
      (err: { stdout: string; stderr: string }) => err,
    );
    expect(result.stdout + result.stderr).toBe('');
  }, 120_000);

  it('authenticates, creates and lists customers across pages, and gets a typed 404', async () => {
    const demo = gateway.current().partners.demo;
    expect(demo, 'the embedded gateway registers the demo partner').toBeDefined();
    const { stdout } = await run(process.execPath, ['quickstart.mjs'], {
      cwd: app,
      env: { ...process.env, CONCORD_URL: gateway.url, CONCORD_CLIENT_ID: demo!.clientId, CONCORD_CLIENT_SECRET: demo!.clientSecret },
    });
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line, stdout).toBeDefined();
    const result = JSON.parse(line!.slice('RESULT '.length)) as QuickstartResult;

    expect(result.created).toHaveLength(3);
    expect(result.pages).toBeGreaterThanOrEqual(2);
    expect(result.listed).toEqual(expect.arrayContaining(result.created));
    expect(new Set(result.listed).size).toBe(result.listed.length);
    expect(result.notFound).toMatchObject({ status: 404, type: expect.stringMatching(/not-found$/) });
    expect(result.notFound!.requestId).toEqual(expect.any(String));
    expect(result.retries).toEqual([]);
  }, 120_000);
});
