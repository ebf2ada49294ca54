import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { concord } from '../diff/test-repository.ts';
import type { IntegrationMap } from '../map/integration-map.ts';
import { REPO_ROOT } from '../paths.ts';

/** The parts of the repository's files this test reads back, to compare the map with. */
interface ConfigFile {
  upstreams: Record<string, unknown>;
  apis: { contract: string; upstream: string; adapter?: string; lifecycle: { status: string; sunset?: string } }[];
}
interface OpenApiFile {
  info: { version: string };
}
interface EventsFile {
  components: { messages: Record<string, { name: string; 'x-concord-public'?: boolean }> };
}
interface PactJson {
  interactions: { type: string; description: string; contents: { content: { type: string } } }[];
}
const yaml = async <T>(file: string) => parse(await readFile(file, 'utf8')) as T;

async function map(args: string[] = []): Promise<IntegrationMap> {
  const result = await concord(['map', '--format', 'json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as IntegrationMap;
}

describe('concord map', { timeout: 120_000 }, () => {
  it('lists every API version, system API, event, partner and pact of the repository', async () => {
    const found = await map();
    const node = (id: string) => found.nodes.find((n) => n.id === id);
    const edge = (id: string) => found.edges.find((e) => e.id === id);
    const config = await yaml<ConfigFile>(join(REPO_ROOT, 'gateway/gateway.config.yaml'));

    for (const api of config.apis) {
      const contract = await yaml<OpenApiFile>(join(REPO_ROOT, 'contracts/openapi', `${api.contract}.yaml`));
      expect(node(`api:${api.contract}`)).toMatchObject({
        kind: 'api-version',
        contractVersion: contract.info.version,
        lifecycle: { status: api.lifecycle.status, ...(api.lifecycle.sunset ? { sunset: api.lifecycle.sunset } : {}) },
      });
      expect(edge(`api:${api.contract} -> system:${api.upstream}`)).toMatchObject({
        kind: 'routes',
        contract: `${api.contract}@${contract.info.version}`,
        ...(api.adapter ? { adapter: api.adapter } : {}),
      });
      // The demo partner may call every API.
      expect(edge(`partner:demo-partner -> api:${api.contract}`)?.kind).toBe('calls');
    }
    for (const upstream of Object.keys(config.upstreams)) expect(node(`system:${upstream}`)?.kind).toBe('system-api');

    const events = await yaml<EventsFile>(join(REPO_ROOT, 'contracts/asyncapi/events.v1.yaml'));
    for (const message of Object.values(events.components.messages)) {
      expect(node(`event:${message.name}`)).toMatchObject({ kind: 'event', public: message['x-concord-public'] === true });
      if (message['x-concord-public']) expect(edge(`event:${message.name} -> webhooks`)?.kind).toBe('delivers');
    }
    // Who sends each event: the service its `send` operation is tagged with.
    expect(edge('system:orders -> event:order.placed')?.kind).toBe('publishes');
    expect(edge('system:customers -> event:customer.created')?.kind).toBe('publishes');

    const pactFiles = (await readdir(join(REPO_ROOT, 'pacts'))).filter((f) => f.endsWith('.json') && f !== 'verification-results.json');
    const pactEdges = found.edges.filter((e) => e.kind === 'pact');
    expect(pactEdges.flatMap((e) => e.pacts.map((p) => p.pact)).sort()).toEqual(pactFiles.sort());
    for (const file of pactFiles) {
      const pact = JSON.parse(await readFile(join(REPO_ROOT, 'pacts', file), 'utf8')) as PactJson;
      for (const interaction of pact.interactions) {
        if (interaction.type !== 'Asynchronous/Messages') continue;
        // Every message pact makes its consumer a consumer of the event it describes.
        const consumes = found.edges.find(
          (e) => e.kind === 'consumes' && e.eventType === interaction.contents.content.type && e.pacts.some((p) => p.pact === file),
        );
        expect(consumes, `${file}: ${interaction.description}`).toBeDefined();
      }
    }
    expect(edge('event:order.cancelled -> system:inventory')?.pacts.map((p) => p.pact)).toEqual(['inventory-orders.json']);
  });

  describe('on a copy of the repository with an API and a pact added', () => {
    let root: string;
    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'concord-map-'));
      await cp(join(REPO_ROOT, 'contracts/openapi'), join(root, 'contracts/openapi'), { recursive: true });
      await cp(join(REPO_ROOT, 'contracts/asyncapi'), join(root, 'contracts/asyncapi'), { recursive: true });
      await cp(join(REPO_ROOT, 'gateway/gateway.config.yaml'), join(root, 'gateway/gateway.config.yaml'));
      await cp(join(REPO_ROOT, 'pacts'), join(root, 'pacts'), {
        recursive: true,
        filter: (src) => !src.endsWith('verification-results.json'),
      });
      await writeFile(
        join(root, 'contracts/openapi/petstore.v1.yaml'),
        'openapi: 3.1.0\ninfo: { title: Petstore, version: 1.4.2 }\npaths:\n  /pets:\n    get:\n      operationId: listPets\n      responses: { "200": { description: ok } }\n',
      );
      const config = await readFile(join(root, 'gateway/gateway.config.yaml'), 'utf8');
      await writeFile(
        join(root, 'gateway/gateway.config.yaml'),
        config
          .replace('upstreams:\n', 'upstreams:\n  petstore:\n    url: http://127.0.0.1:4010\n')
          .replace(
            'apis:\n',
            "apis:\n  - contract: petstore.v1\n    basePath: /pets-api\n    upstream: petstore\n    lifecycle: { status: deprecated, sunset: '2027-06-30' }\n",
          ),
      );
      const pact = {
        consumer: { name: 'audit-log' },
        provider: { name: 'customers' },
        interactions: [
          { type: 'Asynchronous/Messages', description: 'a customer.created event', contents: { content: { type: 'customer.created' } } },
        ],
        metadata: { pactSpecification: { version: '4.0' } },
      };
      await writeFile(join(root, 'pacts/audit-log-customers.json'), JSON.stringify(pact));
      // What `concord verify` would record for a failing run of the new pact (another content hash is "changed").
      const { contentHash } = await import('../pact/pact-file.ts');
      const record = {
        pact: 'audit-log-customers.json',
        consumer: 'audit-log',
        provider: 'customers',
        contentHash: contentHash(JSON.stringify(pact)),
        providerVersion: 'test',
        verification: 'failed',
        contractCheck: 'passed',
        failures: ['a customer.created event: $.data.email missing'],
        verifiedAt: '2026-01-01T00:00:00Z',
      };
      await writeFile(join(root, 'pacts/verification-results.json'), JSON.stringify({ results: { [record.pact]: record } }));
    });
    afterAll(() => rm(root, { recursive: true, force: true }));

    it('shows the new API version with its lifecycle and the new pact with its recorded failure', async () => {
      const found = await map(['--root', root]);
      expect(found.nodes.find((n) => n.id === 'api:petstore.v1')).toMatchObject({
        contractVersion: '1.4.2',
        lifecycle: { status: 'deprecated', sunset: '2027-06-30' },
      });
      expect(found.nodes.find((n) => n.id === 'system:petstore')?.kind).toBe('system-api');
      expect(found.edges.find((e) => e.id === 'partner:demo-partner -> api:petstore.v1')?.contract).toBe('petstore.v1@1.4.2');
      expect(found.edges.find((e) => e.id === 'api:petstore.v1 -> system:petstore')?.kind).toBe('routes');

      expect(found.nodes.find((n) => n.id === 'consumer:audit-log')?.kind).toBe('consumer');
      const consumes = found.edges.find((e) => e.id === 'event:customer.created -> consumer:audit-log');
      expect(consumes).toMatchObject({ kind: 'consumes', pactStatus: 'failed', contract: 'events.v1@1.0.0' });
      expect(consumes?.pacts[0]?.reason).toMatch(/provider verification failed: a customer.created event/);
      expect(found.edges.find((e) => e.id === 'consumer:audit-log -> system:customers (pact)')?.pactStatus).toBe('failed');
    });

    it('draws the same map as Mermaid and Graphviz dot', async () => {
      const mermaid = await concord(['map', '--format', 'mermaid', '--root', root]);
      expect(mermaid.code).toBe(0);
      expect(mermaid.stdout).toMatch(/^flowchart LR\n/);
      expect(mermaid.stdout).toContain('n_api_petstore_v1["petstore.v1 (/pets-api) deprecated, sunset 2027-06-30"]');
      expect(mermaid.stdout).toContain('n_event_customer_created -->|"events.v1@1.0.0, pact failed"| n_consumer_audit_log');
      const dot = await concord(['map', '--format=dot', '--root', root]);
      expect(dot.code).toBe(0);
      expect(dot.stdout).toMatch(/^digraph concord \{/);
      expect(dot.stdout).toContain('"event:customer.created" -> "consumer:audit-log" [label="events.v1@1.0.0, pact failed", color=red];');
    });
  });

  it('refuses an unknown format or option with exit 2 and the usage, and explains itself with --help', async () => {
    const bad = await concord(['map', '--format', 'svg']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be json, mermaid, dot, not svg\nusage: concord map/);
    const root = await concord(['map', '--root', tmpdir()]);
    expect(root.code).toBe(2);
    expect(root.stderr).toMatch(/has no contracts\/openapi/);
    const help = await concord(['map', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: concord map \[--format json\|mermaid\|dot\]/);
  });
});
