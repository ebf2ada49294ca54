/**
 * The gateway under load, in a process of its own so its RSS is its own: the real start-up path
 * (main.ts startGateway: config file, zod, buildGateway, @hono/node-server) with the access log
 * written to BENCH_LOG_FILE (default /dev/null) instead of the terminal. Before serving it builds the
 * gateway once more on its own, to time buildGateway (every contract loaded, every schema compiled).
 *
 * run.ts builds it like the production gateway (gateway/src/build.ts) and runs the bundle:
 *   node test/bench/.build/gateway-process.js <config.yaml>
 * (`node --import tsx test/bench/gateway-process.ts <config.yaml>` runs the sources, for comparison.)
 *
 * Prints one JSON line on stdout when it listens: `{"ready":true,"url","pid","import_ms","build_ms","start_ms","ready_ms"}`
 * (import_ms: process start to this module running, i.e. Node and the module graph;
 * ready_ms: process start to listening). SIGTERM closes it cleanly (so --cpu-prof is written).
 *
 * With `server.workers` above 1 in the config this process is the node:cluster primary
 * (gateway/src/cluster/primary.ts) and every worker runs this same file; the ready line then has
 * the workers' pids (`worker_pids`) and no build_ms (each worker builds on its own).
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { buildGateway } from '@concord/gateway/src/app.ts';
import { startGatewayCluster } from '@concord/gateway/src/cluster/primary.ts';
import { workerCount } from '@concord/gateway/src/cluster/shared-state-check.ts';
import { parseProcessEnv } from '@concord/gateway/src/config/env.ts';
import { parseConfig } from '@concord/gateway/src/config/load-config.ts';
import type { GatewayDeps } from '@concord/gateway/src/deps.ts';
import { startGateway } from '@concord/gateway/src/main.ts';
import { bufferedDestination, createGatewayLogger } from '@concord/gateway/src/observability/logger.ts';

const importMs = performance.now();
const configPath = process.argv[2];
if (!configPath) {
  console.error('usage: gateway-process.ts <config.yaml>');
  process.exit(2);
}

const env = parseProcessEnv(process.env);
const deps: GatewayDeps = {
  env,
  logger: createGatewayLogger({
    level: env.logLevel ?? 'info',
    destination: bufferedDestination(process.env.BENCH_LOG_FILE ?? '/dev/null'),
  }),
  metrics: new Registry(),
  redis: env.redisUrl ? new Redis(env.redisUrl, { maxRetriesPerRequest: 1 }) : undefined,
  now: Date.now,
  fetch: globalThis.fetch,
};

const round = (ms: number) => Math.round(ms * 10) / 10;
const config = parseConfig(readFileSync(configPath, 'utf8'), configPath, env);
const workers = workerCount(config);

if (cluster.isPrimary && workers > 1) {
  const startStarted = performance.now();
  const running = await startGatewayCluster({ config, workers, logger: deps.logger, adminPort: 0 });
  const startMs = performance.now() - startStarted;
  deps.redis?.disconnect();
  process.stdout.write(
    `${JSON.stringify({ ready: true, url: running.url, pid: process.pid, worker_pids: running.workerPids(), import_ms: round(importMs), build_ms: null, start_ms: round(startMs), ready_ms: round(performance.now()) })}\n`,
  );
  process.once('SIGTERM', () => void running.close().finally(() => process.exit(0)));
} else {
  let buildMs: number | null = null;
  if (cluster.isPrimary) {
    const buildStarted = performance.now();
    const probe = buildGateway(config, deps);
    buildMs = performance.now() - buildStarted;
    await probe.close();
  }

  const startStarted = performance.now();
  const running = await startGateway({
    configPath,
    env,
    deps,
    port: 0,
    hostname: '127.0.0.1',
    watchConfig: false,
    clusterWorker: cluster.isWorker,
  });
  const startMs = performance.now() - startStarted;

  if (cluster.isPrimary)
    process.stdout.write(
      `${JSON.stringify({ ready: true, url: running.url, pid: process.pid, import_ms: round(importMs), build_ms: buildMs === null ? null : round(buildMs), start_ms: round(startMs), ready_ms: round(performance.now()) })}\n`,
    );

  process.once('SIGTERM', () => {
    void running
      .close()
      .then(() => deps.redis?.quit())
      .catch(() => undefined)
      .finally(() => process.exit(0));
  });
}
