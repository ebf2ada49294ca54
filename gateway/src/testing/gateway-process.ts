import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SERVE = fileURLToPath(new URL('../serve.ts', import.meta.url));

/**
 * The gateway as an operator runs it (`serve.ts`: startGateway with signal handlers, the buffered JSON
 * log on stdout), for tests that watch the process from outside: its log lines, its stderr, its exit.
 * Public and admin listeners on ports the OS chose; resolves once the `gateway listening` line is out.
 */
export interface GatewayProcess {
  url: string;
  adminUrl: string;
  pid: number;
  /** Every JSON line written to stdout so far. */
  logLines(): Record<string, unknown>[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Sends a signal and returns at once (a drain test watches what happens next). */
  signal(name: NodeJS.Signals): void;
  /** Resolves when the process has ended, with how. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export async function startGatewayProcess(configPath: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE], {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env, GATEWAY_CONFIG: configPath, PORT: '0', ADMIN_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const other: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const listening = new Promise<{ url: string; admin: string }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        other.push(line);
        return;
      }
      lines.push(parsed);
      if (parsed.msg === 'gateway listening') resolve({ url: String(parsed.url), admin: String(parsed.admin) });
    });
    void exited.then(({ code }) =>
      reject(new Error(`the gateway process exited (${code}) during start-up:\n${stderr}${other.join('\n')}`)),
    );
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 90_000);
  try {
    const { url, admin } = await listening;
    return {
      url,
      adminUrl: admin,
      pid: child.pid!,
      logLines: () => [...lines],
      stderr: () => stderr,
      signal: (name) => child.kill(name),
      exited,
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        await exited;
      },
    };
  } finally {
    clearTimeout(timeout);
  }
}
