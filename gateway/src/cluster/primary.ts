/**
 * The node:cluster primary of `server.workers: <n>|auto`. It serves no request itself: it forks n
 * workers that each run the same gateway (main.ts startGateway with `clusterWorker`) on the shared
 * port, forwards SIGHUP to every worker (each also watches the config file, so an edit reaches all
 * of them), drains them all on SIGTERM (each with the drain semantics of a single gateway) and exits
 * once the last one has, and replaces a worker that dies unexpectedly.
 *
 * The operator listener is the primary's, one per gateway whatever the number of workers: /metrics
 * is every worker's registry aggregated (prom-client's AggregatorRegistry: counters and histograms
 * summed), /readyz is ready only when every worker is (worker-messages.ts asks each one).
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { PROBLEM_CONTENT_TYPE } from '@concord/contracts/src/problem.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import { problemBody } from '../problem-response.ts';
import { askReadiness, type WorkerReadiness } from './worker-messages.ts';

export interface GatewayClusterOptions {
  config: GatewayConfig;
  workers: number;
  logger: Logger;
  /** The operator listener's port; default server.admin.port. */
  adminPort?: number | undefined;
  /** Install SIGHUP (reload every worker) and SIGTERM/SIGINT (drain every worker, then exit). */
  handleSignals?: boolean;
}

export interface RunningCluster {
  url: string;
  port: number;
  adminUrl: string;
  workerPids(): number[];
  /** Asks every worker to reload its config. */
  reload(): void;
  /** Drains every worker (SIGTERM) and resolves once all have exited, with whether all exited 0. */
  close(): Promise<boolean>;
}

/** Worker start-up after which a death counts as a crash at run time rather than a start-up failure. */
const RESTART_DELAY_MS = 1000;

/** The primary has no Hono app: its errors are the gateway's problem+json all the same (problem-response.ts). */
function problem(res: ServerResponse, err: GatewayError, path: string): void {
  res.writeHead(err.status, { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', ...err.headers });
  res.end(JSON.stringify(problemBody(err, undefined, path)));
}

export async function startGatewayCluster(options: GatewayClusterOptions): Promise<RunningCluster> {
  const { config, logger: log } = options;
  const listeningWorkers = new Set<Worker>();
  let stopping = false;
  let port: number | undefined;

  const aggregator = new AggregatorRegistry();
  const metrics = config.observability.metrics;
  async function operator(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return problem(
        res,
        new GatewayError('METHOD_NOT_ALLOWED', `${req.method} is not served here; use GET.`, { headers: { allow: 'GET, HEAD' } }),
        path,
      );
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return void res.end(JSON.stringify({ status: 'ok', workers: listeningWorkers.size }));
    }
    if (path === '/readyz') {
      const answers: WorkerReadiness[] = await Promise.all([...listeningWorkers].map((w) => askReadiness(w)));
      const ready = !stopping && answers.length === options.workers && answers.every((a) => a.status === 200);
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return void res.end(JSON.stringify({ status: ready ? 'ready' : 'not ready', workers: answers }));
    }
    if (metrics.enabled && path === metrics.path) {
      try {
        const text = await aggregator.clusterMetrics();
        res.writeHead(200, { 'content-type': aggregator.contentType, 'cache-control': 'no-store' });
        return void res.end(text);
      } catch (err) {
        return problem(
          res,
          new GatewayError('DEPENDENCY_UNAVAILABLE', `A worker did not report its metrics: ${(err as Error).message}.`),
          path,
        );
      }
    }
    problem(res, new GatewayError('NOT_FOUND', `${path} is not an operator endpoint.`), path);
  }

  function fork(): Worker {
    const worker = cluster.fork();
    worker.once('listening', (address) => {
      port ??= address.port;
      listeningWorkers.add(worker);
    });
    return worker;
  }

  // Start-up: every worker listening, or the first to exit fails the start (its reason is on stderr).
  const first = Array.from({ length: options.workers }, fork);
  await new Promise<void>((resolve, reject) => {
    const onExit = (worker: Worker, code: number | null, signal: string | null) => {
      cluster.off('listening', onListening);
      for (const other of first) if (other !== worker && !other.isDead()) other.process.kill('SIGTERM');
      reject(new Error(`a gateway worker exited during start-up (${signal ?? `code ${code}`}); its reason is above`));
    };
    const onListening = () => {
      if (first.every((w) => listeningWorkers.has(w))) {
        cluster.off('exit', onExit);
        cluster.off('listening', onListening);
        resolve();
      }
    };
    cluster.once('exit', onExit);
    cluster.on('listening', onListening);
  });

  cluster.on('exit', (worker, code, signal) => {
    const listened = listeningWorkers.delete(worker);
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'gateway worker died unexpectedly; starting a replacement');
    // A worker that died before listening would likely die again at once: do not spin.
    setTimeout(
      () => {
        if (!stopping) fork();
      },
      listened ? 0 : RESTART_DELAY_MS,
    ).unref();
  });

  const admin: Server = createServer((req, res) => void operator(req, res));
  await new Promise<void>((resolve, reject) => {
    admin.once('error', reject);
    admin.listen(options.adminPort ?? config.server.admin.port, config.server.admin.hostname, resolve);
  }).catch((err: Error) => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    throw err;
  });
  const adminAddress = admin.address() as AddressInfo;
  const adminUrl = `http://${adminAddress.family === 'IPv6' ? `[${adminAddress.address}]` : adminAddress.address}:${adminAddress.port}`;
  const url = `http://127.0.0.1:${port}`;

  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  function reload(): void {
    for (const worker of live()) worker.process.kill('SIGHUP');
  }

  let closing: Promise<boolean> | undefined;
  function close(): Promise<boolean> {
    closing ??= (async () => {
      stopping = true;
      process.off('SIGHUP', reload);
      const exits = live().map(
        (worker) =>
          new Promise<boolean>((resolve) => {
            worker.once('exit', (code) => resolve(code === 0));
            worker.process.kill('SIGTERM');
          }),
      );
      const clean = (await Promise.all(exits)).every(Boolean);
      admin.closeAllConnections();
      await new Promise<void>((resolve) => admin.close(() => resolve()));
      log.info({ workers: exits.length, clean }, 'every gateway worker has stopped');
      return clean;
    })();
    return closing;
  }

  if (options.handleSignals) {
    process.on('SIGHUP', reload);
    const onTerm = (signal: NodeJS.Signals) => {
      log.info({ signal, workers: live().length }, 'shutting down: draining every worker');
      void close().then((clean) => process.exit(clean ? 0 : 1));
    };
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onTerm);
  }

  log.info({ url, admin: adminUrl, workers: options.workers, pids: live().map((w) => w.process.pid) }, 'gateway listening');
  return { url, port: port!, adminUrl, workerPids: () => live().map((w) => w.process.pid!), reload, close };
}
