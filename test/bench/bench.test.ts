/**
 * Smoke test of `npm run bench`: it runs end to end with tiny durations and prints, on its last line,
 * one JSON object with every scenario that can run here (nginx only when installed, Redis only
 * when reachable: each absent one must be listed under `skipped`). Speed is not asserted.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GATEWAY_SCENARIOS = ['routing', 'full_chain', 'full_chain_redis', 'post_validated'];
/** Two processes against two: needs nginx and Redis, like the scenarios it is compared with. */
const TWO_WORKERS = ['nginx_2_workers', 'full_chain_2_workers'];
const ALL = [
  'direct',
  'direct_post',
  'nginx',
  'nginx_post',
  'node_proxy',
  'node_proxy_post',
  'hono_proxy',
  'hono_proxy_post',
  'fastify_peer',
  ...GATEWAY_SCENARIOS,
  ...TWO_WORKERS,
];
/** The gateway scenarios compared with the fastify peer: it serves the full chain's GET only. */
const GET_SCENARIOS = ['routing', 'full_chain', 'full_chain_redis'];

type PeerRatios = { vs_node_proxy: Record<string, number>; vs_fastify_peer: Record<string, number> };

interface Report {
  scenarios: Record<
    string,
    { rps: number; p50_ms: number; p99_ms: number; rss_mb: number | null; cpu_us_per_request: number; errors: number }
  >;
  ratios: Record<string, number> & PeerRatios;
  p99_ratios: Record<string, number> & PeerRatios;
  cpu_ratios: PeerRatios;
  startup: Record<string, { ready_ms: number; build_ms: number }>;
  skipped: Record<string, string>;
  targets: { name: string; value: number | null; met: boolean | null }[];
}

function bench(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'test/bench/run.ts', ...args],
      { cwd: ROOT, maxBuffer: 8 << 20, timeout: 240_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

describe('npm run bench', () => {
  it('runs every scenario end to end and prints the report as JSON on the last line', async () => {
    const stdout = await bench(['--duration', '1', '--rounds', '1', '--warmup', '0', '--connections', '4', '--json']);
    const last = stdout.trim().split('\n').pop()!;
    const report = JSON.parse(last) as Report;

    for (const name of ALL) {
      if (report.skipped[name]) continue;
      const s = report.scenarios[name];
      expect(s, `scenario ${name}`).toBeDefined();
      expect(s!.rps).toBeGreaterThan(0);
      // On a quiet machine a fast scenario's median is under the millisecond autocannon reports in: 0 is a latency.
      expect(s!.p50_ms, `scenario ${name}`).toBeGreaterThanOrEqual(0);
      expect(s!.p99_ms).toBeGreaterThanOrEqual(s!.p50_ms);
      expect(s!.errors, `${name}: every request must succeed, or the figures measure an error path`).toBe(0);
    }
    // Only nginx and Redis (and what needs them) may be missing, and each absence is said.
    expect(Object.keys(report.skipped).every((name) => ['nginx', 'nginx_post', 'full_chain_redis', ...TWO_WORKERS].includes(name))).toBe(
      true,
    );
    if (!report.skipped.full_chain_2_workers) {
      expect(report.ratios.full_chain_2_workers_vs_direct).toBeGreaterThan(0);
      if (!report.skipped.nginx_2_workers) expect(report.ratios.full_chain_2_workers_vs_nginx).toBeGreaterThan(0);
    }
    expect(report.ratios.node_proxy_vs_direct).toBeGreaterThan(0);
    for (const name of GATEWAY_SCENARIOS) {
      if (report.skipped[name]) continue;
      expect(report.scenarios[name]!.rss_mb).toBeGreaterThan(0);
      expect(report.ratios[`${name}_vs_direct`]).toBeGreaterThan(0);
      if (!report.skipped.nginx) expect(report.ratios[`${name}_vs_nginx`]).toBeGreaterThan(0);
    }
    // Every gateway scenario against the bare Node proxy on the same request, the GETs against the fastify peer.
    for (const name of GATEWAY_SCENARIOS) {
      if (report.skipped[name]) continue;
      expect(report.ratios.vs_node_proxy[name], `vs_node_proxy.${name}`).toBeGreaterThan(0);
      expect(report.p99_ratios.vs_node_proxy[name], `p99 vs_node_proxy.${name}`).toBeGreaterThan(0);
      const baseline = name === 'post_validated' ? 'node_proxy_post' : 'node_proxy';
      if (report.scenarios[baseline]!.cpu_us_per_request > 0) expect(report.cpu_ratios.vs_node_proxy[name]).toBeGreaterThanOrEqual(0);
    }
    for (const name of GET_SCENARIOS) {
      if (report.skipped[name]) continue;
      expect(report.ratios.vs_fastify_peer[name], `vs_fastify_peer.${name}`).toBeGreaterThan(0);
      expect(report.p99_ratios.vs_fastify_peer[name], `p99 vs_fastify_peer.${name}`).toBeGreaterThan(0);
    }
    expect(report.ratios.vs_fastify_peer.post_validated).toBeUndefined();
    expect(report.ratios.vs_node_proxy.fastify_peer).toBeGreaterThan(0);
    // The framework alone against node:http, on the GET and the POST.
    expect(report.ratios.vs_node_proxy.hono_proxy).toBeGreaterThan(0);
    expect(report.ratios.vs_node_proxy.hono_proxy_post).toBeGreaterThan(0);
    // Every target is a ratio measured in this run; only the Redis one may be missing, and only without Redis.
    for (const t of report.targets) {
      if (report.skipped.full_chain_redis && t.name.includes('Redis')) continue;
      expect(t.value, t.name).toBeGreaterThan(0);
      expect(typeof t.met, t.name).toBe('boolean');
    }
    expect(report.startup.full_chain!.ready_ms).toBeGreaterThan(0);
    expect(report.startup.full_chain!.build_ms).toBeGreaterThan(0);
    expect(report.targets.map((t) => t.name)).toEqual([
      'full chain rps / node_proxy',
      "full chain CPU per request / node_proxy's",
      'full chain rps / fastify_peer',
      'full chain p99 / node_proxy p99',
      'full chain (Redis) rps / full chain rps',
      'validated POST rps / node_proxy_post',
    ]);
    // The table comes before the JSON.
    expect(stdout).toContain('scenario');
  });

  it('loads with autocannon when asked (or when wrk is absent)', async () => {
    const stdout = await bench([
      '--only',
      'routing',
      '--tool',
      'autocannon',
      '--duration',
      '1',
      '--rounds',
      '1',
      '--warmup',
      '0',
      '--connections',
      '4',
      '--json',
    ]);
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as Report & { settings: { tool: string } };
    expect(report.settings.tool).toBe('autocannon');
    expect(report.scenarios.routing!.rps).toBeGreaterThan(0);
    expect(report.scenarios.direct!.rps).toBeGreaterThan(0);
  });
});
