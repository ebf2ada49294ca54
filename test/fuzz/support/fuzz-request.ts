/**
 * One generated request for one operation of a contract: path parameters (known ids of resources
 * the fuzz partner owns, schema values, hostile strings), the optional query and header
 * parameters, and a body for one of the operation's media types (valid, hostile, or not JSON at
 * all, now and then under a media type the operation does not take; a form where the media type is
 * one, form-body.ts). It prints as the request
 * would be written (`POST /v2/customers` + headers + body), so a shrunk counterexample reads as
 * the request to replay.
 */
import fc from 'fast-check';
import type { OperationEntry, ParameterObject } from '@concord/contracts/src/document/openapi-document.ts';
import { createMediaTypeTable } from '@concord/contracts/src/server/media-types.ts';
import { formBody, styledPairs } from './form-body.ts';
import { hostileValue, LONE_SURROGATE, NUL, validValue } from './schema-arbitraries.ts';

export interface FuzzRequest {
  contract: string;
  operationId: string;
  method: string;
  /** Path and query as sent, the API's base path included. */
  target: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** Ids of resources that exist, by parameter name (`customerId`, `customer_id`, `sku` ...), so a request can reach past the 404. */
export type KnownIds = Readonly<Record<string, readonly string[]>>;

const hex = (byte: number) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * Percent-encoding that also writes a lone surrogate, as WTF-8 bytes (what a client in a language
 * with UTF-16 strings puts on the wire), where encodeURIComponent would throw.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const pair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff)
      out += hex(0xe0 | (unit >> 12)) + hex(0x80 | ((unit >> 6) & 0x3f)) + hex(0x80 | (unit & 0x3f));
    else out += encodeURIComponent(text[i]!);
  }
  return out;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Path parameter values: an id that exists, a schema value, or something no route should take. */
function pathValue(parameter: ParameterObject, known: KnownIds): fc.Arbitrary<string> {
  const ids = known[parameter.name] ?? [];
  const hostile = fc.constantFrom('', '..', '%', '~', 'x'.repeat(2000), '😀', NUL, LONE_SURROGATE, 'a/b', '-1');
  return fc.oneof(
    ...(ids.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...ids) }] : []),
    { weight: 3, arbitrary: validValue(parameter.schema).map(asText) },
    { weight: 1, arbitrary: hostile },
  );
}

/** Query and header parameters: each sent or not, mostly valid; an undeclared one now and then. */
function queryValue(parameter: ParameterObject, known: KnownIds): fc.Arbitrary<[string, string][]> {
  const ids = known[parameter.name] ?? [];
  const schemaValue = fc.oneof(
    { weight: 4, arbitrary: validValue(parameter.schema) },
    { weight: 1, arbitrary: hostileValue(parameter.schema) },
  );
  const style = parameter.style ?? 'form';
  // Written by its style as a client following the contract would (form-body.ts); a value as JSON text.
  const pairs = schemaValue.map((value) => styledPairs(parameter.name, value, style, parameter.explode ?? style === 'form', asText));
  return ids.length > 0
    ? fc.oneof(
        fc.constantFrom(...ids).map((id): [string, string][] => [[parameter.name, id]]),
        pairs,
      )
    : pairs;
}

/** Header values must be ISO-8859-1 without controls, or fetch refuses to send them. */
const sendableHeader = (value: string) => /^[\x20-\x7e]*$/.test(value);

/** Deeper than any recursive walk of parsed JSON survives (a call per level), well inside the body limit. */
const DEEP = 200_000;
const JUNK_BODIES = [
  '',
  '{',
  'null',
  '[]',
  '"text"',
  '{"a":',
  'not json',
  '\u0000',
  '{"a":1}{"b":2}',
  '1e999',
  `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`,
  `{"given_name":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`,
  `{"a":${'{"a":'.repeat(DEEP / 5)}1${'}'.repeat(DEEP / 5)}}`,
];

function bodyArbitrary(
  entry: OperationEntry,
  known: KnownIds,
): fc.Arbitrary<{ contentType: string | undefined; body: string | undefined }> {
  const content = entry.operation.requestBody?.content ?? {};
  const mediaTypes = Object.keys(content);
  // Stripe's contract gives its GETs a form `requestBody`; fetch cannot send a body with GET or HEAD.
  const bodiless = entry.method === 'get' || entry.method === 'head';
  if (mediaTypes.length === 0 || bodiless) return fc.constant({ contentType: undefined, body: undefined });
  const declared = fc.constantFrom(...mediaTypes);
  // Written as the media type says: a form for form types (by the operation's encoding), else JSON
  // text (which an XML or binary operation takes unchecked, as the gateway does not parse those).
  const table = createMediaTypeTable(content).declared;
  const write = (mediaType: string, value: unknown) => {
    const declaredType = table.find((d) => d.key === mediaType);
    if (declaredType?.kind === 'urlencoded' || declaredType?.kind === 'multipart')
      return formBody(declaredType.kind, value, declaredType.media.encoding, percentEncode);
    return { contentType: mediaType, body: JSON.stringify(value) };
  };
  const of = (pick: typeof validValue) =>
    declared.chain((mediaType) => pick(content[mediaType]!.schema, known).map((value) => write(mediaType, value)));
  return fc.oneof(
    { weight: 4, arbitrary: of(validValue) },
    { weight: 4, arbitrary: of(hostileValue) },
    { weight: 1, arbitrary: fc.record({ contentType: declared, body: fc.constantFrom(...JUNK_BODIES) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        contentType: fc.constantFrom('text/plain', 'application/xml', 'application/json; charset=latin1'),
        body: fc.constant('{}'),
      }),
    },
  );
}

/** Every request the fuzz may send to `entry` of `contract`, served under `basePath`. */
export function fuzzRequests(contract: string, basePath: string, entry: OperationEntry, known: KnownIds): fc.Arbitrary<FuzzRequest> {
  const pathParameters = entry.parameters.filter((p) => p.in === 'path');
  const queryParameters = entry.parameters.filter((p) => p.in === 'query');
  const headerParameters = entry.parameters.filter((p) => p.in === 'header');
  const path = fc
    .tuple(...pathParameters.map((p) => pathValue(p, known)))
    .map((values) => pathParameters.reduce((out, p, i) => out.replace(`{${p.name}}`, percentEncode(values[i]!)), entry.path));
  const query = fc.record(Object.fromEntries(queryParameters.map((p) => [p.name, queryValue(p, known)])), {
    requiredKeys: queryParameters.filter((p) => p.required).map((p) => p.name),
  });
  const undeclared = fc.oneof(
    { weight: 9, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('unknown=1', 'limit=1&limit=2', '%ZZ=1') },
  );
  const headers = fc.record(
    Object.fromEntries(
      headerParameters.map((p) => [
        p.name.toLowerCase(),
        fc
          .oneof({ weight: 4, arbitrary: validValue(p.schema) }, { weight: 1, arbitrary: hostileValue(p.schema) })
          .map(asText)
          .filter(sendableHeader),
      ]),
    ),
    { requiredKeys: headerParameters.filter((p) => p.required).map((p) => p.name.toLowerCase()) },
  );
  // What the client will take: mostly nothing said, sometimes what it documents, sometimes what it does not (406).
  const accept = fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('application/json', 'application/problem+json', '*/*', 'application/*;q=0.5') },
    { weight: 1, arbitrary: fc.constantFrom('text/html', 'application/xml', 'image/png;q=0, text/csv', ';;;') },
  );
  return fc
    .record({ path, query, undeclared, headers, accept, body: bodyArbitrary(entry, known) })
    .map(({ path, query, undeclared, headers, accept, body }) => {
      const pairs = Object.values(query).flatMap((written) =>
        (written as [string, string][]).map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`),
      );
      if (undeclared) pairs.push(undeclared);
      const request: FuzzRequest = {
        contract,
        operationId: entry.operationId,
        method: entry.method.toUpperCase(),
        target: basePath + path + (pairs.length > 0 ? `?${pairs.join('&')}` : ''),
        headers: {
          ...(headers as Record<string, string>),
          ...(accept ? { accept } : {}),
          ...(body.contentType ? { 'content-type': body.contentType } : {}),
        },
        body: body.body,
      };
      return withPrintout(request);
    });
}

/** The request as fast-check prints a counterexample: method, target, headers and body. */
function withPrintout(request: FuzzRequest): FuzzRequest {
  return Object.defineProperty(request, fc.toStringMethod, { value: () => describeRequest(request), enumerable: false });
}

export function describeRequest(request: FuzzRequest): string {
  const lines = [`${request.method} ${request.target}  (${request.contract} ${request.operationId})`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  if (request.body !== undefined) lines.push('', JSON.stringify(request.body));
  return lines.join('\n');
}
