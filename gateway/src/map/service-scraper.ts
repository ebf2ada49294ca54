import { parsePrometheusText, type Series } from './prometheus-text.ts';

export interface ScrapeResult {
  /** By service (upstream name); absent where the scrape failed. */
  series: Map<string, Series[]>;
  /** Why a service's /metrics could not be read, by service. */
  errors: Map<string, string>;
}

export interface ServiceScraperOptions {
  /** Base URLs by upstream name: `<url>/metrics` is read. */
  services: Record<string, string>;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
  /** A scrape younger than this is reused: the map page and the sampler may ask at once. */
  cacheMs: number;
  now: () => number;
}

/** Reads every service's /metrics in parallel, each bounded by the timeout. */
export function createServiceScraper(options: ServiceScraperOptions) {
  let cached: { at: number; result: Promise<ScrapeResult> } | undefined;

  async function readOne(name: string, base: string): Promise<Series[]> {
    const url = new URL('metrics', base.endsWith('/') ? base : `${base}/`);
    const response = await options.fetch(url, { signal: AbortSignal.timeout(options.timeoutMs) });
    if (!response.ok) throw new Error(`${name} /metrics answered ${response.status}`);
    return parsePrometheusText(await response.text());
  }

  async function scrapeAll(): Promise<ScrapeResult> {
    const result: ScrapeResult = { series: new Map(), errors: new Map() };
    await Promise.all(
      Object.entries(options.services).map(async ([name, base]) => {
        try {
          result.series.set(name, await readOne(name, base));
        } catch (err) {
          const reason =
            err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (err as Error).message;
          result.errors.set(name, reason);
        }
      }),
    );
    return result;
  }

  return {
    scrape(): Promise<ScrapeResult> {
      const now = options.now();
      if (!cached || now - cached.at >= options.cacheMs) cached = { at: now, result: scrapeAll() };
      return cached.result;
    },
  };
}

export type ServiceScraper = ReturnType<typeof createServiceScraper>;
