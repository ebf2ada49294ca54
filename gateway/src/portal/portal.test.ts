import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '@concord/contracts/src/paths.ts';
import { loadConfigFile } from '../config/load-config.ts';
import { configFrom, testGateway } from '../testing/test-gateway.ts';
import { createPortal } from './portal.ts';

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
  const portal = createPortal({ config, now: () => Date.parse('2026-06-01T00:00:00Z'), changelogPath: '/nonexistent/CHANGELOG.md' });

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
    expect(await res.text()).toBe(await readFile(`${REPO_ROOT}/contracts/openapi/customers.v2.yaml`, 'utf8'));
    const gateway = testGateway({ ...configInput(), defaults: { policies: { public: true } } });
    try {
      const missing = await gateway.app.request('/contracts/inventory.v1.yaml');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toBe('application/problem+json');
      expect((await gateway.app.request('/contracts/../package.json')).status).toBe(404);
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

  it('renders the onboarding guide and says when there is no changelog', async () => {
    const guide = await (await portal.request('/docs/guide')).text();
    expect(guide).toMatch(/<h1>Partner onboarding<\/h1>/);
    expect(guide).toContain('<pre><code class="language-sh">');
    const changelog = await (await portal.request('/docs/changelog')).text();
    expect(changelog).toContain('No changes have been recorded yet');
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

function configInput(): Record<string, unknown> {
  return {
    upstreams: { customers: { url: 'http://127.0.0.1:1' } },
    apis: [{ contract: 'customers.v2', basePath: '/v2', upstream: 'customers' }],
  };
}

describe('the onboarding guide', () => {
  it('is the README section, raised one level, without repository-only images and links', async () => {
    const { extractGuide } = await import('./guide.ts');
    const readme = [
      '# Project',
      '## Partner onboarding',
      'Intro with [a file](docs/x.md), [the portal](/docs) and [RFC](https://example.com).',
      '![shot](docs/portal.png)',
      '### 1. Step',
      '```sh',
      '## not a heading inside a fence',
      '```',
      '## Next section',
      'not included',
    ].join('\n');
    expect(extractGuide(readme)).toBe(
      [
        '# Partner onboarding',
        'Intro with a file, [the portal](/docs) and [RFC](https://example.com).',
        '## 1. Step',
        '```sh',
        '## not a heading inside a fence',
        '```',
        '',
      ].join('\n'),
    );
    expect(extractGuide('# nothing here')).toBeUndefined();
  });
});
