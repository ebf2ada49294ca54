import { Hono } from 'hono';
import { problem, problemResponse } from '@concord/contracts/src/problem.ts';
import { problemErrorHandler, problemNotFoundHandler } from '@concord/contracts/src/problem-handler.ts';
import type { Database } from '../database/database.ts';

/**
 * A Hono app whose every error is RFC 9457 problem+json: ProblemErrors as thrown, anything else a
 * bare 500 that is reported through `onUnexpected` and says nothing of the internals. `/healthz`
 * says the process is alive, `/readyz` that its database answers.
 */
export function createServiceApp(onUnexpected: (err: unknown) => void, db?: Database): Hono {
  const app = new Hono();
  app.onError(problemErrorHandler({ onUnexpected: (err) => onUnexpected(err) }));
  app.notFound(problemNotFoundHandler());
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await db?.query('SELECT 1');
      return c.json({ status: 'ready' });
    } catch {
      return problemResponse(problem(503, 'The database does not answer.'));
    }
  });
  return app;
}
