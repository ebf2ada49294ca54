import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningGateway } from '@concord/gateway/src/main.ts';
import type { LiveMap } from '@concord/gateway/src/map/live-map.ts';
import { eventually } from '@concord/service-runtime/src/testing/test-backends.ts';
import { type RunningServices, startServices } from '@concord/service-stack/src/start-services.ts';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { chromiumMissing, launchChromium, offlinePage } from '../support/headless-chromium.ts';
import { startLocalGateway, writeGatewayConfig } from '../support/local-gateway.ts';

/**
 * /map.html in a real browser: headless Chromium draws the live map from a running gateway in front
 * of the system APIs (in-process bus, embedded database), with one partner webhook endpoint that
 * refuses every connection, so the picture has a red edge to explain. The screenshot in docs/ is
 * taken here.
 */
// Rewritten only on request (UPDATE_SCREENSHOTS=1): a fresh render differs byte for byte.
const SCREENSHOT = fileURLToPath(
  new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/integration-map.png' : '../.tmp/integration-map.png', import.meta.url),
);
const hasChromium = chromiumMissing('map browser test') === undefined;

/** The one call of Cytoscape's API this test makes in the page. */
interface PageGraph {
  getElementById(id: string): { renderedMidpoint(): { x: number; y: number } };
}

const DEMO = { id: 'demo-partner', secret: 'concord-demo-secret-do-not-use-in-production' };

describe.skipIf(!hasChromium)('the live integration map in headless Chromium', () => {
  let services: RunningServices;
  let gateway: RunningGateway;
  let browser: Browser;
  let dir: string;
  const offsite: string[] = [];

  beforeAll(async () => {
    process.env.WEBHOOKS_RETRY_SCHEDULE = '0,100ms';
    process.env.WEBHOOKS_POLL_INTERVAL = '100ms';
    services = await startServices({ dataDir: 'memory://', allowPrivateNetworks: true, relayPollIntervalMs: 100 });
    dir = await mkdtemp(join(tmpdir(), 'concord-map-page-'));
    const config = join(dir, 'gateway.config.yaml');
    await writeGatewayConfig(config, (doc) => {
      doc.setIn(['observability', 'map'], doc.createNode({ sampleIntervalSeconds: 1, scrapeCacheMs: 0, scrapeTimeoutMs: 10_000 }));
    });
    gateway = await startLocalGateway(config, services.urls);
    const tokenResponse = await fetch(`${gateway.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO.id}:${DEMO.secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    const { access_token } = (await tokenResponse.json()) as { access_token: string };
    const call = (method: string, path: string, body?: unknown) =>
      fetch(gateway.url + path, {
        method,
        headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    // An endpoint nothing listens on: its deliveries end in the dead-letter queue.
    const nowhere = `http://127.0.0.1:${await freePort()}/hooks`;
    expect((await call('POST', '/v1/webhooks/subscriptions', { url: nowhere, event_types: ['customer.created'] })).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const res = await call('POST', '/v2/customers', {
        given_name: 'Page',
        family_name: `Reader ${i}`,
        email: `page.${i}.${Date.now()}@example.com`,
      });
      expect(res.status).toBe(201);
    }
    expect((await call('GET', '/v1/customers?limit=3')).status).toBe(200);
    await eventually(
      async () => {
        const map = (await (await fetch(`${gateway.adminUrl}/map`)).json()) as LiveMap;
        return map.summary.red > 0 ? true : undefined;
      },
      'the dead-lettered webhook edge red',
      60_000,
    );
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await services?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('draws every node and edge of /map, coloured by health, and opens an edge in the side panel', async () => {
    const { page, context } = await offlinePage(browser, gateway.adminUrl, offsite);
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.goto(`${gateway.adminUrl}/map.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => Number(document.body.dataset.nodes ?? 0) > 0, undefined, { timeout: 30_000 });
    const map = (await (await fetch(`${gateway.adminUrl}/map`)).json()) as LiveMap;
    expect(Number(await page.evaluate(() => document.body.dataset.nodes))).toBe(map.nodes.length);
    expect(Number(await page.evaluate(() => document.body.dataset.edges))).toBe(map.edges.length);
    expect(Number(await page.evaluate(() => document.body.dataset.red))).toBeGreaterThan(0);
    expect(await page.locator('#summary').textContent()).toMatch(/\d+ green.*\d+ red/);

    // A click on the red webhook edge opens its panel: the DLQ reason, in words.
    const edgeId = 'event:customer.created -> webhooks:demo-partner';
    const point = await page.evaluate((id) => {
      // The page's Cytoscape instance: a top-level binding of the page's own script.
      const cy = (globalThis as unknown as { eval(code: string): PageGraph }).eval('cy');
      const box = document.getElementById('map')!.getBoundingClientRect();
      const mid = cy.getElementById(id).renderedMidpoint();
      return { x: box.left + mid.x, y: box.top + mid.y };
    }, edgeId);
    await page.mouse.click(point.x, point.y);
    await expect.poll(() => page.locator('#panel h2').textContent()).toBe('event:customer.created → webhooks:demo-partner');
    expect(await page.locator('#panel').textContent()).toMatch(/red[\s\S]*DLQ depth 3 > 0/);
    await page.screenshot({ path: SCREENSHOT });
    expect(offsite).toEqual([]);
    await context.close();
  }, 90_000);
});
