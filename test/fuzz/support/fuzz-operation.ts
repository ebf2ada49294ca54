/**
 * Fuzzes one operation through a gateway: fast-check generates requests from its contract, each is
 * sent over HTTP with the partner's token, and the response must pass every conformance check.
 * A failure is shrunk to the smallest request that still fails and thrown with that request
 * (method, target, headers, body), the checks it broke, the response, and the seed to replay it.
 */
import fc from 'fast-check';
import type { OperationEntry } from '@concord/contracts/src/document/openapi-document.ts';
import { createContractAjv } from '@concord/contracts/src/server/ajv.ts';
import { createOperationValidator } from '@concord/contracts/src/server/request-validator.ts';
import { conformanceFailures, type ObservedResponse } from './conformance-checks.ts';
import { fuzzRequests, type FuzzRequest, type KnownIds } from './fuzz-request.ts';

const ajv = createContractAjv();

export interface FuzzOperationOptions {
  baseUrl: string;
  /** Bearer token whose scopes cover the operation; none for a gateway whose operations are public. */
  token: string | undefined;
  contract: string;
  basePath: string;
  entry: OperationEntry;
  known: KnownIds;
  numRuns: number;
  seed: number;
  /** Every request sent and what came back, shrinking included (for tallies). */
  onResponse?: (request: FuzzRequest, response: ObservedResponse) => void;
}

export async function send(baseUrl: string, token: string | undefined, request: FuzzRequest): Promise<ObservedResponse> {
  const res = await fetch(baseUrl + request.target, {
    method: request.method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

export async function fuzzOperation(options: FuzzOperationOptions): Promise<void> {
  const { baseUrl, token, contract, basePath, entry, known } = options;
  const validator = createOperationValidator(entry, ajv);
  await fc.assert(
    fc.asyncProperty(fuzzRequests(contract, basePath, entry, known), async (request) => {
      const response = await send(baseUrl, token, request);
      options.onResponse?.(request, response);
      const failures = conformanceFailures(entry, validator, response);
      if (failures.length > 0)
        throw new Error(
          `${failures.join('\n')}\nresponse: ${response.status} ${response.contentType ?? '(no content-type)'} ${response.text.slice(0, 600)}`,
        );
    }),
    { numRuns: options.numRuns, seed: options.seed, endOnFailure: false },
  );
}
