import { deployMatrix, type MatrixRow } from '../pact/verification-results.ts';
import type { PactFile } from '../pact/pact-file.ts';
import type { EdgeKind, EdgePact, IntegrationMap, Lifecycle, MapEdge, MapNode, PactStatus } from './integration-map.ts';
import type { MapSources, OpenApiSummary } from './map-sources.ts';

type Json = Record<string, unknown>;
const record = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : value instanceof Date ? value.toISOString().slice(0, 10) : undefined;

/** The pact participant the gateway verifies as (pacts/providers.yaml). */
export const GATEWAY_PARTICIPANT = 'concord-gateway';
export const GATEWAY_NODE = 'gateway';
export const WEBHOOKS_NODE = 'webhooks';

export const nodeIds = {
  partner: (clientId: string) => `partner:${clientId}`,
  api: (contract: string) => `api:${contract}`,
  system: (upstream: string) => `system:${upstream}`,
  event: (type: string) => `event:${type}`,
  consumer: (name: string) => `consumer:${name}`,
  webhookPartner: (partner: string) => `webhooks:${partner}`,
};

export const edgeId = (from: string, to: string) => `${from} -> ${to}`;

/** Resolves a local `$ref` (`#/components/messages/X`) inside one document. */
function resolve(document: unknown, value: unknown): Json {
  const ref = text(record(value)['$ref']);
  if (!ref?.startsWith('#/')) return record(value);
  let at: unknown = document;
  for (const part of ref.slice(2).split('/')) at = record(at)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return resolve(document, at);
}

interface EventType {
  type: string;
  contract: string;
  public: boolean;
  publishers: string[];
  receivers: string[];
}

/**
 * Event types of an AsyncAPI document: the message `name`, who sends it (the `send` operation's
 * first tag, which names the service) and who receives it (`receive` operations: `x-concord-consumer`,
 * else the first tag, else the operation id).
 */
function eventTypes(id: string, document: unknown): EventType[] {
  const doc = record(document);
  const version = text(record(doc['info'])['version']) ?? '';
  const contract = `${id}@${version}`;
  const byType = new Map<string, EventType>();
  const messageName = (message: Json) => text(message['name']);
  for (const message of Object.values(record(record(doc['components'])['messages']))) {
    const m = record(message);
    const type = messageName(m);
    if (type) byType.set(type, { type, contract, public: m['x-concord-public'] === true, publishers: [], receivers: [] });
  }
  for (const [operationId, value] of Object.entries(record(doc['operations']))) {
    const operation = record(value);
    const action = text(operation['action']);
    const tag = text(resolve(doc, list(operation['tags'])[0])['name']);
    const who = action === 'receive' ? (text(operation['x-concord-consumer']) ?? tag ?? operationId) : tag;
    if (!who) continue;
    for (const ref of list(operation['messages'])) {
      const type = messageName(resolve(doc, ref));
      const entry = type ? byType.get(type) : undefined;
      if (!entry) continue;
      (action === 'receive' ? entry.receivers : entry.publishers).push(who);
    }
  }
  return [...byType.values()].sort((a, b) => (a.type < b.type ? -1 : 1));
}

/** The event types a message pact's interactions carry: the CloudEvents `type` of each message. */
function pactEventTypes(pact: PactFile): string[] {
  const types = new Set<string>();
  for (const interaction of pact.interactions) {
    if (interaction.type !== 'Asynchronous/Messages') continue;
    const type =
      text(record(interaction.contents?.content)['type']) ??
      /\b([a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*) event\b/.exec(interaction.description)?.[1];
    if (type) types.add(type);
  }
  return [...types].sort();
}

const STATUS_ORDER: Record<PactStatus, number> = { none: 0, verified: 1, unverified: 2, failed: 3 };

function worst(pacts: EdgePact[]): PactStatus {
  return pacts.reduce<PactStatus>((w, p) => (STATUS_ORDER[p.status] > STATUS_ORDER[w] ? p.status : w), 'none');
}

const lifecycleStatus = (value: string | undefined): Lifecycle => (value === 'deprecated' || value === 'retired' ? value : 'current');

/**
 * The static integration map of one repository: partners and the API versions they may call, each
 * version's system API (and adapter), the events each service publishes, who consumes them (AsyncAPI
 * `receive` operations and message pacts), the public events partners' webhooks receive, and every
 * pact between two parties, each edge with its contract version and pact verification status.
 */
export function buildIntegrationMap(sources: MapSources): IntegrationMap {
  const nodes = new Map<string, MapNode>();
  const edges = new Map<string, MapEdge>();
  const addNode = (node: MapNode) => {
    if (!nodes.has(node.id)) nodes.set(node.id, node);
  };
  const addEdge = (from: string, to: string, kind: EdgeKind, extra: Partial<MapEdge> = {}, pacts: EdgePact[] = []) => {
    const id = kind === 'pact' ? `${edgeId(from, to)} (pact)` : edgeId(from, to);
    const existing = edges.get(id);
    if (existing) {
      for (const p of pacts) if (!existing.pacts.some((q) => q.pact === p.pact)) existing.pacts.push(p);
      existing.pactStatus = worst(existing.pacts);
      return;
    }
    edges.set(id, { id, from, to, kind, ...extra, pacts: [...pacts], pactStatus: worst(pacts) });
  };

  const config = record(sources.gatewayConfig);
  const upstreams = Object.keys(record(config['upstreams']));
  const openapi = new Map<string, OpenApiSummary>(sources.openapi.map((c) => [c.id, c]));
  const matrix = deployMatrix(sources.pacts, sources.results);
  const rowOf = new Map<string, MatrixRow>(matrix.map((row) => [row.pact, row]));
  const edgePact = (pact: PactFile): EdgePact => {
    const row = rowOf.get(pact.name);
    return { pact: pact.name, status: row?.status ?? 'unverified', reason: row?.reason ?? 'never verified' };
  };

  addNode({ id: GATEWAY_NODE, kind: 'gateway', label: 'Concord gateway' });
  for (const upstream of upstreams) addNode({ id: nodeIds.system(upstream), kind: 'system-api', label: upstream });

  // Partners: the configured ones, and the demo partner while the config enables it.
  const security = record(config['security']);
  const partners: { clientId: string; name: string; apis: string[] | 'all' }[] = [];
  for (const p of list(security['partners'])) {
    const partner = record(p);
    const clientId = text(partner['clientId']);
    if (!clientId || partner['enabled'] === false) continue;
    const apis = list(partner['apis'])
      .map(text)
      .filter((a): a is string => a !== undefined);
    partners.push({ clientId, name: text(partner['name']) ?? clientId, apis });
  }
  const demo = record(security['demo']);
  if (demo['enabled'] !== false) {
    const clientId = text(demo['clientId']) ?? 'demo-partner';
    if (!partners.some((p) => p.clientId === clientId)) partners.push({ clientId, name: 'Demo partner', apis: 'all' });
  }
  for (const p of partners) addNode({ id: nodeIds.partner(p.clientId), kind: 'partner', label: p.name });

  // Pacts the gateway is the provider of, by the API version their requests reach.
  const gatewayPacts = sources.pacts.filter((p) => p.provider === GATEWAY_PARTICIPANT);
  const reaches = (pact: PactFile, basePath: string, summary: OpenApiSummary | undefined) => {
    const prefixes = new Set((summary?.paths ?? []).map((path) => `${basePath}/${path.split('/')[1] ?? ''}`));
    return pact.interactions.some((i) => {
      const path = i.request?.path;
      return path !== undefined && [...prefixes].some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
    });
  };

  for (const a of list(config['apis'])) {
    const api = record(a);
    const contract = text(api['contract']);
    const upstream = text(api['upstream']);
    if (!contract || !upstream) continue;
    const basePath = (text(api['basePath']) ?? '').replace(/\/+$/, '');
    const summary = openapi.get(contract);
    const lifecycle = record(api['lifecycle']);
    const apiNode = nodeIds.api(contract);
    const contractVersion = summary?.version;
    const speaks = contractVersion ? `${contract}@${contractVersion}` : contract;
    addNode({
      id: apiNode,
      kind: 'api-version',
      label: `${contract} (${basePath || '/'})`,
      ...(contractVersion ? { contractVersion } : {}),
      lifecycle: {
        status: lifecycleStatus(text(lifecycle['status'])),
        ...(text(lifecycle['deprecation']) ? { deprecation: text(lifecycle['deprecation']) } : {}),
        ...(text(lifecycle['sunset']) ? { sunset: text(lifecycle['sunset']) } : {}),
        ...(text(lifecycle['successor']) ? { successor: text(lifecycle['successor']) } : {}),
      },
    });
    addNode({ id: nodeIds.system(upstream), kind: 'system-api', label: upstream });
    const name = contract.split('.')[0] ?? contract;
    const covering = gatewayPacts.filter((p) => reaches(p, basePath, summary)).map(edgePact);
    for (const p of partners) {
      if (p.apis !== 'all' && !p.apis.includes(name)) continue;
      addEdge(nodeIds.partner(p.clientId), apiNode, 'calls', { contract: speaks }, covering);
    }
    // The gateway's own pacts with the system API, by the consumer name they are written under
    // (`gateway-customers-v1-adapter` for customers.v1).
    const gatewayConsumer = `gateway-${contract.replace('.', '-')}`;
    const upstreamPacts = sources.pacts.filter((p) => p.provider === upstream && p.consumer.startsWith(gatewayConsumer)).map(edgePact);
    const adapter = text(api['adapter']);
    addEdge(apiNode, nodeIds.system(upstream), 'routes', { contract: speaks, ...(adapter ? { adapter } : {}) }, upstreamPacts);
  }

  // A pact participant is the gateway, a system API of the config, or a consumer of its own.
  const participant = (name: string) => {
    if (name === GATEWAY_PARTICIPANT) return GATEWAY_NODE;
    if (upstreams.includes(name)) return nodeIds.system(name);
    addNode({ id: nodeIds.consumer(name), kind: 'consumer', label: name });
    return nodeIds.consumer(name);
  };
  const messagePacts = sources.pacts.map((pact) => ({ pact, types: pactEventTypes(pact) }));

  let hasPublic = false;
  for (const { id, document } of sources.asyncapi) {
    for (const event of eventTypes(id, document)) {
      const eventNode = nodeIds.event(event.type);
      addNode({
        id: eventNode,
        kind: 'event',
        label: event.type,
        contractVersion: event.contract.split('@')[1] ?? '',
        public: event.public,
      });
      const about = (p: (typeof messagePacts)[number]) => p.types.includes(event.type);
      for (const publisher of event.publishers) {
        const covering = messagePacts.filter((p) => about(p) && p.pact.provider === publisher).map((p) => edgePact(p.pact));
        addEdge(participant(publisher), eventNode, 'publishes', { contract: event.contract, eventType: event.type }, covering);
      }
      for (const receiver of event.receivers) {
        const covering = messagePacts.filter((p) => about(p) && p.pact.consumer === receiver).map((p) => edgePact(p.pact));
        addEdge(eventNode, participant(receiver), 'consumes', { contract: event.contract, eventType: event.type }, covering);
      }
      for (const { pact } of messagePacts.filter(about)) {
        addEdge(eventNode, participant(pact.consumer), 'consumes', { contract: event.contract, eventType: event.type }, [edgePact(pact)]);
      }
      if (event.public) {
        hasPublic = true;
        addEdge(eventNode, WEBHOOKS_NODE, 'delivers', { contract: event.contract, eventType: event.type });
      }
    }
  }
  if (hasPublic) addNode({ id: WEBHOOKS_NODE, kind: 'webhooks', label: "partners' webhooks" });

  // Every pact, as an edge from its consumer to its provider.
  for (const pact of sources.pacts) addEdge(participant(pact.consumer), participant(pact.provider), 'pact', {}, [edgePact(pact)]);

  const byId = (x: { id: string }, y: { id: string }) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  return { nodes: [...nodes.values()].sort(byId), edges: [...edges.values()].sort(byId) };
}
