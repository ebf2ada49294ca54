/**
 * The contract pipeline, compiled per route when the gateway is built: each route's chain holds only
 * the steps that have work on it (a GET has no idempotency step, a current version no lifecycle
 * step, a route without an adapter no adapter step), as fastify compiles hooks per route. The one
 * ordered list of steps in app.ts stays the source of truth; a step's `appliesTo` only says where it
 * can be left out, never changes what it does where it runs.
 *
 * Why not one `app.use('*')` per step: every layer Hono composes is an async frame, a promise and a
 * microtask hop per request even when the step returns `next()` at once. The chain here keeps
 * Hono's middleware contract (a step awaits `next()` and reads `c.res` after it; a step may return a
 * Response; an error thrown inside becomes the problem response at the layer that threw, so the
 * steps outside it still see a response and add their headers), which hono's own compose implements
 * and does not export.
 */
import type { Context, ErrorHandler, Handler, MiddlewareHandler } from 'hono';
import type { GatewayEnv } from './env.ts';
import type { CompiledRoute } from './route-variables.ts';

export interface PipelineStep {
  /** For logs and tests: which steps a route's chain holds. */
  name: string;
  handler: MiddlewareHandler<GatewayEnv>;
  /** False where the step has nothing to do on the route; absent means every route. */
  appliesTo?: (route: CompiledRoute) => boolean;
}

type Chain = (c: Context<GatewayEnv>) => Promise<void>;

/** The upstream call ends the chain; nothing runs after it. */
const ended = async () => undefined;

function chainOf(
  handlers: readonly MiddlewareHandler<GatewayEnv>[],
  terminal: Handler<GatewayEnv>,
  onError: ErrorHandler<GatewayEnv>,
): Chain {
  const last = handlers.length;
  return (c) => {
    let index = -1;
    const dispatch = async (i: number): Promise<void> => {
      if (i <= index) throw new Error('next() called multiple times');
      index = i;
      let res: Response | undefined;
      let isError = false;
      try {
        res = (i === last ? await terminal(c, ended) : await handlers[i]!(c, () => dispatch(i + 1))) ?? undefined;
      } catch (err) {
        if (!(err instanceof Error)) throw err;
        c.error = err;
        res = await onError(err, c);
        isError = true;
      }
      if (res && (!c.finalized || isError)) c.res = res;
    };
    return dispatch(0);
  };
}

export interface RoutePipelines {
  /** Runs the matched route's chain; registered after the step that sets `route`. */
  handler: MiddlewareHandler<GatewayEnv>;
  /** The names of the steps in a route's chain, in order. */
  stepsOf(route: CompiledRoute): string[];
}

export function compileRoutePipelines(
  routes: readonly CompiledRoute[],
  steps: readonly PipelineStep[],
  terminal: Handler<GatewayEnv>,
  onError: ErrorHandler<GatewayEnv>,
): RoutePipelines {
  const chains = new Map<CompiledRoute, Chain>();
  const names = new Map<CompiledRoute, string[]>();
  for (const route of routes) {
    const kept = steps.filter((step) => step.appliesTo?.(route) ?? true);
    chains.set(
      route,
      chainOf(
        kept.map((step) => step.handler),
        terminal,
        onError,
      ),
    );
    names.set(
      route,
      kept.map((step) => step.name),
    );
  }
  return {
    handler: async function routePipeline(c) {
      const chain = chains.get(c.get('route'));
      // Every route the matcher can return was compiled with the table; a miss is a build bug.
      if (!chain) throw new Error(`no compiled pipeline for ${c.get('route').operationId}`);
      await chain(c);
    },
    stepsOf: (route) => names.get(route) ?? [],
  };
}
