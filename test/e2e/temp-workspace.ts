/**
 * A private copy of the contracts and gateway workspaces, for adding an API the way a user does
 * (drop a contract into contracts/openapi, run `concord generate`, point a config at it) without
 * touching the repository's own contracts/. Third-party packages are linked from the real
 * node_modules; @concord/contracts and @concord/gateway resolve to the copies, so the gateway in the
 * copy serves the copy's generated contracts.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { CONTRACTS_DIR, REPO_ROOT } from '@concord/contracts/src/paths.ts';

const run = promisify(execFile);

export interface TempWorkspace {
  root: string;
  /** `concord generate` in the copy; rejects with its output when it fails. */
  generate(): Promise<void>;
  /** `node --import tsx gateway/src/serve.ts` in the copy, as `npm run gateway` starts it. */
  startGateway(configPath: string, port: number): Promise<GatewayProcess>;
  remove(): Promise<void>;
}

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `concord <args>` in the copy, as a user runs it: exit code and output, whether it passes or fails. */
export async function runConcord(root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['contracts/bin/concord.mjs', ...args], {
      cwd: root,
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs serve.ts to its end: the exit code and what it wrote (for a start-up that must fail). */
export async function runGatewayToExit(root: string, configPath: string, port: number): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, ['--import', 'tsx', 'gateway/src/serve.ts'], {
      cwd: root,
      env: { ...process.env, GATEWAY_CONFIG: configPath, PORT: String(port), ADMIN_PORT: '0', LOG_LEVEL: 'warn' },
      timeout: 120_000,
    });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

export async function createTempWorkspace(): Promise<TempWorkspace> {
  const root = await mkdtemp(join(tmpdir(), 'concord-workspace-'));
  const copy = (from: string, to: string) => cp(from, join(root, to), { recursive: true });
  for (const part of ['bin', 'src', 'openapi', 'asyncapi', 'generated', 'package.json', 'tsconfig.json']) {
    await copy(join(CONTRACTS_DIR, part), join('contracts', part));
  }
  // `generate` also writes the SDK's generated sources.
  for (const part of ['src', 'package.json']) await copy(join(CONTRACTS_DIR, 'sdk', part), join('contracts/sdk', part));
  for (const part of ['src', 'package.json', 'tsconfig.json', 'gateway.config.yaml'])
    await copy(join(REPO_ROOT, 'gateway', part), join('gateway', part));
  for (const part of ['package.json', 'tsconfig.json']) await copy(join(REPO_ROOT, part), part);

  const modules = join(root, 'node_modules');
  await mkdir(join(modules, '@concord'), { recursive: true });
  for (const name of await readdir(join(REPO_ROOT, 'node_modules'))) {
    if (name !== '@concord') await symlink(join(REPO_ROOT, 'node_modules', name), join(modules, name));
  }
  await symlink('../../contracts', join(modules, '@concord/contracts'));
  await symlink('../../contracts/sdk', join(modules, '@concord/partner-sdk'));
  await symlink('../../gateway', join(modules, '@concord/gateway'));

  return {
    root,
    async generate() {
      await run(process.execPath, ['contracts/bin/concord.mjs', 'generate'], { cwd: root, timeout: 240_000 });
    },
    async startGateway(configPath, port) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/serve.ts'], {
        cwd: root,
        env: { ...process.env, GATEWAY_CONFIG: configPath, PORT: String(port), ADMIN_PORT: '0', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const url = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout! });
        lines.on('line', (line) => {
          if (line.includes('"gateway listening"')) resolve((JSON.parse(line) as { url: string }).url);
        });
        child.once('exit', (code) => reject(new Error(`the gateway exited (${code}) before listening:\n${stderr}`)));
      });
      return {
        url,
        child,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
