import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../../services/stack/src/main.ts', import.meta.url));
const SERVICES = ['customers', 'orders', 'inventory', 'webhooks'] as const;

export interface StackProcess {
  urls: Record<(typeof SERVICES)[number], string>;
  output: string[];
  /** Null while it runs; the exit code or signal once it ended. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | null;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * The four system APIs as one real process (`services/stack/src/main.ts`, no tsx wrapper, so a
 * signal reaches it), on ports the OS chose. Resolves once every service listens.
 */
export async function startStackProcess(env: Record<string, string>): Promise<StackProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      CUSTOMERS_PORT: '0',
      ORDERS_PORT: '0',
      INVENTORY_PORT: '0',
      WEBHOOKS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  const urls = await new Promise<StackProcess['urls']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stack did not start:\n${output.join('')}`)), 90_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      const text = output.join('');
      const found = SERVICES.map((name) => new RegExp(`^${name} listening on (http://\\S+)`, 'm').exec(text)?.[1]);
      if (found.every((u) => u !== undefined)) {
        clearTimeout(timer);
        resolve(Object.fromEntries(SERVICES.map((name, i) => [name, found[i]!])) as StackProcess['urls']);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the stack exited during start-up:\n${output.join('')}`));
    });
  });
  return {
    urls,
    output,
    exit: () => exit,
    async kill(signal) {
      if (exit) return;
      child.kill(signal);
      await exited;
    },
  };
}
