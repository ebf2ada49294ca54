import { type Context, Hono } from 'hono';
import { problem, problemResponse } from '@concord/contracts/src/problem.ts';
import { problemErrorHandler, problemNotFoundHandler } from '@concord/contracts/src/problem-handler.ts';
import type { Database } from '../database/database.ts';
import type { Readiness, ServiceHealth } from './service-health.ts';

/** "database down (connection refused), bus down (...)": what a 503 from /readyz says in one line. */
function notReadyDetail(readiness: Readiness): string {
  const down = Object.entries(readiness.checks)
    .filter(([, check]) => check.status === 'down')
    .map(([name, check]) => `${name} down (${check.error ?? 'no answer'})`);
  if (readiness.draining) down.unshift('shutting down');
  return `Not ready: ${down.join(', ')}.`;
}

/** The /readyz answer: 200 with the checks and the outbox backlog, or 503 problem+json naming what is down. */
export async function readinessResponse(health: ServiceHealth, c: Context): Promise<Response> {
  const readiness = await health.readiness();
  const body = { checks: readiness.checks, ...(readiness.outbox ? { outbox: readiness.outbox } : {}) };
  if (readiness.ready) return c.json({ status: 'ready', ...body });
  return problemResponse(problem('dependency-unavailable', notReadyDetail(readiness), { extensions: body }), { 'retry-after': '1' });
}

/**
 * A Hono app whose every error is RFC 9457 problem+json: ProblemErrors as thrown, anything else a
 * bare 500 that is reported through `onUnexpected` and says nothing of the internals. `/healthz`
 * says the process is alive (and nothing more: an outage must not get it restarted); `/readyz`
 * whether its dependencies answer, with the outbox backlog; `/metrics` is Prometheus text.
 */
export function createServiceApp(onUnexpected: (err: unknown) => void, db?: Database, health?: ServiceHealth): Hono {
  const app = new Hono();
  app.onError(problemErrorHandler({ onUnexpected: (err) => onUnexpected(err) }));
  app.notFound(problemNotFoundHandler());
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    if (!health) {
      try {
        await db?.query('SELECT 1');
        return c.json({ status: 'ready' });
      } catch {
        return problemResponse(problem('dependency-unavailable', 'The database does not answer.'), { 'retry-after': '1' });
      }
    }
    return readinessResponse(health, c);
  });
  if (health)
    app.get('/metrics', async (c) => c.body(await health.registry.metrics(), 200, { 'content-type': health.registry.contentType }));
  return app;
}
