/**
 * The abort signal of a proxied call: one AbortController per request and one timer for the
 * pipeline's deadline (no AbortSignal.any / AbortSignal.timeout, which were ~8% of the gateway's CPU
 * under load and kept a live timer per request for its whole deadline). It fires when the client
 * goes away before its response is written, or when the deadline passes (a TimeoutError).
 *
 * Under @hono/node-server it listens on the Node response: its 'close' clears the deadline timer
 * (the response is done, streamed body included) and aborts if the response did not finish. It
 * never reads `c.req.raw.signal`, which builds a whole Web Request (headers copied, body wrapped)
 * for every request: measured at ~9% of the gateway's CPU. Elsewhere (app.request() in tests,
 * other runtimes) the Request's own signal aborts it and the unref'd timer simply runs out.
 */
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { GatewayEnv } from '../env.ts';

export function requestSignal(c: Context<GatewayEnv>, deadlineMs: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`The request's ${deadlineMs} ms deadline passed.`, 'TimeoutError')), deadlineMs);
  timer.unref?.();
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing && typeof outgoing.once === 'function') {
    outgoing.once('close', () => {
      clearTimeout(timer);
      if (!outgoing.writableFinished) controller.abort(new DOMException('The client closed the connection before the response was written.', 'AbortError'));
    });
  } else {
    const client = c.req.raw.signal;
    if (client.aborted) controller.abort(client.reason);
    else client.addEventListener('abort', () => controller.abort(client.reason), { once: true });
  }
  return controller.signal;
}
