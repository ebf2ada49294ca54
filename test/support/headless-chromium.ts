import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** The system's Chromium (Debian's `chromium` package); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Why a browser suite cannot run here, or undefined when it can. Without Chromium it is skipped with
 * a loud warning, except under CONCORD_REQUIRE_SERVICES=1, where that is a failure.
 */
export function chromiumMissing(suite: string): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const message = `${suite}: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  if (process.env.CONCORD_REQUIRE_SERVICES === '1') throw new Error(`${message}; CONCORD_REQUIRE_SERVICES=1 forbids skipping`);
  console.warn(`\n!!! SKIPPED ${message}\n`);
  return message;
}

/** Headless, sandbox-free (CI runs as root), and quiet: no background calls of Chromium's own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A page that may reach `origin` only: the pages under test must work without the internet, so
 * every other request is refused and noted in `offsite`.
 */
export async function offlinePage(
  browser: Browser,
  origin: string,
  offsite: string[],
): Promise<{ context: BrowserContext; page: Awaited<ReturnType<BrowserContext['newPage']>> }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === new URL(origin).origin) return route.continue();
    offsite.push(url.href);
    return route.abort();
  });
  return { context, page };
}
