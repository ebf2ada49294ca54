/**
 * `npm run bench`: the gateway against nginx, the bare upstream, a bare Node proxy and the fastify
 * peer, on this machine, in one run.
 *
 * Starts the fixed upstream (upstream.ts), nginx in front of it when installed, the bare Node proxy
 * (node-proxy.ts), the gateway in separate processes (gateway-process.ts: routing only, full chain,
 * full chain with Redis rate limits) and the fastify peer (fastify-peer.ts, trusting the full-chain
 * gateway's JWKS), then loads each scenario in turn, every scenario once per round, with wrk (or autocannon).
 *
 *   npm run bench -- [--connections 50] [--duration 10] [--rounds 3] [--warmup 2] [--json]
 *                    [--tool wrk|autocannon] [--threads 1] [--only full_chain,nginx] [--cpu-prof <dir>] [--webhooks]
 *
 * Progress goes to stderr, the table to stdout; --json adds the report as one JSON object on the last line.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { bundleGateway } from '@concord/gateway/src/build.ts';
import { issueTestToken } from '@concord/gateway/src/partners/testing/issue-test-token.ts';
import { writeBenchConfig, type BenchWorkers } from './bench-configs.ts';
import { findWrk, runAutocannon, runWrk, type LoadOptions, type LoadRequest, type LoadResult } from './load.ts';
import { findNginx, NGINX_INSTALL_HINT, startNginx } from './nginx.ts';
import { GATEWAY_NODE_FLAGS } from '@concord/gateway/src/node-flags.ts';
import { childrenOf, cpuMsOf, memoryOf, sampleRss, spawnReady, type ReadyProcess } from './processes.ts';
import { BASELINES, formatTable, median, ratios, round, targets, type BenchReport, type ScenarioFigures } from './report.ts';
import { freePort } from '../support/free-port.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const CUSTOMER = 'cus_4f9a2b7c1d8e';
const ORDER_BODY = JSON.stringify({
  customer_id: CUSTOMER,
  lines: [
    { sku: 'TEA-EARLGREY-250', quantity: 2 },
    { sku: 'MUG-STONE-01', quantity: 1 },
  ],
});
/** The gateway's default `iss` and `aud` (security.auth), which the bench config does not change. */
const GATEWAY_ISSUER = 'urn:concord:gateway';
const GATEWAY_AUDIENCE = 'urn:concord:api';
const SCENARIO_ORDER = [
  'direct',
  'nginx',
  'node_proxy',
  'hono_proxy',
  'fastify_peer',
  'routing',
  'full_chain',
  'full_chain_redis',
  'nginx_2_workers',
  'full_chain_2_workers',
  'direct_post',
  'nginx_post',
  'node_proxy_post',
  'hono_proxy_post',
  'post_validated',
] as const;
type ScenarioName = (typeof SCENARIO_ORDER)[number];

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
    tool: { type: 'string' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    json: { type: 'boolean', default: false },
    webhooks: { type: 'boolean', default: false },
  },
});
const load: LoadOptions = { connections: Number(args.connections), durationSeconds: Number(args.duration), threads: Number(args.threads) };
const rounds = Number(args.rounds);
const warmupSeconds = Number(args.warmup);
const only = args.only ? new Set(args.only.split(',')) : undefined;
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

const wrk = args.tool === 'autocannon' ? undefined : findWrk();
if (args.tool === 'wrk' && !wrk) throw new Error('--tool wrk: wrk is not installed (apt-get install -y wrk)');
const tool = wrk ? 'wrk' : 'autocannon';
if (!wrk) log('wrk is not installed: loading with autocannon (install wrk with `apt-get install -y wrk` for a lighter load generator)');

const work = mkdtempSync(join(tmpdir(), 'concord-bench-'));
const processes: ReadyProcess[] = [];
const skipped: Record<string, string> = {};

function redisReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((ok) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const done = (answer: boolean) => {
      socket.destroy();
      ok(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function nodeTs(file: string, extraArgs: string[]): Promise<ReadyProcess> {
  return spawnReady(process.execPath, ['--import', 'tsx', file, ...extraArgs], { cwd: ROOT });
}

interface Target {
  request: LoadRequest;
  pids: () => number[];
  expect: number;
}

async function main(): Promise<void> {
  const wanted = (name: ScenarioName) =>
    !only || only.has(name) || Object.entries(BASELINES).some(([g, bases]) => only.has(g) && Object.values(bases).includes(name));
  const targetsByScenario = new Map<ScenarioName, Target>();
  const startup: BenchReport['startup'] = {};
  const gatewayProcs = new Map<string, ReadyProcess>();

  log(`work directory ${work}`);
  const upstream = await nodeTs(join(HERE, 'upstream.ts'), []);
  processes.push(upstream);
  const upstreamUrl = String(upstream.ready.url);
  log(`upstream ${upstreamUrl} (pid ${upstream.pid})`);
  const get = (base: string, path: string, headers: Record<string, string> = {}): LoadRequest => ({
    url: base + path,
    method: 'GET',
    headers: { accept: 'application/json', ...headers },
  });
  const post = (base: string, path: string, headers: Record<string, string> = {}): LoadRequest => ({
    url: base + path,
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', ...headers },
    body: ORDER_BODY,
  });

  targetsByScenario.set('direct', { request: get(upstreamUrl, `/customers/${CUSTOMER}`), pids: () => [upstream.pid], expect: 200 });
  targetsByScenario.set('direct_post', { request: post(upstreamUrl, '/orders'), pids: () => [upstream.pid], expect: 201 });

  let nginxWorkers: number | null = null;
  if (wanted('nginx') || wanted('nginx_post')) {
    const nginx = findNginx();
    if (!nginx) {
      log(NGINX_INSTALL_HINT);
      skipped.nginx = skipped.nginx_post = 'nginx is not installed (apt-get install -y nginx)';
    } else {
      const proc = await startNginx(nginx, join(work, 'nginx'), await freePort(), upstreamUrl);
      processes.push(proc);
      nginxWorkers = 1;
      const url = String(proc.ready.url);
      log(`nginx ${url} (1 worker)`);
      targetsByScenario.set('nginx', { request: get(url, `/customers/${CUSTOMER}`), pids: proc.workerPids, expect: 200 });
      targetsByScenario.set('nginx_post', { request: post(url, '/orders'), pids: proc.workerPids, expect: 201 });
    }
  }

  // The gateway is measured as it is deployed: built (gateway/src/build.ts), not under tsx, and so
  // are the Node.js references it is compared with (the bare proxy, the fastify peer), so no side
  // pays tsx's loader thread and keepNames wrappers. Bundles go inside the repository, where Node
  // finds node_modules.
  const bundles = new Map<string, Promise<string>>();
  const built = (file: string): Promise<string> => {
    let bundle = bundles.get(file);
    if (!bundle) {
      const outfile = join(HERE, '.build', file.replace(/\.ts$/, '.js'));
      bundle = bundleGateway(join(HERE, file), outfile).then(() => outfile);
      bundles.set(file, bundle);
    }
    return bundle;
  };

  // The bare proxies, each serving the GET and the POST: node:http alone, and Hono on it.
  const bareProxies = [
    { file: 'node-proxy.ts', what: 'bare Node proxy', get: 'node_proxy', post: 'node_proxy_post' },
    { file: 'hono-proxy.ts', what: 'bare Hono proxy', get: 'hono_proxy', post: 'hono_proxy_post' },
  ] as const;
  for (const bare of bareProxies) {
    if (!wanted(bare.get) && !wanted(bare.post)) continue;
    const proc = await spawnReady(process.execPath, [await built(bare.file), upstreamUrl], { cwd: ROOT });
    processes.push(proc);
    const url = String(proc.ready.url);
    log(`${bare.what} ${url} (pid ${proc.pid})`);
    targetsByScenario.set(bare.get, { request: get(url, `/customers/${CUSTOMER}`), pids: () => [proc.pid], expect: 200 });
    targetsByScenario.set(bare.post, { request: post(url, '/orders'), pids: () => [proc.pid], expect: 201 });
  }

  const keyPrefix = `concord:bench:${randomBytes(4).toString('hex')}`;
  const cpuProf = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args['cpu-prof'])}`] : [];
  async function startGatewayProcess(
    name: string,
    kind: 'routing' | 'full',
    env: NodeJS.ProcessEnv,
    cluster?: BenchWorkers,
  ): Promise<ReadyProcess> {
    const gatewayBundle = await built('gateway-process.ts');
    const config = writeBenchConfig(work, kind, upstreamUrl, keyPrefix, cluster);
    // No REDIS_URL unless asked: the in-memory scenarios must not reach for a Redis in the environment.
    // The flags every gateway process ships with (npm start, npm run gateway), so the bench measures what ships.
    const proc = await spawnReady(process.execPath, [...GATEWAY_NODE_FLAGS, ...cpuProf, gatewayBundle, config], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: '', LOG_LEVEL: '', GATEWAY_CONFIG: '', ...env },
    });
    processes.push(proc);
    gatewayProcs.set(name, proc);
    const r = proc.ready as Record<string, number>;
    startup[name] = {
      spawn_to_ready_ms: round(proc.spawnToReadyMs, 1),
      ready_ms: r.ready_ms!,
      import_ms: r.import_ms!,
      build_ms: r.build_ms!,
      start_ms: r.start_ms!,
      peak_rss_mb: null,
    };
    log(
      `gateway ${name} ${String(proc.ready.url)} (pid ${proc.pid}): ready ${r.ready_ms} ms after process start, buildGateway ${r.build_ms === null ? 'in each worker' : `${r.build_ms} ms`}`,
    );
    return proc;
  }

  if (wanted('routing')) {
    const gw = await startGatewayProcess('routing', 'routing', {});
    targetsByScenario.set('routing', {
      request: get(String(gw.ready.url), `/v2/customers/${CUSTOMER}`),
      pids: () => [gw.pid],
      expect: 200,
    });
  }
  // The fastify peer trusts this gateway's issuer, so it needs it running too.
  if (wanted('full_chain') || wanted('post_validated') || wanted('fastify_peer')) {
    const gw = await startGatewayProcess('full_chain', 'full', {});
    const url = String(gw.ready.url);
    const auth = { authorization: `Bearer ${await issueTestToken(url, { scope: 'customers:read orders:write' })}` };
    targetsByScenario.set('full_chain', { request: get(url, `/v2/customers/${CUSTOMER}`, auth), pids: () => [gw.pid], expect: 200 });
    targetsByScenario.set('post_validated', { request: post(url, '/v1/orders', auth), pids: () => [gw.pid], expect: 201 });
    if (wanted('fastify_peer')) {
      // The same token as full_chain, verified against the same JWKS, with the issuer and audience
      // the bench config leaves at the gateway's defaults (security.auth.issuer, .audience).
      const peer = await spawnReady(
        process.execPath,
        [
          await built('fastify-peer.ts'),
          '--upstream',
          upstreamUrl,
          '--jwks',
          `${url}/.well-known/jwks.json`,
          '--issuer',
          GATEWAY_ISSUER,
          '--audience',
          GATEWAY_AUDIENCE,
        ],
        { cwd: ROOT },
      );
      processes.push(peer);
      const peerUrl = String(peer.ready.url);
      log(`fastify peer ${peerUrl} (pid ${peer.pid})`);
      targetsByScenario.set('fastify_peer', {
        request: get(peerUrl, `/v2/customers/${CUSTOMER}`, auth),
        pids: () => [peer.pid],
        expect: 200,
      });
    }
  }
  if (wanted('full_chain_redis')) {
    const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
    if (!(await redisReachable(redisUrl))) {
      skipped.full_chain_redis = `Redis is not reachable at ${redisUrl}`;
      log(`full_chain_redis skipped: ${skipped.full_chain_redis}`);
    } else {
      const gw = await startGatewayProcess('full_chain_redis', 'full', { REDIS_URL: redisUrl });
      const url = String(gw.ready.url);
      const auth = { authorization: `Bearer ${await issueTestToken(url, { scope: 'customers:read orders:write' })}` };
      targetsByScenario.set('full_chain_redis', {
        request: get(url, `/v2/customers/${CUSTOMER}`, auth),
        pids: () => [gw.pid],
        expect: 200,
      });
    }
  }

  // Every core: two gateway workers against two nginx workers. The gateway's CPU is the primary's
  // (it accepts and hands out the connections) plus its workers'.
  if (wanted('nginx_2_workers')) {
    const nginx = findNginx();
    if (!nginx) skipped.nginx_2_workers = 'nginx is not installed (apt-get install -y nginx)';
    else {
      const proc = await startNginx(nginx, join(work, 'nginx-2'), await freePort(), upstreamUrl, 2);
      processes.push(proc);
      log(`nginx ${String(proc.ready.url)} (2 workers)`);
      targetsByScenario.set('nginx_2_workers', {
        request: get(String(proc.ready.url), `/customers/${CUSTOMER}`),
        pids: proc.workerPids,
        expect: 200,
      });
    }
  }
  if (wanted('full_chain_2_workers')) {
    const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
    if (!(await redisReachable(redisUrl))) {
      skipped.full_chain_2_workers = `Redis is not reachable at ${redisUrl} (server.workers: 2 needs it)`;
      log(`full_chain_2_workers skipped: ${skipped.full_chain_2_workers}`);
    } else {
      const keyFile = join(work, 'issuer-key.pem');
      writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
      const gw = await startGatewayProcess('full_chain_2_workers', 'full', { REDIS_URL: redisUrl }, { workers: 2, keyFile });
      const url = String(gw.ready.url);
      const auth = { authorization: `Bearer ${await issueTestToken(url, { scope: 'customers:read orders:write' })}` };
      targetsByScenario.set('full_chain_2_workers', {
        request: get(url, `/v2/customers/${CUSTOMER}`, auth),
        pids: () => [gw.pid, ...childrenOf(gw.pid)],
        expect: 200,
      });
    }
  }

  const scenarios = SCENARIO_ORDER.filter((name) => wanted(name) && targetsByScenario.has(name));
  // One request each first: a scenario that answers an error would measure the error path.
  for (const name of scenarios) {
    const { request, expect } = targetsByScenario.get(name)!;
    const res = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body ? { body: request.body } : {}),
    });
    const text = await res.text();
    if (res.status !== expect)
      throw new Error(`${name}: ${request.method} ${request.url} answered ${res.status}, expected ${expect}: ${text.slice(0, 500)}`);
  }

  const runOne = (name: ScenarioName, durationSeconds: number): Promise<LoadResult> => {
    const { request } = targetsByScenario.get(name)!;
    const options = { ...load, durationSeconds };
    return wrk ? runWrk(wrk, work, name, request, options) : runAutocannon(request, options);
  };
  if (warmupSeconds > 0) {
    log(`warm-up: ${warmupSeconds} s per scenario`);
    for (const name of scenarios) await runOne(name, warmupSeconds);
  }

  const results = new Map<ScenarioName, { runs: (LoadResult & { cpuUs: number })[]; rss: number | undefined }>();
  for (let r = 1; r <= rounds; r++) {
    for (const name of scenarios) {
      const { pids } = targetsByScenario.get(name)!;
      const sampler = sampleRss(pids);
      const cpuBefore = cpuMsOf(pids());
      const result = await runOne(name, load.durationSeconds);
      const cpuUs = ((cpuMsOf(pids()) - cpuBefore) * 1000) / Math.max(1, result.requests);
      const rss = sampler.stop();
      const entry = results.get(name) ?? { runs: [], rss: undefined };
      entry.runs.push({ ...result, cpuUs });
      if (rss !== undefined) entry.rss = Math.max(entry.rss ?? 0, rss);
      results.set(name, entry);
      log(
        `round ${r}/${rounds} ${name.padEnd(17)} ${Math.round(result.rps).toString().padStart(7)} rps  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  ${cpuUs.toFixed(0)} µs CPU/request${result.errors ? `  ${result.errors} ERRORS` : ''}`,
      );
    }
  }

  const figures: Record<string, ScenarioFigures> = {};
  for (const [name, { runs, rss }] of results) {
    figures[name] = {
      rps: round(median(runs.map((x) => x.rps)), 0),
      p50_ms: round(median(runs.map((x) => x.p50Ms))),
      p99_ms: round(median(runs.map((x) => x.p99Ms))),
      rss_mb: rss === undefined ? null : round(rss, 1),
      cpu_us_per_request: round(median(runs.map((x) => x.cpuUs)), 0),
      rounds: runs.map((x) => ({
        rps: round(x.rps, 0),
        p50_ms: round(x.p50Ms),
        p99_ms: round(x.p99Ms),
        cpu_us_per_request: round(x.cpuUs, 0),
      })),
      errors: runs.reduce((n, x) => n + x.errors, 0),
    };
  }
  for (const [name, proc] of gatewayProcs) {
    const hwm = memoryOf(proc.pid)?.hwmMb;
    if (startup[name] && hwm !== undefined) startup[name].peak_rss_mb = round(hwm, 1);
  }

  const { rps, p99, cpu } = ratios(figures);
  const mem = totalmem() / 1024 ** 3;
  const report: BenchReport = {
    machine: {
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
      memory_gb: round(mem, 1),
      node: process.version,
      platform: `${platform()} ${release()}`,
    },
    settings: {
      tool,
      connections: load.connections,
      duration_s: load.durationSeconds,
      rounds,
      warmup_s: warmupSeconds,
      nginx_workers: nginxWorkers,
    },
    scenarios: figures,
    ratios: rps,
    p99_ratios: p99,
    cpu_ratios: cpu,
    startup,
    targets: [],
    skipped,
  };
  report.targets = targets(report);

  await stopAll();
  if (args.webhooks) report.webhooks = await webhooksBench();

  process.stdout.write(`${formatTable(report)}\n`);
  if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
}

/**
 * The webhooks benchmark (test/bench/webhooks.ts), run once the HTTP runs are over: on the embedded
 * backend (PGlite + in-process bus) and on the real one (PostgreSQL + NATS JetStream), one after the other.
 */
async function webhooksBench(): Promise<Record<'embedded' | 'real', unknown>> {
  return { embedded: await webhooksRun('embedded'), real: await webhooksRun('real') };
}

function webhooksRun(backend: 'embedded' | 'real'): Promise<unknown> {
  log(`webhooks (${backend}): npx tsx test/bench/webhooks.ts`);
  const env = { ...process.env, WEBHOOKS_BENCH_BACKEND: backend };
  return new Promise((ok) => {
    const child = spawn('npx', ['tsx', join(HERE, 'webhooks.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('exit', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        ok(JSON.parse(last));
      } catch {
        ok({ error: `webhooks bench (${backend}) exited ${code} without a JSON line` });
      }
    });
  });
}

let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  stopping ??= Promise.all(processes.map((p) => p.stop())).then(() => rmSync(work, { recursive: true, force: true }));
  return stopping;
}

process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));
try {
  await main();
} catch (err) {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  await stopAll();
  process.exit(1);
}
