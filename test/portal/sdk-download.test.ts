/**
 * The SDK as a partner gets it: downloaded from a running gateway's portal over HTTP, installed from
 * the file into a project outside the workspaces (offline: the SDK has no dependencies), type-checked
 * there under the three module resolutions partners use, imported at run time, and checked with
 * @arethetypeswrong/cli, which packs nothing itself here: it reads the very tarball the portal served.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersions } from '../../contracts/sdk/src/generated/index.ts';
import type { RunningGateway } from '@concord/gateway/src/main.ts';
import { startPortalGateway } from './portal-gateway.ts';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const TSC = require.resolve('typescript/bin/tsc');
const ATTW = join(fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url)), 'attw');

/** Each version's entry point: `customers/v2`. */
const VERSION_ENTRIES = apiVersions.map((api) => api.id.replace('.', '/'));

const PARTNER_CODE = `import { createConcordClient, NotFoundError } from '@concord/partner-sdk';
import type { Customer, CustomerCreate, ListCustomersResult } from '@concord/partner-sdk/customers/v2';
import type { Order } from '@concord/partner-sdk/orders/v1';
import { verifyWebhook, WebhookVerificationError } from '@concord/partner-sdk/webhooks';

export const client = createConcordClient({ baseUrl: 'https://api.partner.example', clientCredentials: { clientId: 'a', clientSecret: 'b' } });
export const newCustomer: CustomerCreate = { given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com' };
export function emails(page: ListCustomersResult): string[] {
  return page.data.map((customer: Customer) => customer.email);
}
export const lines = (order: Order) => order.lines.length;
// The model types are the contract's, not any: a wrong field type does not compile.
// @ts-expect-error id is a string
export const wrong: Customer['id'] = 42;
export { NotFoundError, verifyWebhook, WebhookVerificationError };
`;

const RESOLUTIONS = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
  node10: { module: 'esnext', moduleResolution: 'node' },
} as const;

describe('the SDK downloaded from the portal', () => {
  let gateway: RunningGateway;
  let dir: string;
  let tarball: string;
  let fileName: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-sdk-download-'));
    gateway = await startPortalGateway('production');
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is offered with its version on /docs/sdk and downloads as an npm tarball', async () => {
    const page = await (await fetch(`${gateway.url}/docs/sdk`)).text();
    const version = /<strong data-sdk-version>([^<]+)<\/strong>/.exec(page)?.[1];
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    const href = /href="(\/docs\/sdk\/[^"]+\.tgz)"/.exec(page)?.[1];
    expect(href).toBe(`/docs/sdk/concord-partner-sdk-${version}.tgz`);
    fileName = href!.slice('/docs/sdk/'.length);

    const res = await fetch(gateway.url + href);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    tarball = join(dir, fileName);
    await writeFile(tarball, bytes);
    const listing = (await run('tar', ['tzf', tarball])).stdout.split('\n');
    expect(listing).toContain('package/package.json');
    expect(listing).toContain('package/dist/index.d.ts');
    for (const entry of VERSION_ENTRIES) expect(listing).toContain(`package/dist/generated/apis/${entry}.d.ts`);
    // A second download is the same bytes, from the cache.
    expect(new Uint8Array(await (await fetch(gateway.url + href)).arrayBuffer())).toEqual(bytes);
  }, 180_000);

  it('installs from the file, type-checks partner code under node16, bundler and node resolution, and imports', async () => {
    const app = join(dir, 'partner-app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'partner-app', private: true, type: 'module' }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: app });
    await writeFile(join(app, 'partner.ts'), PARTNER_CODE);
    for (const [name, options] of Object.entries(RESOLUTIONS)) {
      const tsconfig = join(app, `tsconfig.${name}.json`);
      await writeFile(
        tsconfig,
        JSON.stringify({
          compilerOptions: { ...options, strict: true, noEmit: true, target: 'es2022', types: [], lib: ['es2022', 'dom'] },
          files: ['partner.ts'],
        }),
      );
      const result = await run(process.execPath, [TSC, '-p', tsconfig]).then(
        () => '',
        (err: { stdout?: string }) => err.stdout ?? String(err),
      );
      expect(result, `moduleResolution ${name}`).toBe('');
    }
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const sdk = await import('@concord/partner-sdk'); await import('@concord/partner-sdk/webhooks'); await import('@concord/partner-sdk/customers/v2'); console.log(typeof sdk.createConcordClient, sdk.SDK_VERSION)",
      ],
      { cwd: app },
    );
    expect(stdout.trim()).toMatch(/^function \d+\.\d+\.\d+/);
  }, 180_000);

  it('has no problems @arethetypeswrong/cli can find in any entry point (ESM only, so CommonJS importers are not a goal)', async () => {
    const result = await run(
      ATTW,
      [tarball, '--format', 'json', '--ignore-rules', 'cjs-resolves-to-esm', '--include-entrypoints', ...VERSION_ENTRIES],
      {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
      },
    ).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code ?? 1, stdout: err.stdout ?? '' }),
    );
    const report = JSON.parse(result.stdout) as {
      analysis: {
        problems: Array<{ kind: string }>;
        entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName?: string } }> }>;
      };
    };
    // The JSON lists the ignored kind too: requiring an ES module from CommonJS (Node 20.19 can).
    expect(report.analysis.problems.filter((p) => p.kind !== 'CJSResolvesToESM')).toEqual([]);
    expect(result.code).toBe(0);
    for (const entry of ['.', './webhooks', ...VERSION_ENTRIES.map((e) => `./${e}`)]) {
      const resolutions = report.analysis.entrypoints[entry]?.resolutions ?? {};
      for (const kind of ['node10', 'node16-esm', 'bundler']) {
        expect(resolutions[kind]?.resolution?.fileName, `${entry} under ${kind}`).toMatch(/\.d\.ts$/);
      }
    }
  }, 180_000);
});
