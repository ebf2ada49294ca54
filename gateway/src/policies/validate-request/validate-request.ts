/**
 * Checks a request against its operation in the contract with the validator compiled at start-up
 * (contracts' createOperationValidator): path, query and header parameters, content type (415 naming
 * the declared ones) and body by its media type (JSON and form fields against the schema, anything
 * else declared by type only), one `{ pointer, message }` per violated field (400). `report` logs
 * and lets it through.
 */
import type { FieldError } from '@concord/contracts/src/problem.ts';
import type { GatewayDeps } from '../../deps.ts';
import type { createGatewayFactory } from '../../env.ts';
import { rawQuery } from '@concord/contracts/src/http/raw-query.ts';
import { jsonNestsDeeperThan } from '@concord/contracts/src/server/json-nesting.ts';
import { GatewayError } from '../../errors.ts';
import { readRequestBody } from '../body-limit/read-body.ts';
import { requestLogger } from '../request-context/request-logger.ts';
import { requestHeader } from '../../request-headers.ts';

const decoder = new TextDecoder('utf-8', { fatal: false });

function invalid(errors: FieldError[], detail: string): GatewayError {
  return new GatewayError('VALIDATION_FAILED', detail, { errors });
}

export function validateRequest(factory: ReturnType<typeof createGatewayFactory>, deps: Pick<GatewayDeps, 'logger'>) {
  return factory.createMiddleware(async function validateRequest(c, next) {
    const route = c.get('route');
    const mode = route.policies.validation.request;
    const { validator } = route;
    const url = c.req.url;
    const needsBody =
      validator.bodyMediaTypes.length > 0 ||
      requestHeader(c, 'content-length') !== undefined ||
      requestHeader(c, 'transfer-encoding') !== undefined;
    const body = needsBody ? await readRequestBody(c) : null;

    if (mode === 'off') {
      if (body && route.adapter) c.set('requestJson', safeJson(body));
      return next();
    }

    let failure: GatewayError | undefined;
    const params = validator.validateParameters({
      path: c.get('pathParams'),
      query: url.includes('?') ? rawQuery(url) : {},
      header: (n) => requestHeader(c, n.toLowerCase()),
    });
    // Every declared media type by its own rules (JSON and forms parsed and checked, others by type);
    // the bytes read here are what the proxy forwards, unchanged.
    const result = await validator.validateRequestBody(requestHeader(c, 'content-type'), body ?? undefined);
    if (!result.ok && result.status === 415) {
      failure = new GatewayError('UNSUPPORTED_MEDIA_TYPE', result.detail, {
        errors: result.errors,
        headers: route.method === 'PATCH' ? { 'accept-patch': validator.bodyMediaTypes.join(', ') } : {},
      });
    } else if (!params.ok || !result.ok) {
      const errors = [...(params.ok ? [] : params.errors), ...(result.ok ? [] : result.errors)];
      failure = invalid(
        errors,
        `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.pointer).join(', ')}.`,
      );
    } else {
      c.set('requestJson', result.value);
    }

    if (failure) {
      if (mode === 'enforce') throw failure;
      requestLogger(c, deps.logger).warn(
        { errors: failure.errors, status: failure.status },
        'request breaks the contract (validation: report)',
      );
      if (body && route.adapter) c.set('requestJson', safeJson(body));
    }
    return next();
  });
}

function safeJson(body: Uint8Array): unknown {
  const text = decoder.decode(body);
  // The adapter walks what it is given: not a body nested past what any validated body may be.
  if (jsonNestsDeeperThan(text)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
