import { Hono } from 'hono';
import { problemErrorHandler, problemNotFoundHandler } from '@concord/contracts/src/problem-handler.ts';

/**
 * A Hono app whose every error is RFC 9457 problem+json: ProblemErrors as thrown, anything else a
 * bare 500 that is reported through `onUnexpected` and says nothing of the internals.
 */
export function createServiceApp(onUnexpected: (err: unknown) => void): Hono {
  const app = new Hono();
  app.onError(problemErrorHandler({ onUnexpected: (err) => onUnexpected(err) }));
  app.notFound(problemNotFoundHandler());
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  return app;
}
