import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { registerWebhooksV1 } from '@concord/contracts/generated/webhooks.v1/server.ts';
import { problemErrorHandler, problemNotFoundHandler } from '@concord/contracts/src/problem-handler.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { createWebhooksHandlers, type HandlerDeps, type WebhooksEnv } from './api/handlers.ts';
import { requirePartner } from './api/partner.ts';

export interface WebhooksAppDeps extends HandlerDeps {
  db: Database;
  registry: Registry;
  onUnexpected?: (err: unknown) => void;
}

/** The webhooks system API: the contract's operations, scoped by partner, plus health and metrics. */
export function buildWebhooksApp(deps: WebhooksAppDeps): Hono<WebhooksEnv> {
  const app = new Hono<WebhooksEnv>();
  app.onError(problemErrorHandler({ onUnexpected: (err) => deps.onUnexpected?.(err) }));
  app.notFound(problemNotFoundHandler());
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.db.query('SELECT 1');
      return c.json({ status: 'ready' });
    } catch {
      return c.json({ status: 'unavailable', detail: 'The data store does not answer.' }, 503);
    }
  });
  app.get('/metrics', async (c) => c.body(await deps.registry.metrics(), 200, { 'content-type': deps.registry.contentType }));
  app.use('/webhooks/*', requirePartner);
  registerWebhooksV1(app, createWebhooksHandlers(deps));
  return app;
}
