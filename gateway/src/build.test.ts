import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleGateway } from './build.ts';

const GATEWAY_DIR = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the bundle; resolves with its URL once it logs that it listens, or with its exit. */
function startBundle(bundle: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--enable-source-maps', bundle], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<Run>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"gateway listening"/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    void exited.then((run) => reject(new Error(`exited ${run.code} before listening: ${run.stderr}`)));
  });
  return { child, listening, exited };
}

describe('the production build (dist/serve.js)', () => {
  let dir: string;
  let bundle: string;

  beforeAll(async () => {
    // Inside the workspace, as gateway/dist is: Node resolves the external packages from node_modules.
    dir = await mkdtemp(join(GATEWAY_DIR, '.build-test-'));
    bundle = join(dir, 'serve.js');
    await bundleGateway(fileURLToPath(new URL('./serve.ts', import.meta.url)), bundle);
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the shipped config: contracts from disk, the pipeline, and a clean SIGTERM', async () => {
    const run = startBundle(bundle, { PORT: '0', GATEWAY_CONFIG: join(GATEWAY_DIR, 'gateway.config.yaml') });
    try {
      const url = await run.listening;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const contract = await fetch(`${url}/contracts/customers.v2.yaml`);
      expect(contract.status).toBe(200);
      expect(await contract.text()).toMatch(/^openapi: 3\.1/m);
      const unauthenticated = await fetch(`${url}/v2/customers/cus_4f9a2b7c1d8e`);
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers.get('content-type')).toBe('application/problem+json');
    } finally {
      run.child.kill('SIGTERM');
    }
    expect((await run.exited).code).toBe(0);
  }, 30_000);

  it('refuses a broken config with its file and line, and exit code 1', async () => {
    const config = join(dir, 'broken.yaml');
    await writeFile(config, 'server:\n  port: 0\napis:\n  - contract: customers.v2\n    basePath: v2\n    upstream: customers\n');
    const run = startBundle(bundle, { GATEWAY_CONFIG: config });
    run.listening.catch(() => undefined);
    const result = await run.exited;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.yaml:\d+:\d+ apis\[0\]\.basePath/);
  }, 30_000);
});
