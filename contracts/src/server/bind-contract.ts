import type { Context, Env, Hono } from 'hono';
import { listOperations, toRouterPath, type OpenApiDocument } from '../document/openapi-document.ts';
import { ProblemError, type FieldError } from '../problem.ts';
import { rawQuery } from '../http/raw-query.ts';
import { createContractAjv, type ContractAjv } from './ajv.ts';
import type { ContractHandlers, TypedRequest } from './handler-types.ts';
import { createOperationValidator, type OperationValidator } from './request-validator.ts';

export interface BindOptions {
  /** Prefix for every route, e.g. `/v2`; default none. */
  basePath?: string;
  /**
   * Check every response against the contract before it leaves. A mismatch is the server's own
   * fault: it is reported through `onResponseMismatch` and, with `enforce`, answered as a 500.
   */
  responseValidation?: 'off' | 'report' | 'enforce';
  onResponseMismatch?: (operationId: string, status: number, errors: { pointer: string; message: string }[]) => void;
  /** Share Ajv instances (and their compiled-schema caches) between contracts. */
  ajv?: ContractAjv;
}

type BodyOutcome = { ok: true; value: unknown } | { ok: false; status: 400 | 415; detail: string; errors: FieldError[] };

async function readBody(c: Context, validator: OperationValidator): Promise<BodyOutcome> {
  const bytes =
    validator.bodyMediaTypes.length > 0 || c.req.header('content-length') || c.req.header('transfer-encoding')
      ? new Uint8Array(await c.req.arrayBuffer())
      : undefined;
  return validator.validateRequestBody(c.req.header('content-type'), bytes);
}

/**
 * Registers one Hono route per contract operation. Requests are validated by Ajv code compiled
 * here, once; handlers see typed, validated input and must return a documented response.
 */
export function bindContract<Ops, E extends Env>(
  app: Hono<E>,
  document: OpenApiDocument,
  handlers: ContractHandlers<Ops, E>,
  options: BindOptions = {},
): OperationValidator[] {
  const ajv = options.ajv ?? createContractAjv();
  const basePath = options.basePath ?? '';
  const responseValidation = options.responseValidation ?? 'off';
  const validators: OperationValidator[] = [];
  const table = handlers as Record<string, ((req: TypedRequest<unknown>, c: Context<E>) => unknown) | undefined>;

  for (const entry of listOperations(document)) {
    const handler = table[entry.operationId];
    if (!handler)
      throw new Error(
        `No handler for operation ${entry.operationId} (${entry.method.toUpperCase()} ${entry.path}) of ${document.info.title}`,
      );
    const validator = createOperationValidator(entry, ajv);
    validators.push(validator);

    app.on(entry.method.toUpperCase(), basePath + toRouterPath(entry.path), async (c) => {
      const params = validator.validateParameters({
        path: c.req.param() as Record<string, string>,
        query: rawQuery(c.req.url),
        header: (n) => c.req.header(n),
      });
      const body = await readBody(c as unknown as Context, validator);
      if (!body.ok && body.status === 415) throw new ProblemError('unsupported-media-type', body.detail, { errors: body.errors });
      // One answer names every bad field, parameters and body alike, so a client fixes them in one go.
      const errors = [...(params.ok ? [] : params.errors), ...(body.ok ? [] : body.errors)];
      if (!params.ok || !body.ok) {
        throw new ProblemError(
          'validation-error',
          `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.pointer).join(', ')}.`,
          { errors },
        );
      }
      const request = {
        params: params.value.path,
        query: params.value.query,
        headers: params.value.headers,
        body: body.value,
      } as TypedRequest<unknown>;
      const result = (await handler(request, c)) as { status: number; body?: unknown; headers?: Record<string, string> };
      const contentType =
        result.body === undefined ? undefined : pickContentType(entry.operation.responses?.[String(result.status)]?.content);
      if (responseValidation !== 'off') {
        const errors = validator.validateResponse(result.status, contentType, result.body);
        if (errors.length) {
          options.onResponseMismatch?.(entry.operationId, result.status, errors);
          if (responseValidation === 'enforce')
            throw new Error(
              `Response of ${entry.operationId} (${result.status}) breaks the contract: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`,
            );
        }
      }
      const headers = new Headers(result.headers);
      if (result.body === undefined) return new Response(null, { status: result.status, headers });
      headers.set('content-type', contentType ?? 'application/json');
      return new Response(JSON.stringify(result.body), { status: result.status, headers });
    });
  }
  return validators;
}

function pickContentType(content: Record<string, unknown> | undefined): string | undefined {
  if (!content) return undefined;
  const types = Object.keys(content);
  return types.includes('application/json') ? 'application/json' : types[0];
}
