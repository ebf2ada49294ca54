import { connect } from 'node:net';
import type { Redis } from 'ioredis';
import type { createGatewayFactory } from '../env.ts';
import { GatewayError } from '../errors.ts';
import { checkHealthPath } from '../upstream/health-check.ts';
import type { ConnectionLoad } from '../listener/connection-limits.ts';

/**
 * /healthz: the process is alive (no dependency is checked, so a Redis outage never gets the
 * gateway restarted). /readyz: every dependency the gateway needs answers: Redis (PING) when one is
 * configured, each upstream (its health path when configured, a TCP connect otherwise). Checks run
 * in parallel, each bounded by `timeoutMs`. Not ready is 503 problem+json listing every check.
 */
export interface ReadinessTarget {
  url: string;
  /** GET this path (2xx = ready) instead of a TCP connect. */
  healthPath?: string | undefined;
}

export interface HealthOptions {
  redis?: Redis | undefined;
  upstreams: Record<string, ReadinessTarget>;
  timeoutMs: number;
  checkUpstreams: boolean;
  /** The public listener's connections: unready past `connectionHeadroom` of the cap, before sockets run out. */
  listenerLoad?: (() => ConnectionLoad) | undefined;
  /** Share of maxConnections past which the gateway says it is not ready; default 0.9. */
  connectionHeadroom?: number;
  /** How long one readiness answer is reused: probes and scrapers must not open a connection per upstream each. */
  cacheMs?: number;
  now?: () => number;
}

export interface CheckResult {
  status: 'up' | 'down';
  ms: number;
  error?: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function tcpConnect(url: URL, timeoutMs: number): Promise<void> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`connect timeout after ${timeoutMs} ms`));
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
  });
}

async function run(check: () => Promise<unknown>, timeoutMs: number, what: string): Promise<CheckResult> {
  const started = performance.now();
  try {
    await withTimeout(check(), timeoutMs, what);
    return { status: 'up', ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { status: 'down', ms: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err) };
  }
}

type Readiness = { ready: boolean; checks: Record<string, CheckResult> };

export function readinessChecks(options: HealthOptions): () => Promise<Readiness> {
  const { redis, upstreams, timeoutMs, checkUpstreams, listenerLoad } = options;
  const headroom = options.connectionHeadroom ?? 0.9;
  const cacheMs = options.cacheMs ?? 1000;
  const now = options.now ?? Date.now;
  let cached: { at: number; result: Promise<Readiness> } | undefined;
  const check = async (): Promise<Readiness> => {
    const entries: [string, Promise<CheckResult>][] = [];
    if (listenerLoad) {
      const { open, max } = listenerLoad();
      const result: CheckResult =
        open < max * headroom
          ? { status: 'up', ms: 0 }
          : { status: 'down', ms: 0, error: `${open} of at most ${max} client connections are open` };
      entries.push(['connections', Promise.resolve(result)]);
    }
    if (redis) entries.push(['redis', run(() => redis.ping(), timeoutMs, 'redis')]);
    if (checkUpstreams) {
      for (const [name, target] of Object.entries(upstreams)) {
        const url = new URL(target.url);
        const check = target.healthPath
          ? () => checkHealthPath(target.url, target.healthPath!, timeoutMs)
          : () => tcpConnect(url, timeoutMs);
        entries.push([`upstream:${name}`, run(check, timeoutMs, `upstream ${name}`)]);
      }
    }
    const results = await Promise.all(entries.map(async ([name, p]) => [name, await p] as const));
    const checks = Object.fromEntries(results);
    return { ready: results.every(([, r]) => r.status === 'up'), checks };
  };
  // One check in flight and its answer reused for cacheMs, however many probes ask.
  return () => {
    const at = now();
    if (!cached || at - cached.at >= cacheMs) cached = { at, result: check() };
    return cached.result;
  };
}

export function healthHandlers(factory: ReturnType<typeof createGatewayFactory>, options: HealthOptions) {
  const ready = readinessChecks(options);
  return {
    healthz: factory.createHandlers((c) => c.json({ status: 'ok' }, 200, { 'cache-control': 'no-store' }))[0],
    readyz: factory.createHandlers(async (c) => {
      const result = await ready();
      if (!result.ready) {
        const down = Object.entries(result.checks)
          .filter(([, r]) => r.status === 'down')
          .map(([n]) => n);
        throw new GatewayError('DEPENDENCY_UNAVAILABLE', `Not ready: ${down.join(', ')} unreachable.`, {
          extensions: { checks: result.checks },
          headers: { 'Retry-After': '5' },
        });
      }
      return c.json({ status: 'ready', checks: result.checks }, 200, { 'cache-control': 'no-store' });
    })[0],
  };
}
