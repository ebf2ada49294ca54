import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { openApiContracts } from '@concord/contracts/generated/index.ts';
import { REPO_ROOT } from '@concord/contracts/src/paths.ts';
import { loadConfigFile } from '../config/load-config.ts';
import { configFrom, testGateway } from '../testing/test-gateway.ts';
import { createPortal, defaultPortalEvents } from './portal.ts';

const config = configFrom({
  upstreams: { customers: { url: 'http://127.0.0.1:1' }, orders: { url: 'http://127.0.0.1:1' } },
  apis: [
    { contract: 'customers.v2', basePath: '/v2', upstream: 'customers' },
    {
      contract: 'customers.v1',
      basePath: '/v1',
      upstream: 'customers',
      adapter: 'customers-v1-from-v2',
      lifecycle: { status: 'deprecated', deprecation: '2025-07-01', sunset: '2027-01-01', successor: 'customers.v2' },
    },
    {
      contract: 'orders.v1',
      basePath: '/v1',
      upstream: 'orders',
      lifecycle: { status: 'deprecated', deprecation: '2024-01-01', sunset: '2025-01-01', successor: 'customers.v2' },
    },
  ],
});

describe('the developer portal', () => {
  const portal = createPortal({ config, now: () => Date.parse('2026-06-01T00:00:00Z') });

  it('lists every configured API version with its lifecycle, reference and contract link', async () => {
    const res = await portal.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/<tr data-api="customers.v2" data-lifecycle="current">/);
    expect(html).toMatch(/<tr data-api="customers.v1" data-lifecycle="deprecated">[\s\S]*2025-07-01[\s\S]*2027-01-01[\s\S]*customers\.v2/);
    // Past its sunset date: listed as retired.
    expect(html).toMatch(/<tr data-api="orders.v1" data-lifecycle="retired">/);
    expect(html).toContain('href="/docs/apis/customers.v1"');
    expect(html).toContain('href="/contracts/customers.v1.yaml"');
    expect(html).not.toContain('inventory.v1');
  });

  it('serves the original contract files at stable URLs, only for public versions', async () => {
    const res = await portal.request('/contracts/customers.v2.yaml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    const written = await readFile(`${REPO_ROOT}/contracts/openapi/customers.v2.yaml`, 'utf8');
    expect(await res.text()).toBe(written);
    // The same contract in JSON, for tooling that reads only JSON: the same document.
    const json = await portal.request('/contracts/customers.v2.json');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await json.json()).toEqual(parse(written));
    const gateway = testGateway({ ...configInput(), defaults: { policies: { public: true } } });
    try {
      const missing = await gateway.app.request('/contracts/inventory.v1.yaml');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toBe('application/problem+json');
      expect((await gateway.app.request('/contracts/../package.json')).status).toBe(404);
      expect((await gateway.app.request('/contracts/customers.v2.yml')).status).toBe(404);
    } finally {
      await gateway.close();
    }
  });

  it('serves Scalar from node_modules and a reference page per version that uses it', async () => {
    const page = await (await portal.request('/docs/apis/customers.v1')).text();
    expect(page).toContain('<script src="/docs/assets/scalar.js"></script>');
    expect(page).toContain('"url":"/contracts/customers.v1.yaml"');
    expect(page).toContain('"withDefaultFonts":false');
    expect(page).not.toMatch(/https?:\/\/(cdn|unpkg|fonts)/);
    const bundle = await portal.request('/docs/assets/scalar.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
  });

  it('shows only the public events of the AsyncAPI contract', async () => {
    const html = await (await portal.request('/docs/events')).text();
    expect(html).toContain('data-event="order.placed"');
    expect(html).toContain('data-event="customer.created"');
    expect(html).not.toContain('data-event="inventory.reserved"');
  });

  it("renders each event's data schema through allOf and $ref: fields, types, required, descriptions; and an example payload", async () => {
    const html = await (await portal.request('/docs/events')).text();
    const section = sectionOf(html, 'customer.created');
    const row = (field: string) =>
      new RegExp(`<tr data-field="${field.replace(/[.[\]]/g, '\\$&')}">([\\s\\S]*?)</tr>`).exec(section)?.[1] ?? '';
    // customer.created's data is a $ref to Customer inside the allOf of envelope and message part.
    expect(row('id')).toContain('<code>string</code>');
    expect(row('id')).toContain('required');
    expect(row('id')).toContain('Customer identifier');
    expect(row('email')).toContain('<code>string (email)</code>');
    expect(row('name_prefix')).toContain('<code>string | null</code>');
    expect(row('address')).toContain('<code>object | null</code>');
    expect(row('address.city')).toContain('required');
    expect(row('address.line2')).toContain('optional');
    expect(section).not.toContain('<pre><code>{}</code></pre>');
    // The example payload is the contract's own message example.
    const example = /<pre data-example="customer.created"><code>([\s\S]*?)<\/code><\/pre>/.exec(section)?.[1] ?? '';
    expect(JSON.parse(unescapeHtml(example))).toMatchObject({
      type: 'customer.created',
      data: { given_name: 'Ada', family_name: 'Lovelace' },
    });
    // An array of objects: order lines, each field by its path.
    const order = sectionOf(html, 'order.placed');
    expect(order).toMatch(/<tr data-field="lines\[\]\.sku">[\s\S]*?required/);
  });

  it('lists the events of every AsyncAPI contract it is given, and serves each such contract for download', async () => {
    const audit = {
      'audit.recorded': {
        channel: 'concord.audit.recorded',
        title: 'Audit recorded',
        summary: 'Something was audited.',
        public: true,
        audience: 'all' as const,
        schema: {
          allOf: [
            { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
            {
              type: 'object',
              required: ['data'],
              properties: {
                data: { type: 'object', required: ['actor'], properties: { actor: { type: 'string', description: 'Who did it.' } } },
              },
            },
          ],
        },
        examples: [{ payload: { type: 'audit.recorded', data: { actor: 'ada' } } }],
      },
    };
    const withTwo = createPortal({
      config,
      // Written in JSON: linked as written, and served in YAML too.
      events: { ...defaultPortalEvents(), 'audit.v1': { catalog: audit, source: { text: '{ "asyncapi": "3.0.0" }\n', format: 'json' } } },
    });
    const html = await (await withTwo.request('/docs/events')).text();
    expect(html).toContain('data-contract="events.v1"');
    expect(html).toMatch(/<section id="audit\.recorded" data-event="audit\.recorded" data-contract="audit\.v1">/);
    expect(sectionOf(html, 'audit.recorded')).toMatch(/<tr data-field="actor">[\s\S]*?required[\s\S]*?Who did it\./);
    const asWritten = await withTwo.request('/contracts/audit.v1.json');
    expect(asWritten.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await asWritten.text()).toBe('{ "asyncapi": "3.0.0" }\n');
    expect(await (await withTwo.request('/contracts/audit.v1.yaml')).text()).toBe('asyncapi: 3.0.0\n');
    const index = await (await withTwo.request('/docs')).text();
    expect(index).toContain('href="/contracts/audit.v1.json" download>audit.v1.json</a>');
    expect(index).toContain('href="/contracts/events.v1.yaml" download>events.v1.yaml</a>');
  });

  it('serves a contract written across files bundled, in both formats, since the files it refers to are not published', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'concord-portal-split-'));
    try {
      const split = structuredClone(openApiContracts['customers.v2']!) as unknown as Record<string, unknown>;
      await writeFile(join(dir, 'shared.yaml'), 'Note:\n  type: object\n  properties:\n    text: { type: string }\n');
      const text = `${stringify(split)}x-note:\n  $ref: './shared.yaml#/Note'\n`;
      await writeFile(join(dir, 'customers.v2.yaml'), text);
      const withSplit = createPortal({
        config,
        contracts: {
          ...Object.fromEntries(
            ['customers.v1', 'orders.v1'].map((id) => [
              id,
              { document: openApiContracts[id]!, source: { text: 'openapi: 3.1.0\n', format: 'yaml' } },
            ]),
          ),
          'customers.v2': {
            document: openApiContracts['customers.v2']!,
            source: { text, format: 'yaml', path: join(dir, 'customers.v2.yaml') },
          },
        },
      });
      for (const format of ['yaml', 'json'] as const) {
        const res = await withSplit.request(`/contracts/customers.v2.${format}`);
        expect(res.status).toBe(200);
        const body = await res.text();
        expect(body).not.toContain('shared.yaml');
        const served = (format === 'json' ? JSON.parse(body) : parse(body)) as { 'x-note': unknown; paths: unknown };
        // The reference is resolved into the document; everything else is the contract.
        expect(JSON.stringify(served['x-note'])).toContain('text');
        expect(served.paths).toEqual(JSON.parse(JSON.stringify(split.paths)));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves the AsyncAPI contract file as written', async () => {
    const res = await portal.request('/contracts/events.v1.yaml');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(await readFile(`${REPO_ROOT}/contracts/asyncapi/events.v1.yaml`, 'utf8'));
  });

  it('is served by the gateway without a token, and the repository config lists every public version', async () => {
    const fileConfig = await loadConfigFile(`${REPO_ROOT}/gateway/gateway.config.yaml`);
    const gateway = testGateway(parse(await readFile(`${REPO_ROOT}/gateway/gateway.config.yaml`, 'utf8')) as Record<string, unknown>);
    try {
      const res = await gateway.app.request('/docs');
      expect(res.status).toBe(200);
      const html = await res.text();
      for (const api of fileConfig.apis) expect(html).toContain(`data-api="${api.contract}"`);
      expect((await gateway.app.request('/contracts/customers.v2.yaml')).status).toBe(200);
      // The contract routes still need a token.
      expect((await gateway.app.request('/v2/customers')).status).toBe(401);
    } finally {
      await gateway.close();
    }
  });
});

/** One event's section of the catalogue page. */
function sectionOf(html: string, event: string): string {
  const start = html.indexOf(`<section id="${event}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start));
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function configInput(): Record<string, unknown> {
  return {
    upstreams: { customers: { url: 'http://127.0.0.1:1' } },
    apis: [{ contract: 'customers.v2', basePath: '/v2', upstream: 'customers' }],
  };
}
