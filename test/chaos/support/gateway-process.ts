import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type GatewayProcess, startGatewayProcess } from '@concord/gateway/src/testing/gateway-process.ts';
import { parse, stringify } from 'yaml';

const DEFAULT_CONFIG = fileURLToPath(new URL('../../../gateway/gateway.config.yaml', import.meta.url));

export type { GatewayProcess };

/**
 * The gateway as `npm run gateway` runs it (the shared process helper: `serve.ts`, its own SIGTERM
 * drain), with the repository's gateway.config.yaml pointed at `upstreams` (UPSTREAM_<NAME>_URL),
 * `server` settings merged in, and the demo plan's rate limit lifted so a load test measures the
 * drain, not 429s. No Redis: the drain is what is under test. Resolves once it listens.
 */
export async function startDrainGateway(options: {
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
  return startGatewayProcess(options.configPath, { REDIS_URL: '', ...upstreamEnv });
}
