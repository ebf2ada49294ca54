/**
 * Tells clients when a version is going away. A deprecated version answers with Deprecation
 * (RFC 9745, `@<epoch-seconds>`), Sunset (RFC 8594, HTTP-date) and Link rel="successor-version";
 * after its sunset, or once retired, it answers 410 naming the successor. Header values are built
 * once per API at start-up; a request only compares the clock with the sunset.
 */
import type { ApiConfig } from '../../config/schema.ts';
import type { GatewayDeps } from '../../deps.ts';
import type { createGatewayFactory } from '../../env.ts';
import { GatewayError } from '../../errors.ts';
import type { PipelineStep } from '../../route-pipeline.ts';

interface CompiledLifecycle {
  status: 'current' | 'deprecated' | 'retired';
  headers: [string, string][];
  sunsetAt: number | undefined;
  successor: { contract: string; basePath: string } | undefined;
}

export function compileLifecycle(api: ApiConfig, apis: readonly ApiConfig[]): CompiledLifecycle {
  const { status, deprecation, sunset, successor } = api.lifecycle;
  const target = successor ? apis.find((a) => a.contract === successor) : undefined;
  const headers: [string, string][] = [];
  const sunsetAt = sunset ? Date.parse(sunset) : undefined;
  if (status !== 'current') {
    if (deprecation) headers.push(['deprecation', `@${Math.floor(Date.parse(deprecation) / 1000)}`]);
    if (sunsetAt !== undefined) headers.push(['sunset', new Date(sunsetAt).toUTCString()]);
    if (target) headers.push(['link', `<${target.basePath}>; rel="successor-version"`]);
  }
  return { status, headers, sunsetAt, successor: target ? { contract: target.contract, basePath: target.basePath } : undefined };
}

/**
 * The pipeline step: on the routes of a deprecated or retired version only (a current version's
 * routes leave it out of their chain, route-pipeline.ts).
 */
export function versionPolicy(
  factory: ReturnType<typeof createGatewayFactory>,
  apis: readonly ApiConfig[],
  deps: Pick<GatewayDeps, 'now'>,
): PipelineStep {
  const byBasePathAndContract = new Map<string, CompiledLifecycle>();
  for (const api of apis) {
    const compiled = compileLifecycle(api, apis);
    if (compiled.status !== 'current') byBasePathAndContract.set(`${api.basePath} ${api.contract}`, compiled);
  }
  const lifecycleOf = (route: { basePath: string; contract: string }) => byBasePathAndContract.get(`${route.basePath} ${route.contract}`);
  // Resolved once per route, so a request does a WeakMap lookup, not a string build.
  const perRoute = new WeakMap<object, CompiledLifecycle | null>();
  const handler = factory.createMiddleware(async function versionPolicy(c, next) {
    const route = c.get('route');
    let lifecycle = perRoute.get(route);
    if (lifecycle === undefined) perRoute.set(route, (lifecycle = lifecycleOf(route) ?? null));
    // Only where the step is mounted outside a compiled chain (its tests): a compiled chain leaves it out.
    if (!lifecycle) return next();
    if (lifecycle.status === 'retired' || (lifecycle.sunsetAt !== undefined && deps.now() >= lifecycle.sunsetAt)) {
      const next_ = lifecycle.successor;
      const detail = next_
        ? `${route.contract} is no longer served; use ${next_.contract} at ${next_.basePath}.`
        : `${route.contract} is no longer served.`;
      throw new GatewayError('VERSION_GONE', detail, {
        headers: Object.fromEntries(lifecycle.headers.filter(([name]) => name !== 'deprecation')),
        extensions: next_ ? { successor: next_.contract, successor_base_path: next_.basePath } : {},
      });
    }
    await next();
    // Link may already carry the upstream's relations (pagination); add ours rather than replace them.
    for (const [name, value] of lifecycle.headers) {
      if (name === 'link') c.res.headers.append(name, value);
      else c.res.headers.set(name, value);
    }
  });
  return { name: 'version-policy', handler, appliesTo: (route) => lifecycleOf(route) !== undefined };
}
