import type { OutboxRelayOptions } from './outbox-relay.ts';

/**
 * How a service's relay reports an outage: one error when publishing starts failing, one line when
 * it works again, and a count of every failed round for /metrics. Never one line per row or poll.
 */
export function relayReporting(
  where: string,
  deps: { onError: (err: unknown, where: string) => void; failureCounter?: { inc(): void }; log?: (line: string) => void },
): Pick<OutboxRelayOptions, 'onError' | 'onRecovered' | 'failureCounter'> {
  const log = deps.log ?? ((line: string) => console.log(line));
  return {
    onError: (err) =>
      deps.onError(
        new Error(`outbox relay cannot publish; retrying on every poll, logging again when it recovers: ${String(err)}`, { cause: err }),
        where,
      ),
    onRecovered: (failedRounds) => log(`[${where}] outbox relay publishing again after ${failedRounds} failed round(s)`),
    ...(deps.failureCounter ? { failureCounter: deps.failureCounter } : {}),
  };
}
