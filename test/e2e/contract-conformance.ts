/**
 * Checks that what the gateway forwarded is what the public contract promises: the status is
 * documented for the operation and the body validates against its schema. Validators are the
 * contracts' own (createOperationValidator), compiled once per contract.
 */
import { openApiContracts } from '@concord/contracts/generated/index.ts';
import { listOperations, mediaTypeOf } from '@concord/contracts/src/document/openapi-document.ts';
import { createContractAjv } from '@concord/contracts/src/server/ajv.ts';
import { createOperationValidator, type OperationValidator } from '@concord/contracts/src/server/request-validator.ts';
import { expect } from 'vitest';

const ajv = createContractAjv();
const validators = new Map<string, OperationValidator>();
for (const [id, document] of Object.entries(openApiContracts)) {
  for (const entry of listOperations(document)) validators.set(`${id} ${entry.operationId}`, createOperationValidator(entry, ajv));
}

/** Reads the body once, asserts it conforms to `contract`'s `operationId`, and returns it. */
export async function conforming<T = Record<string, unknown>>(contract: string, operationId: string, res: Response): Promise<T> {
  const validator = validators.get(`${contract} ${operationId}`);
  if (!validator) throw new Error(`${contract} has no operation ${operationId}`);
  const text = await res.text();
  const body: unknown = text ? JSON.parse(text) : undefined;
  const errors = validator.validateResponse(res.status, mediaTypeOf(res.headers.get('content-type')), body);
  expect(errors, `${contract} ${operationId} ${res.status}: ${text.slice(0, 300)}`).toEqual([]);
  return body as T;
}

/** A gateway error: RFC 9457 problem+json carrying the request id the response header names. */
export async function gatewayProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^https:\/\//), title: expect.any(String), detail: expect.any(String) });
  expect(body.request_id).toBeTruthy();
  expect(body.request_id).toBe(res.headers.get('x-request-id'));
  return body;
}
