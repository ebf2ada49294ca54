/**
 * The calls a circuit breaker has seen in its last `windowMs`, counted per caller (a partner's client
 * id, or one key for everyone else) and per kind of failure, in ten buckets on the injected clock so
 * old calls leave the window without a timer. Callers are bounded (partners come from the config),
 * so the counts are too.
 */
export type CallOutcome = 'success' | 'status-failure' | 'transport-failure';

export interface CallerCounts {
  calls: number;
  /** The upstream answered with one of the breaker's failure statuses. */
  statusFailures: number;
  /** No answer: connect errors, timeouts, broken connections. */
  transportFailures: number;
}

export interface FailureWindow {
  record(caller: string, outcome: CallOutcome): void;
  /** The counts per caller over the window (callers with no call in it are left out). */
  callers(): Map<string, CallerCounts>;
  clear(): void;
}

const BUCKETS = 10;

export function createFailureWindow(windowMs: number, now: () => number): FailureWindow {
  const bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
  const buckets: Map<string, CallerCounts>[] = Array.from({ length: BUCKETS }, () => new Map());
  let epoch = Math.floor(now() / bucketMs);

  /** Empties the buckets the clock moved past since the last call. */
  const advance = () => {
    const current = Math.floor(now() / bucketMs);
    const steps = Math.min(BUCKETS, current - epoch);
    for (let i = 1; i <= steps; i++) buckets[(epoch + i) % BUCKETS]!.clear();
    if (current > epoch) epoch = current;
  };

  return {
    record(caller, outcome) {
      advance();
      const bucket = buckets[epoch % BUCKETS]!;
      let counts = bucket.get(caller);
      if (!counts) {
        counts = { calls: 0, statusFailures: 0, transportFailures: 0 };
        bucket.set(caller, counts);
      }
      counts.calls++;
      if (outcome === 'status-failure') counts.statusFailures++;
      else if (outcome === 'transport-failure') counts.transportFailures++;
    },
    callers() {
      advance();
      const total = new Map<string, CallerCounts>();
      for (const bucket of buckets) {
        for (const [caller, c] of bucket) {
          const t = total.get(caller);
          if (t) {
            t.calls += c.calls;
            t.statusFailures += c.statusFailures;
            t.transportFailures += c.transportFailures;
          } else total.set(caller, { ...c });
        }
      }
      return total;
    },
    clear() {
      for (const bucket of buckets) bucket.clear();
    },
  };
}
