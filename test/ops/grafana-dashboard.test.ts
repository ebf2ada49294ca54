import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningGateway } from '@concord/gateway/src/main.ts';
import { type RunningServices, startServices } from '@concord/service-stack/src/start-services.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parsePrometheusText } from '../reliability/support/prometheus-text.ts';
import { startLocalGateway, writeGatewayConfig } from '../support/local-gateway.ts';
import { promqlMetricNames, queryableNames } from './support/promql-metric-names.ts';
import { hasPromtool, runPromtool } from './support/promtool.ts';

/**
 * ops/grafana/concord-integration.json: a row per boundary kind, and every metric its PromQL reads
 * (and every metric the alert rules read) is one the processes really expose: the names are
 * scraped from /metrics of a gateway on the committed config and of the four services.
 */
const DASHBOARD = fileURLToPath(new URL('../../ops/grafana/concord-integration.json', import.meta.url));
const RULES = fileURLToPath(new URL('../../ops/prometheus/concord-alerts.yaml', import.meta.url));
const BOUNDARIES = ['Partner -> gateway', 'Gateway -> system API', 'Outbox -> bus', 'Bus -> internal consumers', 'Bus -> webhooks'];

interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string }[];
}

const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[] };
const rules = parse(await readFile(RULES, 'utf8')) as { groups: { rules: { alert?: string; expr: string }[] }[] };

/** The panels under each row, in the order Grafana draws them. */
function rows(panels: readonly Panel[]): { title: string; panels: Panel[] }[] {
  const out: { title: string; panels: Panel[] }[] = [];
  for (const panel of panels) {
    if (panel.type === 'row') out.push({ title: panel.title, panels: [] });
    else {
      expect(out.length, `panel "${panel.title}" sits above every row`).toBeGreaterThan(0);
      out.at(-1)!.panels.push(panel);
    }
  }
  return out;
}

const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
// Grafana fills in $__rate_interval from the scrape interval; any duration will do for parsing.
const asPromql = (expr: string) => expr.replaceAll('$__rate_interval', '5m');
const promtool = hasPromtool('PromQL syntax of the Grafana dashboard');

describe('the Grafana dashboard', () => {
  it('has a row per boundary kind, in order, each with panels that query Prometheus', () => {
    const drawn = rows(dashboard.panels);
    expect(drawn.map((row) => row.title)).toEqual(BOUNDARIES);
    for (const row of drawn) {
      expect(row.panels.length, row.title).toBeGreaterThan(0);
      for (const panel of row.panels) {
        expect(panel.datasource?.type, panel.title).toBe('prometheus');
        expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
        for (const target of panel.targets!)
          expect(promqlMetricNames(target.expr).length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
      }
    }
  });

  it.skipIf(!promtool)('has PromQL that parses: promtool checks every query as a recording rule', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'concord-dashboard-'));
    try {
      const records = queries.map((q, i) => ({ record: `concord:dashboard_query_${i}`, expr: asPromql(q.expr) }));
      await writeFile(join(dir, 'dashboard.rules.yaml'), stringify({ groups: [{ name: 'dashboard', rules: records }] }));
      const run = runPromtool(['check', 'rules', 'dashboard.rules.yaml'], dir);
      expect(run.output).toContain(`SUCCESS: ${queries.length} rules found`);
      expect(run.status).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('metric names of the dashboard and the alert rules', () => {
  let dir: string;
  let services: RunningServices;
  let gateway: RunningGateway;
  const exposed = new Set<string>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-metric-names-'));
    services = await startServices({ dataDir: 'memory://' });
    const config = join(dir, 'gateway.config.yaml');
    await writeGatewayConfig(config);
    gateway = await startLocalGateway(config, services.urls);
    for (const url of [gateway.adminUrl, ...Object.values(services.urls)]) {
      const res = await fetch(`${url}/metrics`);
      expect(res.status, url).toBe(200);
      for (const name of queryableNames(parsePrometheusText(await res.text()).types)) exposed.add(name);
    }
  });
  afterAll(async () => {
    await gateway?.close();
    await services?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('are all exposed by the gateway or a service', () => {
    const missing = (exprs: { where: string; expr: string }[]) =>
      exprs.flatMap(({ where, expr }) => promqlMetricNames(expr).flatMap((name) => (exposed.has(name) ? [] : [`${where}: ${name}`])));
    expect(missing(queries.map((q) => ({ where: q.panel, expr: q.expr })))).toEqual([]);
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => ({ where: r.alert ?? 'record', expr: r.expr })));
    expect(missing(alerts)).toEqual([]);
  });

  it('would catch a name nobody exposes (and not a label value that looks like one)', () => {
    const names = promqlMetricNames('sum(rate(concord_http_requests_totl{partner="concord_acme"}[5m]))');
    expect(names).toEqual(['concord_http_requests_totl']);
    expect(exposed.has(names[0]!)).toBe(false);
    expect(exposed.has('concord_http_requests_total')).toBe(true);
  });
});
