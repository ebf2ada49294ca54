import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildIntegrationMap, edgeId, nodeIds, WEBHOOKS_NODE } from '@concord/contracts/src/map/build-map.ts';
import type { IntegrationMap, MapEdge, MapNode } from '@concord/contracts/src/map/integration-map.ts';
import { readMapSources } from '@concord/contracts/src/map/map-sources.ts';
import { REPO_ROOT } from '@concord/contracts/src/paths.ts';
import type { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from '../config/schema.ts';
import type { GatewayEnv } from '../env.ts';
import { type EdgeHealth, edgeHealth, type HealthStatus } from './edge-health.ts';
import { MAP_PAGE } from './map-page.ts';
import { createSampleRing, type Sample } from './metric-samples.ts';
import { parsePrometheusText } from './prometheus-text.ts';
import { createServiceScraper, type ScrapeResult } from './service-scraper.ts';

export interface LiveMapDeps {
  config: GatewayConfig;
  /** The gateway's own registry: the traffic of partner and API edges. */
  registry: Registry;
  fetch: typeof globalThis.fetch;
  now: () => number;
  /** The repository whose contracts and pacts the map is derived from (default: this checkout). */
  root?: string;
  /** NODE_ENV=production: the demo partner is refused there, so it is no node of the map. */
  production?: boolean;
}

export interface LiveMap extends Omit<IntegrationMap, 'edges'> {
  generatedAt: string;
  /** The configured window and the span the samples cover so far (shorter just after start). */
  window: { seconds: number; sampledSeconds: number };
  /** Whether each metrics source answered: the gateway itself and every service (upstream). */
  sources: Record<string, { ok: boolean; error?: string }>;
  summary: Record<HealthStatus, number>;
  edges: (MapEdge & { health: EdgeHealth })[];
}

/** The diagram library, served from node_modules: the page works without the internet. */
const CYTOSCAPE = createRequire(import.meta.url).resolve('cytoscape/dist/cytoscape.min.js');

/**
 * The live integration map of one gateway build: the static map (contracts, this config, pacts)
 * with every edge coloured from the metrics. The gateway samples its own registry and the services'
 * /metrics every few seconds into a ring that spans the window, so rates need no Prometheus server.
 */
export function createLiveMap(deps: LiveMapDeps) {
  const settings = deps.config.observability.map;
  const upstreams = Object.fromEntries(Object.entries(deps.config.upstreams).map(([name, u]) => [name, u.url]));
  const scraper = createServiceScraper({
    services: upstreams,
    fetch: deps.fetch,
    timeoutMs: settings.scrapeTimeoutMs,
    cacheMs: settings.scrapeCacheMs,
    now: deps.now,
  });
  const ring = createSampleRing(settings.windowSeconds * 1000);
  let scrapeErrors = new Map<string, string>();
  let staticMap: IntegrationMap | undefined;
  const { security } = deps.config;
  const served = deps.production ? { ...deps.config, security: { ...security, demo: { ...security.demo, enabled: false } } } : deps.config;
  const integrationMap = () => (staticMap ??= buildIntegrationMap(readMapSources(deps.root ?? REPO_ROOT, { gatewayConfig: served })));

  // The services are scraped only once someone has asked for the map: a gateway nobody looks at
  // (and every test that builds one) makes no calls for it. Its own registry is sampled from the start.
  let watched = false;
  const noScrape = Promise.resolve<ScrapeResult>({ series: new Map(), errors: new Map() });

  async function sample(): Promise<Sample> {
    const [own, services] = await Promise.all([deps.registry.metrics(), watched ? scraper.scrape() : noScrape]);
    const sources = new Map(services.series);
    sources.set('gateway', parsePrometheusText(own));
    const taken: Sample = { at: deps.now(), sources };
    scrapeErrors = services.errors;
    ring.add(taken);
    return taken;
  }

  let timer: NodeJS.Timeout | undefined;
  if (settings.enabled) {
    // The first sample is the base of the first rates; later ones keep the window filled.
    void sample().catch(() => undefined);
    timer = setInterval(() => void sample().catch(() => undefined), settings.sampleIntervalSeconds * 1000);
    timer.unref();
  }

  /** The service whose metrics describe a node: a system API by name, a consumer by its name's prefix. */
  const serviceOf = (nodeId: string) => {
    const name = nodeId.replace(/^(system|consumer):/, '');
    return Object.keys(upstreams).find((u) => name === u || name.startsWith(`${u}-`));
  };

  /** One node and one `delivers` edge per partner with webhook subscriptions: counts per event type, never URLs. */
  function withSubscriptions(map: IntegrationMap, latest: Sample, webhooksService: string | undefined): IntegrationMap {
    if (!webhooksService) return map;
    const counts = new Map<string, Record<string, number>>();
    for (const s of latest.sources.get(webhooksService) ?? []) {
      if (s.name !== 'concord_webhooks_subscriptions' || s.value <= 0) continue;
      const partner = s.labels['partner'] ?? '';
      const eventType = s.labels['event_type'] ?? '';
      const byType = counts.get(partner) ?? {};
      byType[eventType] = (byType[eventType] ?? 0) + s.value;
      counts.set(partner, byType);
    }
    const nodes: MapNode[] = [...map.nodes];
    const edges: MapEdge[] = [...map.edges];
    for (const [partner, byType] of [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const id = nodeIds.webhookPartner(partner);
      nodes.push({ id, kind: 'webhooks', label: `${partner} webhooks`, subscriptions: byType });
      for (const eventType of Object.keys(byType).sort()) {
        const event = nodeIds.event(eventType);
        const generic = map.edges.find((e) => e.id === edgeId(event, WEBHOOKS_NODE));
        edges.push({
          id: edgeId(event, id),
          from: event,
          to: id,
          kind: 'delivers',
          eventType,
          ...(generic?.contract ? { contract: generic.contract } : {}),
          pacts: [],
          pactStatus: 'none',
        });
      }
    }
    return { nodes, edges };
  }

  async function snapshot(): Promise<LiveMap> {
    watched = true;
    const latest = await sample();
    const from = ring.oldest();
    // The service that exposes the webhook metrics, and its last answer: a scrape that failed just
    // now must not make the partners' subscriptions vanish from the map (their edges say it failed).
    const answered = [...ring.all()].reverse();
    const webhooksService = answered
      .flatMap((s) => [...s.sources.entries()])
      .find(([, series]) => series.some((x) => x.name === 'concord_webhooks_deliveries_total'))?.[0];
    const lastWebhooks = webhooksService ? answered.find((s) => s.sources.has(webhooksService)) : undefined;
    const map = withSubscriptions(integrationMap(), lastWebhooks ?? latest, webhooksService);
    const input = {
      from: from === latest ? undefined : from,
      to: latest,
      samples: ring.all(),
      thresholds: settings.thresholds,
      scrapeErrors,
      serviceOf,
      webhooksService,
    };
    const edges = map.edges.map((edge) => ({ ...edge, health: edgeHealth(edge, input) }));
    const summary: Record<HealthStatus, number> = { green: 0, amber: 0, red: 0, unknown: 0 };
    for (const edge of edges) summary[edge.health.status]++;
    const sources: LiveMap['sources'] = { gateway: { ok: true } };
    for (const name of Object.keys(upstreams)) {
      const error = scrapeErrors.get(name);
      sources[name] = error ? { ok: false, error } : { ok: true };
    }
    return {
      generatedAt: new Date(latest.at).toISOString(),
      window: { seconds: settings.windowSeconds, sampledSeconds: Math.round((latest.at - (from?.at ?? latest.at)) / 1000) },
      sources,
      summary,
      nodes: map.nodes,
      edges,
    };
  }

  let library: string | undefined;
  return {
    /** GET /map (JSON), /map.html (the drawing) and the library it draws with; on the operator surface only. */
    mount(app: Hono<GatewayEnv>): void {
      if (!settings.enabled) return;
      app.get('/map', async (c) => c.json(await snapshot(), 200, { 'cache-control': 'no-store' }));
      app.get('/map.html', (c) => c.html(MAP_PAGE, 200, { 'cache-control': 'no-store' }));
      app.get('/map/cytoscape.min.js', (c) => {
        library ??= readFileSync(CYTOSCAPE, 'utf8');
        return c.body(library, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600' });
      });
    },
    snapshot,
    close(): void {
      if (timer) clearInterval(timer);
    },
  };
}
