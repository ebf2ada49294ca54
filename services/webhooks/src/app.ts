import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { registerWebhooksV1 } from '@concord/contracts/generated/webhooks.v1/server.ts';
import type { BindOptions } from '@concord/contracts/src/server/bind-contract.ts';
import { problemErrorHandler, problemNotFoundHandler } from '@concord/contracts/src/problem-handler.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { readinessResponse } from '@concord/service-runtime/src/http/service-app.ts';
import type { ServiceHealth } from '@concord/service-runtime/src/http/service-health.ts';
import { createWebhooksHandlers, type HandlerDeps, type WebhooksEnv } from './api/handlers.ts';
import { requirePartner } from './api/partner.ts';

export interface WebhooksAppDeps extends HandlerDeps {
  db: Database;
  registry: Registry;
  responseValidation?: BindOptions['responseValidation'];
  onUnexpected?: (err: unknown) => void;
  /** Database, bus and outbox readiness, as the other services report it. */
  health?: ServiceHealth;
}

/** The webhooks system API: the contract's operations, scoped by partner, plus health and metrics. */
export function buildWebhooksApp(deps: WebhooksAppDeps): Hono {
  const handlerOptions = { onUnexpected: (err: unknown) => deps.onUnexpected?.(err) };
  const app = new Hono();
  app.onError(problemErrorHandler(handlerOptions));
  app.notFound(problemNotFoundHandler());
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    if (deps.health) return readinessResponse(deps.health, c);
    try {
      await deps.db.query('SELECT 1');
      return c.json({ status: 'ready' });
    } catch {
      return c.json({ status: 'unavailable', detail: 'The data store does not answer.' }, 503);
    }
  });
  app.get('/metrics', async (c) => c.body(await deps.registry.metrics(), 200, { 'content-type': deps.registry.contentType }));
  // The partner-scoped API has its own typed environment; mounted so the app stays a plain Hono like the other services'.
  const api = new Hono<WebhooksEnv>();
  api.onError(problemErrorHandler<WebhooksEnv>(handlerOptions));
  api.use('/webhooks/*', requirePartner);
  registerWebhooksV1(api, createWebhooksHandlers(deps), {
    responseValidation: deps.responseValidation ?? 'report',
    onResponseMismatch: (operationId, status, errors) =>
      deps.onUnexpected?.(new Error(`${operationId} ${status} breaks the contract: ${JSON.stringify(errors)}`)),
  });
  app.route('/', api);
  return app;
}
