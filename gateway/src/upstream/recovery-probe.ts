/**
 * Probes an upstream's health path while its breaker is open, so the breaker lets trial calls through
 * as soon as the upstream is back instead of only when `openMs` ends. One probe at a time, `intervalMs`
 * after the previous one ended, each bounded by `intervalMs` too. Without a health path there is no
 * probing: a TCP connect passes as soon as the process listens, also while it answers 500 to
 * everything, and would turn the cool-down into a trial call every interval.
 */
export interface RecoveryProbe {
  /** Starts probing (the breaker opened); a no-op while already probing or once closed. */
  start(): void;
  /** Stops probing (the breaker left the open state); a probe in flight is disregarded. */
  stop(): void;
  /** Stops for good (the gateway closes): no timer is left behind. */
  close(): void;
}

export interface RecoveryProbeOptions {
  /** Resolves when the upstream is healthy, rejects otherwise; gives up after `timeoutMs` or when `signal` aborts. */
  check: (timeoutMs: number, signal: AbortSignal) => Promise<void>;
  intervalMs: number;
  /** A probe passed. */
  onPass: () => void;
}

export function createRecoveryProbe(options: RecoveryProbeOptions): RecoveryProbe {
  const { check, intervalMs, onPass } = options;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: AbortController | undefined;
  /** Bumped on every start and stop: a probe of an earlier round reports to nobody. */
  let round = 0;
  let probing = false;
  let closed = false;

  const schedule = (mine: number) => {
    timer = setTimeout(() => {
      timer = undefined;
      inFlight = new AbortController();
      check(intervalMs, inFlight.signal).then(
        () => {
          if (mine !== round) return;
          probing = false;
          onPass();
        },
        () => {
          if (mine === round) schedule(mine);
        },
      );
    }, intervalMs);
  };

  const stop = () => {
    round++;
    probing = false;
    clearTimeout(timer);
    timer = undefined;
    inFlight?.abort();
    inFlight = undefined;
  };

  return {
    start() {
      if (probing || closed) return;
      probing = true;
      schedule(++round);
    },
    stop,
    close() {
      closed = true;
      stop();
    },
  };
}
