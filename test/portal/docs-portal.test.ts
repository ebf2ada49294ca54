import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '@concord/gateway/src/main.ts';
import { DEFAULT_DEMO_SECRET } from '@concord/gateway/src/partners/partner-registry.ts';
import { chromiumMissing, launchChromium, offlinePage } from '../support/headless-chromium.ts';
import { startPortalGateway } from './portal-gateway.ts';

/**
 * /docs in a real browser: headless Chromium loads the portal from a running gateway (the
 * repository's own gateway.config.yaml), and the screenshot in the README is taken here.
 */
// The README's screenshot is rewritten only on request too: a fresh render differs byte for byte.
const SCREENSHOT = fileURLToPath(
  new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/portal.png' : '../.tmp/portal.png', import.meta.url),
);
// The reference page shows the gateway's (random) port, so its committed screenshot is refreshed
// only on request (UPDATE_SCREENSHOTS=1); otherwise it goes to test/.tmp and leaves the tree clean.
const REFERENCE_SCREENSHOT = fileURLToPath(
  new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/portal-reference.png' : '../.tmp/portal-reference.png', import.meta.url),
);
// The guide as partners of a production deployment see it (docs/portal-guide.png on request too).
const GUIDE_SCREENSHOT = fileURLToPath(
  new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/portal-guide.png' : '../.tmp/portal-guide.png', import.meta.url),
);
/** What only a developer of Concord, inside its repository, would understand. */
const REPOSITORY_ONLY = ['contracts/', 'gateway/src', 'test/', 'npm start', '.data/', 'npm pack', 'README'];
const hasChromium = chromiumMissing('portal browser test') === undefined;

describe.skipIf(!hasChromium)('the developer portal in headless Chromium', () => {
  let gateway: RunningGateway;
  let browser: Browser;
  const offsite: string[] = [];

  beforeAll(async () => {
    gateway = await startPortalGateway('development');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  async function openPage(path: string) {
    const { page, context } = await offlinePage(browser, gateway.url, offsite);
    await page.goto(gateway.url + path, { waitUntil: 'load' });
    return { page, context };
  }

  it('lists every public API version with its lifecycle, and says so in a screenshot', async () => {
    const { page, context } = await openPage('/docs');
    const configured = gateway.current().config.apis;
    const rows = page.locator('#apis tbody tr');
    await expect.poll(() => rows.count()).toBe(configured.length);
    for (const api of configured) {
      const row = page.locator(`tr[data-api="${api.contract}"]`);
      await expect.poll(() => row.isVisible()).toBe(true);
      const text = await row.textContent();
      expect(text).toContain(api.contract);
      expect(text).toContain(api.basePath);
      expect(text).toContain(api.lifecycle.status);
      if (api.lifecycle.deprecation) expect(text).toContain(api.lifecycle.deprecation);
      if (api.lifecycle.sunset) expect(text).toContain(api.lifecycle.sunset);
    }
    await expect.poll(() => page.getByRole('heading', { name: 'Get credentials' }).isVisible()).toBe(true);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await context.close();
  }, 60_000);

  it('renders the interactive Scalar reference of a version from the gateway alone', async () => {
    const { page, context } = await openPage('/docs/apis/customers.v2');
    // Scalar renders the contract it fetched from /contracts/customers.v2.yaml: its title, every
    // operation in the sidebar, and "try it" pointed at this gateway rather than production.
    await page.getByRole('heading', { level: 1, name: 'Concord Customers API' }).waitFor({ state: 'visible', timeout: 30_000 });
    for (const summary of ['List customers', 'Create a customer', 'Get a customer', 'Update a customer']) {
      await page.getByText(summary, { exact: true }).first().waitFor({ state: 'visible' });
    }
    await page.getByText(`${gateway.url}/v2`).first().waitFor({ state: 'visible' });
    expect(await page.locator('.portal-bar').textContent()).toContain('current');
    await page.screenshot({ path: REFERENCE_SCREENSHOT });
    await context.close();
  }, 60_000);

  it('shows the public events and the onboarding guide', async () => {
    const { page, context } = await openPage('/docs/events');
    expect(await page.locator('[data-event]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-event="order.placed"]').count()).toBe(1);
    // Its data is shown field by field (the contract composes it with allOf and $ref), with an example.
    await page.locator('[data-event="order.placed"] tr[data-field="lines[].sku"]').waitFor({ state: 'visible' });
    expect(await page.locator('[data-event="order.placed"] tr[data-field]').count()).toBeGreaterThan(5);
    expect(await page.locator('[data-example="order.placed"]').textContent()).toContain('"type": "order.placed"');
    const contract = await page.request.get(`${gateway.url}/contracts/events.v1.yaml`);
    expect(contract.status()).toBe(200);
    expect(await contract.text()).toMatch(/^asyncapi: 3/m);
    await page.goto(`${gateway.url}/docs/guide`);
    await page.getByRole('heading', { name: 'Onboarding guide' }).waitFor();
    await context.close();
    expect(offsite.filter((u) => !u.startsWith('data:'))).toEqual([]);
  }, 60_000);
});

describe.skipIf(!hasChromium)('the onboarding guide of a production gateway in headless Chromium', () => {
  let gateway: RunningGateway;
  let browser: Browser;

  beforeAll(async () => {
    gateway = await startPortalGateway('production');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('speaks to a partner: this deployment, no repository path, no demo secret; and is the screenshot in docs/', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    // The address a partner would use: the portal names it in every example.
    const base = gateway.url.replace('127.0.0.1', 'localhost');
    await page.goto(`${base}/docs/guide`, { waitUntil: 'load' });
    await page.getByRole('heading', { name: 'Onboarding guide' }).waitFor();
    const text = ((await page.locator('main').textContent()) ?? '') + (await page.content());
    for (const needle of REPOSITORY_ONLY) expect(text, needle).not.toContain(needle);
    expect(text).not.toContain(DEFAULT_DEMO_SECRET);
    expect(text).not.toMatch(/demo partner|development only/i);
    for (const heading of [
      '1. Your credentials',
      '2. Get an access token',
      '3. Your first call',
      '4. The SDK',
      '5. Webhooks',
      '6. Errors, rate limits and retries',
    ]) {
      await page.getByRole('heading', { name: heading }).waitFor();
    }
    expect(text).toContain(`${base}/oauth/token`);
    expect(text).toMatch(/\/docs\/sdk\/concord-partner-sdk-\d+\.\d+\.\d+\.tgz/);
    expect(await page.locator('a[href="/problems"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: GUIDE_SCREENSHOT, fullPage: true });
    await context.close();
  }, 60_000);
});
