/**
 * What the benchmark prints: a table for people and one JSON object for machines (the last line,
 * with --json). Ratios compare a scenario with its baselines, each for the same request (GETs to the
 * GET baselines, the POSTs to the POST baselines): throughput to nginx and to the bare upstream
 * (`<name>_vs_nginx`, `<name>_vs_direct`), and throughput, p99 and CPU per request to the bare Node
 * proxy and to the fastify peer (`vs_node_proxy.<name>`, `vs_fastify_peer.<name>`).
 */
export interface ScenarioFigures {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** Peak RSS of the process serving the scenario (gateway, nginx worker, or the upstream for direct). */
  rss_mb: number | null;
  /**
   * CPU time (user + system) that process spent per request. Unlike rps it barely moves when other
   * work shares the machine, so it is the figure to compare optimisations by.
   */
  cpu_us_per_request: number;
  /** Per round, in run order. */
  rounds: { rps: number; p50_ms: number; p99_ms: number; cpu_us_per_request: number }[];
  errors: number;
}

export interface BenchReport {
  machine: { cpus: number; cpu_model: string; memory_gb: number; node: string; platform: string };
  settings: { tool: string; connections: number; duration_s: number; rounds: number; warmup_s: number; nginx_workers: number | null };
  scenarios: Record<string, ScenarioFigures>;
  ratios: Ratios;
  p99_ratios: Ratios;
  /** CPU per request against the bare Node proxy's and the fastify peer's (lower is cheaper). */
  cpu_ratios: PeerRatios;
  startup: Record<
    string,
    {
      spawn_to_ready_ms: number;
      ready_ms: number;
      import_ms: number;
      build_ms: number | null;
      start_ms: number;
      peak_rss_mb: number | null;
    }
  >;
  targets: { name: string; value: number | null; limit: string; met: boolean | null }[];
  skipped: Record<string, string>;
  webhooks?: unknown;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Ratios to the two Node.js references, by scenario. */
export interface PeerRatios {
  vs_node_proxy: Record<string, number>;
  vs_fastify_peer: Record<string, number>;
}

/** `<name>_vs_nginx` and `<name>_vs_direct`, beside the ratios to the Node.js references. */
export type Ratios = { [nameVsBaseline: `${string}_vs_${string}`]: number } & PeerRatios;

/** What a scenario is compared with: the scenario serving the same request in each reference. */
export interface Baselines {
  nginx: string;
  direct: string;
  node_proxy?: string;
  fastify_peer?: string;
}

const GET_BASELINES = { nginx: 'nginx', direct: 'direct', node_proxy: 'node_proxy', fastify_peer: 'fastify_peer' };

/**
 * Baselines of each gateway scenario, and of the references themselves. The POST has no fastify
 * peer: the peer serves the full chain's GET only.
 */
export const BASELINES: Record<string, Baselines> = {
  node_proxy: { nginx: 'nginx', direct: 'direct' },
  // The framework alone: what Hono on @hono/node-server costs over node:http.
  hono_proxy: { nginx: 'nginx', direct: 'direct', node_proxy: 'node_proxy' },
  fastify_peer: { nginx: 'nginx', direct: 'direct', node_proxy: 'node_proxy' },
  node_proxy_post: { nginx: 'nginx_post', direct: 'direct_post' },
  hono_proxy_post: { nginx: 'nginx_post', direct: 'direct_post', node_proxy: 'node_proxy_post' },
  routing: GET_BASELINES,
  full_chain: GET_BASELINES,
  full_chain_redis: GET_BASELINES,
  // Two processes against two: the gateway with server.workers: 2 and nginx with worker_processes 2.
  nginx_2_workers: { nginx: 'nginx', direct: 'direct' },
  full_chain_2_workers: { nginx: 'nginx_2_workers', direct: 'direct' },
  post_validated: { nginx: 'nginx_post', direct: 'direct_post', node_proxy: 'node_proxy_post' },
};

export function ratios(scenarios: Record<string, ScenarioFigures>): { rps: Ratios; p99: Ratios; cpu: PeerRatios } {
  const rps: Ratios = { vs_node_proxy: {}, vs_fastify_peer: {} };
  const p99: Ratios = { vs_node_proxy: {}, vs_fastify_peer: {} };
  const cpu: PeerRatios = { vs_node_proxy: {}, vs_fastify_peer: {} };
  for (const [name, bases] of Object.entries(BASELINES)) {
    const s = scenarios[name];
    if (!s) continue;
    for (const base of ['nginx', 'direct'] as const) {
      const b = scenarios[bases[base]];
      if (!b) continue;
      rps[`${name}_vs_${base}`] = round(s.rps / b.rps);
      p99[`${name}_vs_${base}`] = round(s.p99_ms / b.p99_ms);
    }
    for (const base of ['node_proxy', 'fastify_peer'] as const) {
      const b = bases[base] === undefined ? undefined : scenarios[bases[base]];
      if (!b) continue;
      rps[`vs_${base}`][name] = round(s.rps / b.rps);
      p99[`vs_${base}`][name] = round(s.p99_ms / b.p99_ms);
      // A baseline that measured no CPU (a run too short for a clock tick) gives no ratio, not Infinity.
      if (b.cpu_us_per_request > 0) cpu[`vs_${base}`][name] = round(s.cpu_us_per_request / b.cpu_us_per_request);
    }
  }
  return { rps, p99, cpu };
}

/** The targets, each a ratio within one run, so a busy or a quiet machine moves both sides alike. */
export function targets(report: Pick<BenchReport, 'scenarios' | 'ratios' | 'p99_ratios' | 'cpu_ratios'>): BenchReport['targets'] {
  const full = report.scenarios.full_chain;
  const redis = report.scenarios.full_chain_redis;
  const check = (name: string, value: number | undefined | null, limit: string, ok: (v: number) => boolean) => ({
    name,
    value: value ?? null,
    limit,
    met: value === undefined || value === null ? null : ok(value),
  });
  return [
    check('full chain rps / node_proxy', report.ratios.vs_node_proxy.full_chain, '>= 0.75', (v) => v >= 0.75),
    check("full chain CPU per request / node_proxy's", report.cpu_ratios.vs_node_proxy.full_chain, '<= 1.35', (v) => v <= 1.35),
    check('full chain rps / fastify_peer', report.ratios.vs_fastify_peer.full_chain, '>= 1.5', (v) => v >= 1.5),
    check('full chain p99 / node_proxy p99', report.p99_ratios.vs_node_proxy.full_chain, '<= 1.5', (v) => v <= 1.5),
    check('full chain (Redis) rps / full chain rps', full && redis ? round(redis.rps / full.rps) : null, '>= 0.9', (v) => v >= 0.9),
    check('validated POST rps / node_proxy_post', report.ratios.vs_node_proxy.post_validated, '>= 0.7', (v) => v >= 0.7),
  ];
}

const pad = (s: string, n: number, right = false) => (right ? s.padEnd(n) : s.padStart(n));

export function formatTable(report: BenchReport): string {
  const out: string[] = [];
  const m = report.machine;
  out.push(`Machine: ${m.cpus} cores (${m.cpu_model}), ${m.memory_gb} GB, Node ${m.node}, ${m.platform}`);
  const st = report.settings;
  out.push(
    `Load: ${st.tool}, ${st.connections} connections, ${st.duration_s} s per run, ${st.rounds} interleaved rounds (median shown), ${st.warmup_s} s warm-up${st.nginx_workers ? `, nginx worker_processes ${st.nginx_workers}` : ''}`,
  );
  out.push('');
  const header = [
    pad('scenario', 18, true),
    pad('rps', 9),
    pad('p50 ms', 8),
    pad('p99 ms', 8),
    pad('RSS MB', 8),
    pad('CPU µs/req', 11),
    pad('vs nginx', 9),
    pad('vs direct', 10),
    pad('vs node', 8),
    pad('vs peer', 8),
    pad('CPU vs node', 12),
    pad('CPU vs peer', 12),
    pad('errors', 7),
  ];
  out.push(header.join(' '));
  out.push('-'.repeat(header.join(' ').length));
  for (const [name, s] of Object.entries(report.scenarios)) {
    const vsNginx = report.ratios[`${name}_vs_nginx`];
    const vsDirect = report.ratios[`${name}_vs_direct`];
    const x = (ratio: number | undefined, width: number) => pad(ratio === undefined ? '' : `${ratio.toFixed(2)}x`, width);
    out.push(
      [
        pad(name, 18, true),
        pad(String(Math.round(s.rps)), 9),
        pad(s.p50_ms.toFixed(2), 8),
        pad(s.p99_ms.toFixed(2), 8),
        pad(s.rss_mb === null ? '-' : s.rss_mb.toFixed(0), 8),
        pad(String(s.cpu_us_per_request), 11),
        x(vsNginx, 9),
        x(vsDirect, 10),
        x(report.ratios.vs_node_proxy[name], 8),
        x(report.ratios.vs_fastify_peer[name], 8),
        x(report.cpu_ratios.vs_node_proxy[name], 12),
        x(report.cpu_ratios.vs_fastify_peer[name], 12),
        pad(String(s.errors), 7),
      ].join(' '),
    );
  }
  for (const [name, why] of Object.entries(report.skipped)) out.push(`${pad(name, 18, true)} skipped: ${why}`);
  out.push(
    'vs node, vs peer: rps against node_proxy (node_proxy_post for the POST) and fastify_peer; CPU vs: CPU per request against theirs.',
  );
  out.push('');
  out.push('Start-up (all contracts loaded, schemas compiled):');
  for (const [name, s] of Object.entries(report.startup)) {
    out.push(
      `  ${pad(name, 17, true)} process start -> listening ${s.ready_ms.toFixed(0)} ms (Node + imports ${s.import_ms.toFixed(0)} ms, buildGateway ${s.build_ms === null ? 'in each worker' : `${s.build_ms.toFixed(0)} ms`}, startGateway ${s.start_ms.toFixed(0)} ms); spawn -> ready ${s.spawn_to_ready_ms.toFixed(0)} ms; peak RSS ${s.peak_rss_mb?.toFixed(0) ?? '-'} MB`,
    );
  }
  out.push('');
  out.push('Targets (ratios within this run):');
  for (const t of report.targets)
    out.push(
      `  ${t.met === null ? 'n/a ' : t.met ? 'met ' : 'MISS'}  ${t.name}: ${t.value === null ? 'not measured' : round(t.value)} (${t.limit})`,
    );
  return out.join('\n');
}
