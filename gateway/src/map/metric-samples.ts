import type { Series } from './prometheus-text.ts';

/** The metrics of every source (the gateway itself and each service) at one moment. */
export interface Sample {
  at: number;
  /** By source: `gateway` or a service (upstream) name; undefined where the scrape failed. */
  sources: Map<string, Series[]>;
}

export type LabelMatch = Record<string, string | ((value: string) => boolean)>;

const matches = (labels: Record<string, string>, match: LabelMatch) =>
  Object.entries(match).every(([key, want]) => {
    const value = labels[key] ?? '';
    return typeof want === 'function' ? want(value) : value === want;
  });

/** The sum of the series of `name` in `source` whose labels match; undefined when there is none. */
export function sum(sample: Sample | undefined, source: string, name: string, match: LabelMatch = {}): number | undefined {
  const series = sample?.sources.get(source);
  if (!series) return undefined;
  let total: number | undefined;
  for (const s of series) if (s.name === name && matches(s.labels, match)) total = (total ?? 0) + s.value;
  return total;
}

/** How much a counter grew between two samples; a restart (a smaller value) counts from zero. */
export function increase(from: Sample | undefined, to: Sample, source: string, name: string, match: LabelMatch = {}): number {
  const now = sum(to, source, name, match) ?? 0;
  const before = sum(from, source, name, match) ?? 0;
  return now >= before ? now - before : now;
}

/**
 * A quantile of a histogram's observations between two samples, interpolated within the bucket as
 * Prometheus's histogram_quantile does; undefined without observations.
 */
export function quantile(
  q: number,
  from: Sample | undefined,
  to: Sample,
  source: string,
  histogram: string,
  match: LabelMatch = {},
): number | undefined {
  const buckets = new Map<number, number>();
  for (const s of to.sources.get(source) ?? []) {
    if (s.name !== `${histogram}_bucket` || !matches(s.labels, match)) continue;
    const le = Number(s.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : s.labels['le']);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  for (const s of from?.sources.get(source) ?? []) {
    if (s.name !== `${histogram}_bucket` || !matches(s.labels, match)) continue;
    const le = Number(s.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : s.labels['le']);
    const now = buckets.get(le);
    if (now !== undefined && now >= s.value) buckets.set(le, now - s.value);
  }
  const sorted = [...buckets.entries()].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lower;
      return lower + (le - lower) * ((rank - below) / Math.max(count - below, 1e-9));
    }
    lower = le;
    below = count;
  }
  return lower;
}

/**
 * The samples of the last `windowMs`, oldest first: rates are the growth from the oldest to the
 * newest. One sample older than the window is kept as the base, so a window is always spanned.
 */
export function createSampleRing(windowMs: number) {
  let samples: Sample[] = [];
  return {
    add(sample: Sample): void {
      samples.push(sample);
      const cutoff = sample.at - windowMs;
      const firstInside = samples.findIndex((s) => s.at >= cutoff);
      if (firstInside > 1) samples = samples.slice(firstInside - 1);
    },
    oldest: (): Sample | undefined => samples[0],
    latest: (): Sample | undefined => samples.at(-1),
    all: (): readonly Sample[] => samples,
  };
}

export type SampleRing = ReturnType<typeof createSampleRing>;
