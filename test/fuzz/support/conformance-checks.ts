/**
 * What every fuzzed response must satisfy, the checks Schemathesis runs by default:
 * - not_a_server_error: no 5xx;
 * - status_code_conformance: the status is documented by the operation, or it is one of the
 *   gateway's own problems the README documents for every operation (400, 401, 403, 404, 405,
 *   406, 409, 413, 415, 422, 429, 431 as problem+json; also where the operation documents that
 *   status without a body or without problem+json);
 * - content_type_conformance: a documented status comes with one of its documented media types
 *   (and no body where none is documented);
 * - response_schema_conformance: its body validates against the documented schema.
 * Each returns what is wrong, or nothing.
 */
import { isJsonMediaType, mediaTypeOf, type OperationEntry } from '@concord/contracts/src/document/openapi-document.ts';
import type { OperationValidator } from '@concord/contracts/src/server/request-validator.ts';

/** The gateway's own answers any operation may get (README, Handle errors; docs/problems.md). */
export const GATEWAY_PROBLEM_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429, 431]);

export interface ObservedResponse {
  status: number;
  contentType: string | null;
  text: string;
}

function documentedResponse(entry: OperationEntry, status: number) {
  const responses = entry.operation.responses ?? {};
  return responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
}

function parsed(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function gatewayProblemFailures(res: ObservedResponse, mediaType: string | undefined): string[] {
  if (mediaType !== 'application/problem+json') return [`content_type_conformance: a gateway ${res.status} is ${mediaType ?? 'untyped'}`];
  const body = parsed(res.text);
  const problem = body.ok ? (body.value as Record<string, unknown>) : undefined;
  if (typeof problem?.type !== 'string' || typeof problem.title !== 'string' || problem.status !== res.status)
    return [`response_schema_conformance: a gateway ${res.status} is not a problem: ${res.text.slice(0, 200)}`];
  return [];
}

export function conformanceFailures(entry: OperationEntry, validator: OperationValidator, res: ObservedResponse): string[] {
  if (res.status >= 500) return [`not_a_server_error: ${res.status}`];
  const mediaType = mediaTypeOf(res.contentType);
  const documented = documentedResponse(entry, res.status);
  if (!documented) {
    if (!GATEWAY_PROBLEM_STATUSES.has(res.status)) return [`status_code_conformance: ${res.status} is not documented`];
    return gatewayProblemFailures(res, mediaType);
  }
  const mediaTypes = Object.keys(documented.content ?? {});
  // A contract that documents its 400 without a body, or in a type of its own (Petstore's "Invalid
  // ID supplied"), still gets the gateway's own problem there: the README documents those for every
  // operation. Where the contract documents problem+json, its schema is checked below instead.
  if (GATEWAY_PROBLEM_STATUSES.has(res.status) && mediaType === 'application/problem+json' && !mediaTypes.includes(mediaType))
    return gatewayProblemFailures(res, mediaType);
  if (mediaTypes.length === 0) return res.text === '' ? [] : [`content_type_conformance: ${res.status} documents no body but has one`];
  if (mediaType === undefined || !mediaTypes.includes(mediaType))
    return [`content_type_conformance: ${res.status} is ${mediaType ?? 'without a Content-Type'}, documented: ${mediaTypes.join(', ')}`];
  if (!isJsonMediaType(mediaType)) return [];
  const body = parsed(res.text);
  if (!body.ok) return [`response_schema_conformance: ${res.status} ${mediaType} is not JSON`];
  return validator.validateResponse(res.status, mediaType, body.value).map((e) => `response_schema_conformance: ${e.pointer} ${e.message}`);
}
