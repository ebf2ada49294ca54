import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../services/webhooks/src/main.ts', import.meta.url));

export interface ChildService {
  process: ChildProcess;
  url: string;
  output: string[];
  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The webhooks service as a real process (one node process, no tsx wrapper, so a signal reaches
 * the dispatcher itself). Resolves once it listens.
 */
export async function startChildService(env: Record<string, string>): Promise<ChildService> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    // Its receivers run on loopback: the SSRF guard is opted out of, as a developer would.
    env: { ...process.env, WEBHOOKS_PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', WEBHOOKS_ALLOW_PRIVATE_NETWORKS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    // Generous: the embedded store's start (PGlite's WASM and the migrations) took 63 s on a 2-core
    // machine shared by a dozen busy processes.
    const timer = setTimeout(() => reject(new Error(`webhooks child did not start:\n${output.join('')}`)), 150_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = /listening on (http:\/\/\S+)/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`webhooks child exited with ${code}:\n${output.join('')}`));
    });
  });
  return {
    process: child,
    url,
    output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
