import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { GatewayEnv } from '../env.ts';
import { createErrorHandler } from '../problem-response.ts';
import { DEFAULT_DEMO_SECRET } from '../partners/partner-registry.ts';
import { configFrom } from '../testing/test-gateway.ts';
import { createPortal } from './portal.ts';
import type { SdkPackage } from './sdk-package.ts';

const config = configFrom({
  upstreams: { customers: { url: 'http://127.0.0.1:1' }, webhooks: { url: 'http://127.0.0.1:1' } },
  apis: [
    { contract: 'customers.v2', basePath: '/v2', upstream: 'customers' },
    {
      contract: 'customers.v1',
      basePath: '/v1',
      upstream: 'customers',
      adapter: 'customers-v1-from-v2',
      lifecycle: { status: 'deprecated', deprecation: '2025-07-01', sunset: '2027-01-01', successor: 'customers.v2' },
    },
    { contract: 'webhooks.v1', basePath: '/v1', upstream: 'webhooks' },
  ],
});

/** What only a developer of Concord, in its repository, would understand. */
const REPOSITORY_ONLY = ['contracts/', 'gateway/src', 'test/', 'npm start', '.data/', 'README', 'npm pack', 'docs/problems.md'];

const fakeSdk: SdkPackage = {
  version: '9.8.7',
  fileName: 'concord-partner-sdk-9.8.7.tgz',
  tarball: async () => new Uint8Array([0x1f, 0x8b, 1, 2, 3]),
};

const text = async (res: Response | Promise<Response>) => (await res).text();

describe('the partner guide at /docs/guide', () => {
  const production = createPortal({ config, sdk: fakeSdk });
  const development = createPortal({ config, sdk: fakeSdk, demo: { clientId: 'demo-partner', clientSecret: DEFAULT_DEMO_SECRET } });

  it('in production names no repository path, no repository command and no demo secret', async () => {
    const html = await text(production.request('https://api.partner.example/docs/guide'));
    for (const needle of REPOSITORY_ONLY) expect(html, needle).not.toContain(needle);
    expect(html).not.toContain(DEFAULT_DEMO_SECRET);
    expect(html).not.toContain('demo-partner');
    expect(html).not.toMatch(/development only/i);
    const index = await text(production.request('https://api.partner.example/docs'));
    expect(index).not.toContain(DEFAULT_DEMO_SECRET);
    expect(index).not.toMatch(/demo partner/i);
  });

  it('calls the deployment the partner reached it at: token, first call, SDK download and webhooks', async () => {
    const html = await text(production.request('https://api.partner.example:8443/docs/guide'));
    expect(html).toContain(
      'curl -s -u &quot;$CLIENT_ID:$CLIENT_SECRET&quot; -d grant_type=client_credentials https://api.partner.example:8443/oauth/token',
    );
    // The first call is a read of a current version, under the base path the gateway serves it at.
    expect(html).toContain('https://api.partner.example:8443/v2/customers');
    expect(html).toContain('curl -sO https://api.partner.example:8443/docs/sdk/concord-partner-sdk-9.8.7.tgz');
    expect(html).toContain('npm install ./concord-partner-sdk-9.8.7.tgz');
    expect(html).toContain("from '@concord/partner-sdk/customers/v2'");
    expect(html).toContain('https://api.partner.example:8443/v1/webhooks/subscriptions');
    // The test event of the webhooks contract, with the subscription id left to the partner.
    expect(html).toContain('POST /v1/webhooks/subscriptions/{subscriptionId}/test');
    expect(html).toContain('https://api.partner.example:8443/v1/webhooks/subscriptions/$SUBSCRIPTION_ID/test');
    expect(html).toContain('verifyWebhook');
    // Errors link to the problem pages.
    expect(html).toContain('href="/problems"');
    // Another host, another page: nothing of the first leaks into it.
    const other = await text(production.request('http://localhost:8080/docs/guide'));
    expect(other).toContain('http://localhost:8080/oauth/token');
    expect(other).not.toContain('api.partner.example');
  });

  it('in development shows the demo credentials, marked as development-only', async () => {
    const html = await text(development.request('http://localhost:8080/docs/guide'));
    expect(html).toMatch(/<blockquote>\s*<p><strong>Development only\.<\/strong>/);
    expect(html).toContain(`export CLIENT_SECRET=${DEFAULT_DEMO_SECRET}`);
    expect(html).toContain('# DEVELOPMENT ONLY: the demo partner of this gateway');
    expect(await text(development.request('http://localhost:8080/docs'))).toContain('Development only');
  });

  it('without the built-in issuer sends the partner to their identity provider for tokens', async () => {
    const external = createPortal({ config, sdk: fakeSdk, issuesTokens: false });
    const html = await text(external.request('https://api.partner.example/docs/guide'));
    expect(html).not.toContain('/oauth/token');
    expect(html).toContain('identity provider');
  });
});

describe('the SDK download at /docs/sdk', () => {
  const portal = createPortal({ config, sdk: fakeSdk });

  it('names the version and links the tarball and the entry point of every version served', async () => {
    const html = await text(portal.request('/docs/sdk'));
    expect(html).toContain('<strong data-sdk-version>9.8.7</strong>');
    expect(html).toContain('href="/docs/sdk/concord-partner-sdk-9.8.7.tgz"');
    for (const entry of ['@concord/partner-sdk/webhooks', '@concord/partner-sdk/customers/v2', '@concord/partner-sdk/customers/v1']) {
      expect(html).toContain(entry);
    }
  });

  it('serves the tarball as a download, and any other file name is a 404 problem naming the right one', async () => {
    const res = await portal.request('/docs/sdk/concord-partner-sdk-9.8.7.tgz');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="concord-partner-sdk-9.8.7.tgz"');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
    const gateway = await import('../testing/test-gateway.ts');
    const app = gateway.testGateway({
      upstreams: { customers: { url: 'http://127.0.0.1:1' } },
      apis: [{ contract: 'customers.v2', basePath: '/v2', upstream: 'customers' }],
    });
    try {
      const missing = await app.app.request('/docs/sdk/concord-partner-sdk-0.0.1.tgz');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toBe('application/problem+json');
      expect((await missing.json()).detail).toMatch(
        /^No SDK file concord-partner-sdk-0\.0\.1\.tgz; this portal offers concord-partner-sdk-[0-9.]+\.tgz/,
      );
    } finally {
      await app.close();
    }
  });

  it('answers 503 problem+json when the package cannot be built, logs why for the operator, and tries again on the next request', async () => {
    let calls = 0;
    const broken = createPortal({
      config,
      sdk: { ...fakeSdk, tarball: async () => (++calls === 1 ? Promise.reject(new Error('tsc failed')) : new Uint8Array([1])) },
    });
    // Mounted as the gateway mounts it, behind its problem+json error handler.
    const logged: string[] = [];
    const app = new Hono<GatewayEnv>();
    app.onError(createErrorHandler({ logger: pino({ level: 'info' }, { write: (line: string) => void logged.push(line) }) }));
    app.route('/', broken);
    const failed = await app.request('/docs/sdk/concord-partner-sdk-9.8.7.tgz');
    expect(failed.status).toBe(503);
    expect(failed.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.stringify(await failed.json())).not.toContain('tsc failed');
    expect(logged.join('')).toContain('tsc failed');
    expect((await app.request('/docs/sdk/concord-partner-sdk-9.8.7.tgz')).status).toBe(200);
  });
});

describe('the changelog at /docs/changelog', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('lists per version what was added, changed, deprecated and removed, with dates, from the git history and the lifecycle', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'portal-changelog-'));
    dirs.push(repo);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
    const commit = (date: string, message: string) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', message], {
        cwd: repo,
        env: { ...process.env, GIT_AUTHOR_DATE: `${date}T12:00:00Z`, GIT_COMMITTER_DATE: `${date}T12:00:00Z` },
      });
    git('init', '-q');
    mkdirSync(join(repo, 'contracts', 'openapi'), { recursive: true });
    const contract = (paths: string) => `openapi: 3.1.0
info: { title: Customers, version: 2.0.0 }
paths:
${paths}`;
    const get = (summary: string) => `    get:
      operationId: op${summary.replace(/\W/g, '')}
      summary: ${summary}
      responses:
        '200': { description: ok }
`;
    const file = join(repo, 'contracts', 'openapi', 'customers.v2.yaml');
    writeFileSync(
      file,
      contract(
        `  /customers:\n${get('List')}  /customers/{id}:\n    parameters: [{ name: id, in: path, required: true, schema: { type: string } }]\n${get('Get')}`,
      ),
    );
    git('add', '.');
    commit('2026-01-05', 'first');
    writeFileSync(
      file,
      contract(
        `  /customers:\n${get('List')}  /customers/{id}:\n    parameters: [{ name: id, in: path, required: true, schema: { type: string } }]\n${get('Get')}  /customers/search:\n${get('Search')}`,
      ),
    );
    commit('2026-02-10', 'add search');
    writeFileSync(file, contract(`  /customers:\n${get('List')}  /customers/search:\n${get('Search')}`));
    commit('2026-03-15', 'drop get');
    // A contract written in JSON has its history read the same way.
    const json = join(repo, 'contracts', 'openapi', 'webhooks.v1.json');
    const webhooks = (paths: string[]) =>
      JSON.stringify(
        {
          openapi: '3.1.0',
          info: { title: 'Webhooks', version: '1.0.0' },
          paths: Object.fromEntries(
            paths.map((p) => [p, { get: { operationId: p.replace(/\W/g, ''), summary: p, responses: { '200': { description: 'ok' } } } }]),
          ),
        },
        null,
        2,
      );
    writeFileSync(json, webhooks(['/subscriptions']));
    git('add', '.');
    commit('2026-04-01', 'webhooks in JSON');
    writeFileSync(json, webhooks(['/subscriptions', '/deliveries']));
    commit('2026-05-01', 'add deliveries');

    const portal = createPortal({
      config,
      sdk: fakeSdk,
      repositoryRoot: repo,
      events: {},
      now: () => Date.parse('2026-06-01T00:00:00Z'),
    });
    const html = await text(portal.request('/docs/changelog'));
    const section = (id: string) => {
      const start = html.indexOf(`data-changelog="${id}"`);
      return html.slice(start, html.indexOf('</section>', start));
    };
    const v2 = section('customers.v2');
    const order = ['2026-03-15', '2026-02-10', '2026-01-05'].map((d) => v2.indexOf(`<time datetime="${d}">`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // Operations under the base path partners call them at.
    expect(v2).toMatch(
      /<li data-kind="removed"><span class="badge removed">Removed<\/span> <span class="badge breaking">breaking<\/span> <code>\/v2\/customers\/\{id\}<\/code>: path \/v2\/customers\/\{id\} was removed/,
    );
    expect(v2).toMatch(/<li data-kind="added">[^\n]*\/v2\/customers\/search/);
    expect(v2).toMatch(/<time datetime="2026-01-05">[\s\S]*First published\./);
    const webhooksV1 = section('webhooks.v1');
    expect(webhooksV1).toMatch(/<time datetime="2026-05-01">[\s\S]*<li data-kind="added">[^\n]*\/v1\/deliveries/);
    expect(webhooksV1).toMatch(/<time datetime="2026-04-01">[\s\S]*First published\./);
    // customers.v1 has no history in this repository: its lifecycle dates, the sunset still to come.
    const v1 = section('customers.v1');
    expect(v1).toMatch(/<time datetime="2027-01-01">[\s\S]*data-kind="removed"[\s\S]*scheduled[\s\S]*Move to customers\.v2/);
    expect(v1).toMatch(/<time datetime="2025-07-01">[\s\S]*data-kind="deprecated"/);
    // Written for partners: no CLI headings, no rule ids, no reviewer instructions.
    expect(html).not.toMatch(/since HEAD|contract changes since|`[a-z]+-[a-z-]+`|reviewer|concord diff/i);
  });

  it('in a deployment without git history shows the lifecycle dates alone', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'portal-nogit-'));
    dirs.push(plain);
    const portal = createPortal({ config, sdk: fakeSdk, repositoryRoot: plain, now: () => Date.parse('2026-06-01T00:00:00Z') });
    const html = await text(portal.request('/docs/changelog'));
    expect(html).toContain('data-changelog="customers.v2"');
    expect(html).toMatch(/data-changelog="customers\.v1"[\s\S]*2025-07-01/);
    expect(html).toContain('No changes recorded.');
  });
});
