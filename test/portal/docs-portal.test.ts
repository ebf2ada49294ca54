import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProcessEnv } from '@concord/gateway/src/config/env.ts';
import { startGateway, type RunningGateway } from '@concord/gateway/src/main.ts';
import { chromiumMissing, launchChromium, offlinePage } from '../support/headless-chromium.ts';

/**
 * /docs in a real browser: headless Chromium loads the portal from a running gateway (the
 * repository's own gateway.config.yaml), and the screenshot in the README is taken here.
 */
const CONFIG = fileURLToPath(new URL('../../gateway/gateway.config.yaml', import.meta.url));
// The README's screenshot is rewritten only on request too: a fresh render differs byte for byte.
const SCREENSHOT = fileURLToPath(
  new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/portal.png' : '../.tmp/portal.png', import.meta.url),
);
// The reference page shows the gateway's (random) port, so its committed screenshot is refreshed
// only on request (UPDATE_SCREENSHOTS=1); otherwise it goes to test/.tmp and leaves the tree clean.
const REFERENCE_SCREENSHOT = fileURLToPath(
  new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/portal-reference.png' : '../.tmp/portal-reference.png', import.meta.url),
);
const hasChromium = chromiumMissing('portal browser test') === undefined;

describe.skipIf(!hasChromium)('the developer portal in headless Chromium', () => {
  let gateway: RunningGateway;
  let browser: Browser;
  const offsite: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway({
      configPath: CONFIG,
      env: parseProcessEnv({}),
      port: 0,
      hostname: '127.0.0.1',
      watchConfig: false,
      deps: { logger: (await import('pino')).default({ level: 'silent' }) },
    });
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
    await page.getByRole('heading', { name: 'Partner onboarding' }).waitFor();
    await context.close();
    expect(offsite.filter((u) => !u.startsWith('data:'))).toEqual([]);
  }, 60_000);
});
