/**
 * The gateway as a process: `tsx src/serve.ts` in development, `node dist/serve.js` once built
 * (build.ts). startGateway (main.ts) is the library; this file only starts it with the signal
 * handlers and turns a start-up failure (a config or contract that does not load, a port in use,
 * several processes without the state they must share) into one line naming the file and the
 * problem, and exit code 1. With `server.workers` above 1 this process is the node:cluster primary
 * (cluster/primary.ts) and every worker runs this same file.
 */
import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { startGatewayCluster } from './cluster/primary.ts';
import { sharedStateProblem, workerCount } from './cluster/shared-state-check.ts';
import { parseProcessEnv } from './config/env.ts';
import { loadConfigFile } from './config/load-config.ts';
import { DEFAULT_CONFIG_PATH, startGateway } from './main.ts';
import { bufferedDestination, createGatewayLogger } from './observability/logger.ts';

async function main(): Promise<void> {
  if (cluster.isWorker) {
    await startGateway({ handleSignals: true, clusterWorker: true });
    return;
  }
  const env = parseProcessEnv(process.env);
  const configPath = resolve(env.configPath ?? DEFAULT_CONFIG_PATH);
  const config = await loadConfigFile(configPath, env);
  const workers = workerCount(config);
  if (workers <= 1) {
    await startGateway({ configPath, env, handleSignals: true });
    return;
  }
  // Refused here, before any worker starts, so the reason is said once.
  const refusal = sharedStateProblem(config, { redis: env.redisUrl !== undefined, jwksUrl: env.auth.jwksUrl });
  if (refusal) throw new Error(`${configPath}: ${refusal}`);
  const logger = createGatewayLogger({ level: env.logLevel ?? 'info', destination: bufferedDestination(1) });
  await startGatewayCluster({ config, workers, logger, adminPort: env.adminPort, handleSignals: true });
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
