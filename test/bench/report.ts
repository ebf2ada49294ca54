/**
 * What the benchmark prints: a table for people and one JSON object for machines (the last line,
 * with --json). Ratios compare throughput: a gateway scenario to nginx and to the bare upstream,
 * each for the same request (GETs to the GET baselines, the POST to the POST baselines).
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
  ratios: Record<string, number>;
  p99_ratios: Record<string, number>;
  startup: Record<
    string,
    { spawn_to_ready_ms: number; ready_ms: number; import_ms: number; build_ms: number; start_ms: number; peak_rss_mb: number | null }
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

/** Baselines of each gateway scenario, and of the bare Node proxy: [nginx scenario, direct scenario]. */
export const BASELINES: Record<string, [string, string]> = {
  node_proxy: ['nginx', 'direct'],
  routing: ['nginx', 'direct'],
  full_chain: ['nginx', 'direct'],
  full_chain_redis: ['nginx', 'direct'],
  post_validated: ['nginx_post', 'direct_post'],
};

export function ratios(scenarios: Record<string, ScenarioFigures>): { rps: Record<string, number>; p99: Record<string, number> } {
  const rps: Record<string, number> = {};
  const p99: Record<string, number> = {};
  for (const [name, [nginx, direct]] of Object.entries(BASELINES)) {
    const s = scenarios[name];
    if (!s) continue;
    const n = scenarios[nginx];
    const d = scenarios[direct];
    if (n) {
      rps[`${name}_vs_nginx`] = round(s.rps / n.rps);
      p99[`${name}_vs_nginx`] = round(s.p99_ms / n.p99_ms);
    }
    if (d) {
      rps[`${name}_vs_direct`] = round(s.rps / d.rps);
      p99[`${name}_vs_direct`] = round(s.p99_ms / d.p99_ms);
    }
  }
  return { rps, p99 };
}

export function targets(report: Pick<BenchReport, 'scenarios' | 'ratios' | 'p99_ratios' | 'startup'>): BenchReport['targets'] {
  const maxRss = Object.entries(report.scenarios)
    .filter(([name]) => name in BASELINES && name !== 'node_proxy')
    .reduce<number | null>((max, [, s]) => (s.rss_mb === null ? max : Math.max(max ?? 0, s.rss_mb)), null);
  const startup = report.startup.full_chain;
  const check = (name: string, value: number | undefined | null, limit: string, ok: (v: number) => boolean) => ({
    name,
    value: value ?? null,
    limit,
    met: value === undefined || value === null ? null : ok(value),
  });
  return [
    check('full chain rps / nginx', report.ratios.full_chain_vs_nginx, '>= 0.5', (v) => v >= 0.5),
    check('full chain p99 / nginx p99', report.p99_ratios.full_chain_vs_nginx, '<= 2', (v) => v <= 2),
    check('full chain (Redis) rps / nginx', report.ratios.full_chain_redis_vs_nginx, '>= 0.4', (v) => v >= 0.4),
    check('gateway peak RSS under load (MB)', maxRss, '< 200', (v) => v < 200),
    check('start-up, process start to listening (ms)', startup?.ready_ms, '< 1000', (v) => v < 1000),
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
    pad('errors', 7),
  ];
  out.push(header.join(' '));
  out.push('-'.repeat(header.join(' ').length));
  for (const [name, s] of Object.entries(report.scenarios)) {
    const vsNginx = report.ratios[`${name}_vs_nginx`];
    const vsDirect = report.ratios[`${name}_vs_direct`];
    out.push(
      [
        pad(name, 18, true),
        pad(String(Math.round(s.rps)), 9),
        pad(s.p50_ms.toFixed(2), 8),
        pad(s.p99_ms.toFixed(2), 8),
        pad(s.rss_mb === null ? '-' : s.rss_mb.toFixed(0), 8),
        pad(String(s.cpu_us_per_request), 11),
        pad(vsNginx === undefined ? '' : `${vsNginx.toFixed(2)}x`, 9),
        pad(vsDirect === undefined ? '' : `${vsDirect.toFixed(2)}x`, 10),
        pad(String(s.errors), 7),
      ].join(' '),
    );
  }
  for (const [name, why] of Object.entries(report.skipped)) out.push(`${pad(name, 18, true)} skipped: ${why}`);
  out.push('');
  out.push('Start-up (all contracts loaded, schemas compiled):');
  for (const [name, s] of Object.entries(report.startup)) {
    out.push(
      `  ${pad(name, 17, true)} process start -> listening ${s.ready_ms.toFixed(0)} ms (Node + imports ${s.import_ms.toFixed(0)} ms, buildGateway ${s.build_ms.toFixed(0)} ms, startGateway ${s.start_ms.toFixed(0)} ms); spawn -> ready ${s.spawn_to_ready_ms.toFixed(0)} ms; peak RSS ${s.peak_rss_mb?.toFixed(0) ?? '-'} MB`,
    );
  }
  out.push('');
  out.push('Targets:');
  for (const t of report.targets)
    out.push(
      `  ${t.met === null ? 'n/a ' : t.met ? 'met ' : 'MISS'}  ${t.name}: ${t.value === null ? 'not measured' : round(t.value)} (${t.limit})`,
    );
  return out.join('\n');
}
