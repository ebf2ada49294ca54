import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVE = fileURLToPath(new URL('../../../gateway/src/serve.ts', import.meta.url));
const DEFAULT_CONFIG = fileURLToPath(new URL('../../../gateway/gateway.config.yaml', import.meta.url));

export interface GatewayProcess {
  url: string;
  /** Every JSON log line it wrote so far, parsed. */
  lines: Record<string, unknown>[];
  output: string[];
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The gateway as `npm run gateway` runs it (`gateway/src/serve.ts`: its own SIGTERM drain), with the
 * repository's gateway.config.yaml pointed at `upstreams` (UPSTREAM_<NAME>_URL), `server` settings
 * merged in, and the demo plan's rate limit lifted so a load test measures the drain, not 429s.
 * Resolves once it listens.
 */
export async function startGatewayProcess(options: {
  configPath: string;
  upstreams: Record<string, string>;
  server?: Record<string, unknown>;
}): Promise<GatewayProcess> {
  const config = parse(await readFile(DEFAULT_CONFIG, 'utf8')) as Record<string, Record<string, unknown>>;
  config.server = { ...config.server, watchConfig: false, ...options.server };
  config.security = { ...config.security, plans: { demo: { rateLimit: { points: 1_000_000, windowSeconds: 60 } } } };
  writeFileSync(options.configPath, stringify(config));
  const upstreamEnv = Object.fromEntries(
    Object.entries(options.upstreams).map(([name, url]) => [`UPSTREAM_${name.toUpperCase()}_URL`, url]),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      GATEWAY_CONFIG: options.configPath,
      PORT: '0',
      ADMIN_PORT: '0',
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      REDIS_URL: '',
      ...upstreamEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const output: string[] = [];
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (parsed.msg === 'gateway listening') resolve(parsed.url as string);
      } catch {
        // not a log line
      }
    });
    void exited.then(({ code }) => reject(new Error(`the gateway exited (${code}) before listening:\n${output.join('\n')}`)));
  });
  return { url, lines, output, kill: (signal) => child.kill(signal), exited };
}
