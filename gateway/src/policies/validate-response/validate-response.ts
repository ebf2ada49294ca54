/**
 * Checks what the upstream answered (after any adapter) against the public contract. `report` logs
 * and counts a mismatch and forwards the response; `enforce` answers 502 UPSTREAM_CONTRACT_BROKEN so
 * a client never receives a shape its contract does not promise. Only bodies the proxy buffered
 * (JSON, when this route validates or adapts responses) are checked; streamed bodies pass untouched.
 */
import { mediaTypeOf } from '@concord/contracts/src/document/openapi-document.ts';
import { Counter, type Registry } from 'prom-client';
import type { GatewayDeps } from '../../deps.ts';
import type { createGatewayFactory } from '../../env.ts';
import { GatewayError } from '../../errors.ts';
import { requestLogger } from '../request-context/request-logger.ts';
import { responseHeader } from '../../response-headers.ts';

const METRIC = 'concord_upstream_contract_violations_total';

/** One counter per registry, so a config reload (a new app on the same registry) reuses it. */
function violationsCounter(registry: Registry): Counter<'contract' | 'operation' | 'status' | 'mode'> {
  const existing = registry.getSingleMetric(METRIC);
  if (existing) return existing as Counter<'contract' | 'operation' | 'status' | 'mode'>;
  return new Counter({
    name: METRIC,
    help: 'Upstream responses that broke the public contract, by contract, operation, status and validation mode',
    labelNames: ['contract', 'operation', 'status', 'mode'],
    registers: [registry],
  });
}

export function validateResponse(factory: ReturnType<typeof createGatewayFactory>, deps: Pick<GatewayDeps, 'logger' | 'metrics'>) {
  const violations = violationsCounter(deps.metrics);
  return factory.createMiddleware(async function validateResponse(c, next) {
    await next();
    const route = c.get('route');
    const mode = route.policies.validation.response;
    if (mode === 'off') return;
    const body = c.get('responseJson');
    const unparsed = body === undefined && c.get('responseUnparsed') === true;
    if (body === undefined && !unparsed) return;
    const status = c.res.status;
    const mediaType = mediaTypeOf(responseHeader(c, 'content-type'));
    let errors = route.validator.validateResponse(status, mediaType, body);
    // A body the gateway did not parse: only whether the contract documents it can be checked.
    if (unparsed && errors.length > 0)
      errors = [{ pointer: '/headers/content-type', message: `${mediaType ?? 'no media type'} is not documented for status ${status}` }];
    if (errors.length === 0) return;
    violations.inc({ contract: route.contract, operation: route.operationId, status: String(status), mode });
    requestLogger(c, deps.logger).warn({ status, errors, mode }, `upstream response breaks ${route.contract} ${route.operationId}`);
    if (mode === 'enforce') {
      c.set('responseJson', undefined);
      if (unparsed) await c.res.body?.cancel().catch(() => undefined);
      throw new GatewayError(
        'UPSTREAM_CONTRACT_BROKEN',
        `The upstream's ${status} response to ${route.operationId} does not conform to ${route.contract}; it was withheld.`,
        {
          extensions: { upstream_status: status },
        },
      );
    }
  });
}
