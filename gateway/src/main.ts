/**
 * The gateway process: read the env and the config, build, serve; reload on SIGHUP or when the
 * config file changes; shut down cleanly on SIGTERM/SIGINT. A reload builds a whole new gateway
 * and swaps it in atomically: new requests go to the new build, in-flight ones finish on the old
 * one, which is closed once they are done. A config that does not validate never replaces a
 * working one: the reason is logged with the file and line, and the old config keeps serving.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, resolve } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { AggregatorRegistry, Registry } from 'prom-client';
import { buildGateway, type BuiltGateway } from './app.ts';
import { DEFAULT_CONFIG_PATH } from './default-config-path.ts';
import { parseProcessEnv, type GatewayProcessEnv } from './config/env.ts';
import { ConfigError, parseConfig } from './config/load-config.ts';
import type { GatewayConfig } from './config/schema.ts';
import { sharedStateProblem } from './cluster/shared-state-check.ts';
import { answerReadiness } from './cluster/worker-messages.ts';
import type { GatewayDeps } from './deps.ts';
import { defaultMaxConnections, limitConnections } from './listener/connection-limits.ts';
import { fileDescriptorLimit } from './listener/file-descriptor-limit.ts';
import { gracefulDrain, type GracefulDrain } from '@concord/contracts/src/http/graceful-drain.ts';
import { answerClientErrors } from './listener/client-errors.ts';
import { trustedProxies } from './listener/trusted-proxies.ts';
import { bufferedDestination, createGatewayLogger, flushLogger } from './observability/logger.ts';
import { createRedisClient } from './redis-client.ts';
import { logDestination } from '@concord/contracts/src/logging/log-destination.ts';

export { DEFAULT_CONFIG_PATH };

export interface StartGatewayOptions {
  /** Default: GATEWAY_CONFIG, else gateway/gateway.config.yaml. */
  configPath?: string;
  /** Default: parsed from process.env. */
  env?: GatewayProcessEnv;
  /** Replace any of the process-wide resources (tests). */
  deps?: Partial<GatewayDeps>;
  /** Listen here instead of PORT / server.port (tests pass 0). */
  port?: number;
  hostname?: string;
  /** The operator listener's port; default ADMIN_PORT / server.admin.port, or 0 when `port` is 0 (tests). */
  adminPort?: number;
  /** Install SIGHUP (reload) and SIGTERM/SIGINT (shutdown) handlers. Default false. */
  handleSignals?: boolean;
  /** Watch the config file; default: the config's server.watchConfig. */
  watchConfig?: boolean;
  /**
   * One of several node:cluster workers (cluster/primary.ts): no operator listener of its own and no
   * operator endpoints on the public port, since one worker's numbers are not the gateway's; the
   * primary's operator listener aggregates every worker's registry.
   */
  clusterWorker?: boolean;
  /** Log the start-up banner (demo credentials); `npm start` prints its own instead. Default true. */
  logBanner?: boolean;
}

export type ReloadResult = { ok: true } | { ok: false; error: Error };

export interface RunningGateway {
  url: string;
  port: number;
  /** The operator listener (/metrics, /readyz), loopback by default; '' in a cluster worker. */
  adminUrl: string;
  configPath: string;
  /** The build serving new requests. */
  current(): BuiltGateway;
  reload(): Promise<ReloadResult>;
  close(): Promise<void>;
}

interface Slot {
  built: BuiltGateway;
  inflight: number;
  drained: (() => void) | undefined;
}

function createDeps(env: GatewayProcessEnv, overrides: Partial<GatewayDeps>, clusterWorker: boolean): GatewayDeps {
  const logger =
    overrides.logger ??
    createGatewayLogger({
      level: env.logLevel ?? 'info',
      // A person at a terminal reads pretty lines; anything else gets the buffered JSON lines.
      destination: logDestination({ fd: 1, isTTY: process.stdout.isTTY }, () => bufferedDestination(1)),
      // Workers share stdout: each line says which one wrote it.
      ...(clusterWorker ? { base: { service: 'concord-gateway', pid: process.pid } } : {}),
    });
  return {
    env,
    logger,
    metrics: overrides.metrics ?? new Registry(),
    redis: 'redis' in overrides ? overrides.redis : env.redisUrl ? createRedisClient(env.redisUrl, logger) : undefined,
    now: overrides.now ?? Date.now,
    fetch: overrides.fetch ?? globalThis.fetch,
  };
}

function listening(server: ServerType): Promise<void> {
  return new Promise<void>((ok, fail) => {
    if ((server as Server).listening) return ok();
    server.once('listening', ok);
    server.once('error', fail);
  });
}

/** Waits until the slot has no request in flight, or `graceMs` passed; true when drained. */
function drain(slot: Slot, graceMs: number): Promise<boolean> {
  if (slot.inflight === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), graceMs);
    slot.drained = () => {
      clearTimeout(timer);
      resolve(true);
    };
  });
}

export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? parseProcessEnv(process.env);
  const configPath = resolve(options.configPath ?? env.configPath ?? DEFAULT_CONFIG_PATH);
  const deps = createDeps(env, options.deps ?? {}, options.clusterWorker ?? false);
  const log = deps.logger;

  let lastText = await readFile(configPath, 'utf8').catch((err: Error) => {
    throw new ConfigError(configPath, [{ line: 0, column: 0, path: '', message: `cannot be read: ${err.message}` }]);
  });
  // A reload is held to the same rule as the start: a config several processes cannot share is refused.
  const parse = (text: string): GatewayConfig => {
    const parsed = parseConfig(text, configPath, env);
    const refusal = sharedStateProblem(parsed, { redis: deps.redis !== undefined, jwksUrl: env.auth.jwksUrl });
    if (refusal) throw new Error(`${configPath}: ${refusal}`);
    if (!options.clusterWorker) return parsed;
    return { ...parsed, server: { ...parsed.server, admin: { ...parsed.server.admin, publicOperatorEndpoints: false } } };
  };
  const config = parse(lastText);
  if (options.clusterWorker) {
    // The primary's /metrics asks every worker for this registry (one registry across reloads).
    // Constructing an AggregatorRegistry is what makes prom-client answer those requests here.
    AggregatorRegistry.setRegistries([deps.metrics]);
    new AggregatorRegistry();
  }
  let active: Slot = { built: buildGateway(config, deps), inflight: 0, drained: undefined };
  const retiring = new Set<Promise<void>>();

  const { server: listen } = config;
  const server: ServerType = serve({
    hostname: options.hostname ?? '0.0.0.0',
    port: options.port ?? listen.port,
    serverOptions: {
      headersTimeout: listen.headersTimeoutMs,
      requestTimeout: listen.requestTimeoutMs,
      keepAliveTimeout: listen.keepAliveTimeoutMs,
      // Node checks the headers and request timeouts on this interval (30 s by default): a slow
      // client would otherwise hold its socket up to that long past its timeout.
      connectionsCheckingInterval: Math.min(1000, listen.headersTimeoutMs),
    },
    fetch: async (request, bindings) => {
      // Behind a response that told the client this connection closes: never run, never answered.
      if ('incoming' in bindings && drainer.refused(bindings.incoming as IncomingMessage)) return new Response(null, { status: 503 });
      const slot = active;
      slot.inflight++;
      try {
        return await slot.built.app.fetch(request, bindings);
      } finally {
        if (--slot.inflight === 0) slot.drained?.();
      }
    },
  });
  const drainer: GracefulDrain = gracefulDrain(server as Server);
  const limits = limitConnections(server as Server, {
    maxConnections:
      listen.maxConnections ??
      defaultMaxConnections(
        fileDescriptorLimit(),
        Object.values(config.upstreams).reduce((sum, u) => sum + u.connections, 0),
      ),
    maxPerAddress: listen.maxConnectionsPerIp,
    // A proxy carries many clients: it counts toward the total only.
    exempt: trustedProxies(listen.trustedProxies).has,
    registry: deps.metrics,
  });
  deps.listenerLoad = limits.load;
  if (options.clusterWorker) answerReadiness(async () => active.built.admin.fetch(new Request('http://worker/readyz')));
  // Requests Node's parser refuses (a head over 16 KiB, bytes that are not HTTP) get problem+json too.
  answerClientErrors(server as Server);
  await listening(server);
  const port = ((server as Server).address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  // The operator surface on its own listener: never exposed with the public port by accident.
  const admin: ServerType | undefined = options.clusterWorker
    ? undefined
    : serve({
        hostname: listen.admin.hostname,
        port: options.adminPort ?? (options.port === 0 ? 0 : (env.adminPort ?? listen.admin.port)),
        fetch: (request, bindings) => active.built.admin.fetch(request, bindings),
      });
  if (admin)
    await listening(admin).catch((err: Error) => {
      (server as Server).close();
      throw err;
    });
  const adminAddress = (admin as Server | undefined)?.address() as AddressInfo | undefined;
  const adminUrl = adminAddress
    ? `http://${adminAddress.family === 'IPv6' ? `[${adminAddress.address}]` : adminAddress.address}:${adminAddress.port}`
    : '';

  function retire(slot: Slot): void {
    const done = drain(slot, slot.built.config.server.shutdownGraceMs)
      .then(() => slot.built.close())
      .catch((err: unknown) => log.warn({ err }, 'closing the previous gateway build failed'))
      .finally(() => retiring.delete(done));
    retiring.add(done);
  }

  let reloading: Promise<ReloadResult> | undefined;
  async function reload(): Promise<ReloadResult> {
    // One reload at a time; a change during a reload is picked up by the next event.
    while (reloading) await reloading;
    reloading = (async (): Promise<ReloadResult> => {
      try {
        const text = await readFile(configPath, 'utf8');
        const next = parse(text);
        const built = buildGateway(next, deps);
        const previous = active;
        active = { built, inflight: 0, drained: undefined };
        lastText = text;
        if (next.server.port !== previous.built.config.server.port && options.port === undefined) {
          log.warn({ port }, 'server.port changed; a new port takes effect only after a restart');
        }
        retire(previous);
        log.info({ config: configPath, apis: next.apis.map((a) => `${a.basePath} ${a.contract}`) }, 'config reloaded');
        return { ok: true };
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        log.error({ config: configPath, reason: error.message }, 'config reload rejected; the previous config keeps serving');
        return { ok: false, error };
      } finally {
        reloading = undefined;
      }
    })();
    return reloading;
  }

  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  if (options.watchConfig ?? config.server.watchConfig) {
    // Watch the directory: editors save by writing a new file and renaming it over the old one.
    const file = basename(configPath);
    watcher = watch(dirname(configPath), (_event, name) => {
      if (name !== null && name !== file) return;
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        readFile(configPath, 'utf8')
          .then((text) => (text === lastText ? undefined : reload()))
          .catch((err: unknown) => log.warn({ err }, 'config file could not be read; keeping the current config'));
      }, 100);
    });
  }

  const onHup = () => void reload();
  const onTerm = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    void close().then(() => process.exit(0));
  };
  if (options.handleSignals) {
    process.on('SIGHUP', onHup);
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onTerm);
  }

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= (async () => {
      clearTimeout(debounce);
      watcher?.close();
      process.off('SIGHUP', onHup);
      const graceMs = active.built.config.server.shutdownGraceMs;
      const adminStopped = new Promise<void>((ok) => (admin ? (admin as Server).close(() => ok()) : ok()));
      (admin as Server | undefined)?.closeAllConnections();
      // Every response from now on tells its keep-alive client that this connection ends with it.
      const { cut } = await drainer.drain(graceMs);
      if (cut > 0) log.warn({ cut, graceMs }, `grace period over: cut ${cut} request(s) still in flight`);
      else log.info({ cut, graceMs }, 'drained: every request received was answered');
      await adminStopped;
      await Promise.all([active.built.close(), ...retiring]);
      if (!options.deps || !('redis' in options.deps)) await deps.redis?.quit().catch(() => undefined);
      // The log destination is buffered (bufferedDestination): its last lines are written now.
      await flushLogger(log);
    })();
    return closing;
  }

  log.info(
    { url, admin: adminUrl, config: configPath, apis: config.apis.map((a) => `${a.basePath} ${a.contract} -> ${a.upstream}`) },
    // A worker is one of several: the primary says when the gateway as a whole listens.
    options.clusterWorker ? 'worker listening' : 'gateway listening',
  );
  if (options.logBanner !== false) for (const line of active.built.startupBanner(url)) log.info(line);

  return { url, port, adminUrl, configPath, current: () => active.built, reload, close };
}
