import type { RuleId } from './rules.ts';
import { at, ops, params, type Json } from './test-documents.ts';

export type Edit = (doc: Json) => void;

/**
 * One fixture pair per rule: `triggers` turns the base into a head that must report the rule;
 * `compatible` is the nearest edit that must not (and, for a breaking rule, reports nothing
 * breaking at all). `given` is applied to base and head alike, to set up a starting point.
 */
export interface RuleCase {
  id: RuleId;
  kind: 'openapi' | 'asyncapi';
  given?: Edit;
  triggers: Edit;
  compatible: Edit;
}

const none: Edit = () => {};
const paths = (d: Json) => at(d, 'paths');
const renamePathParam: Edit = (d) => {
  const item = at(d, 'paths', '/things/{thingId}');
  delete paths(d)['/things/{thingId}'];
  paths(d)['/things/{id}'] = item;
  (item['parameters'] as Json[])[0]!['name'] = 'id';
};
const param = (op: Json, name: string) => params(op).find((p) => p['name'] === name)!;
const body = (d: Json) => at(ops.create(d), 'requestBody');
const responses = (op: Json) => at(op, 'responses');
const withSecurity =
  (security: unknown): Edit =>
  (d) =>
    void (ops.get(d)['security'] = security);

export const OPENAPI_CASES: RuleCase[] = [
  { id: 'path-removed', kind: 'openapi', triggers: (d) => delete paths(d)['/things/{thingId}'], compatible: renamePathParam },
  {
    id: 'path-added',
    kind: 'openapi',
    triggers: (d) => void (paths(d)['/widgets'] = { get: { operationId: 'listWidgets', responses: { '200': { description: 'ok' } } } }),
    compatible: (d) =>
      void (at(d, 'paths', '/things/{thingId}')['put'] = { operationId: 'putThing', responses: { '200': { description: 'ok' } } }),
  },
  {
    id: 'operation-removed',
    kind: 'openapi',
    triggers: (d) => delete at(d, 'paths', '/things/{thingId}')['delete'],
    compatible: (d) => void (ops.remove(d)['deprecated'] = true),
  },
  {
    id: 'operation-added',
    kind: 'openapi',
    triggers: (d) =>
      void (at(d, 'paths', '/things/{thingId}')['put'] = { operationId: 'putThing', responses: { '200': { description: 'ok' } } }),
    compatible: none,
  },
  {
    id: 'operation-id-changed',
    kind: 'openapi',
    triggers: (d) => void (ops.get(d)['operationId'] = 'fetchThing'),
    compatible: (d) => void (ops.get(d)['summary'] = 'Fetch a thing'),
  },
  {
    id: 'operation-deprecated',
    kind: 'openapi',
    triggers: (d) => void (ops.get(d)['deprecated'] = true),
    compatible: (d) => Object.assign(ops.get(d), { deprecated: true, 'x-sunset': '2027-01-01' }),
  },
  {
    id: 'operation-deprecated-with-sunset',
    kind: 'openapi',
    triggers: (d) => Object.assign(ops.get(d), { deprecated: true, 'x-sunset': '2027-01-01' }),
    compatible: (d) => void (ops.get(d)['deprecated'] = true),
  },

  {
    id: 'request-parameter-added-required',
    kind: 'openapi',
    triggers: (d) => void params(ops.list(d)).push({ name: 'q', in: 'query', required: true, schema: { type: 'string' } }),
    compatible: (d) => void params(ops.list(d)).push({ name: 'q', in: 'query', schema: { type: 'string' } }),
  },
  {
    id: 'request-parameter-added-optional',
    kind: 'openapi',
    triggers: (d) => void params(ops.list(d)).push({ name: 'q', in: 'query', schema: { type: 'string' } }),
    compatible: none,
  },
  {
    id: 'request-parameter-made-required',
    kind: 'openapi',
    triggers: (d) => void (param(ops.list(d), 'limit')['required'] = true),
    compatible: (d) => void (param(ops.list(d), 'limit')['description'] = 'How many.'),
  },
  {
    id: 'request-parameter-made-optional',
    kind: 'openapi',
    given: (d) => void (param(ops.list(d), 'X-Tenant')['required'] = true),
    triggers: (d) => void (param(ops.list(d), 'X-Tenant')['required'] = false),
    compatible: none,
  },
  {
    id: 'request-parameter-removed',
    kind: 'openapi',
    triggers: (d) => void params(ops.list(d)).splice(1, 1),
    compatible: (d) => void (param(ops.list(d), 'X-Tenant')['deprecated'] = true),
  },
  {
    id: 'request-parameter-renamed',
    kind: 'openapi',
    triggers: (d) => void (param(ops.list(d), 'limit')['name'] = 'max'),
    compatible: renamePathParam,
  },
  { id: 'request-path-parameter-renamed', kind: 'openapi', triggers: renamePathParam, compatible: none },
  {
    id: 'request-parameter-location-changed',
    kind: 'openapi',
    triggers: (d) => void (param(ops.list(d), 'X-Tenant')['in'] = 'query'),
    compatible: (d) => void (param(ops.list(d), 'X-Tenant')['name'] = 'x-tenant'),
  },
  // A parameter's schema is a request schema: the same rules, located at the parameter.
  {
    id: 'request-type-changed',
    kind: 'openapi',
    triggers: (d) => void (param(ops.list(d), 'limit')['schema'] = { type: 'string' }),
    compatible: (d) => void (param(ops.list(d), 'limit')['schema'] = { type: 'number', minimum: 1, maximum: 100, default: 20 }),
  },
  {
    id: 'request-max-lowered',
    kind: 'openapi',
    triggers: (d) => void (at(param(ops.list(d), 'limit'), 'schema')['maximum'] = 50),
    compatible: (d) => void (at(param(ops.list(d), 'limit'), 'schema')['maximum'] = 500),
  },
  {
    id: 'request-parameter-deprecated',
    kind: 'openapi',
    triggers: (d) => void (param(ops.list(d), 'limit')['deprecated'] = true),
    compatible: (d) => void (param(ops.list(d), 'limit')['description'] = 'How many.'),
  },

  {
    id: 'request-body-added-required',
    kind: 'openapi',
    triggers: (d) =>
      void (ops.remove(d)['requestBody'] = { required: true, content: { 'application/json': { schema: { type: 'object' } } } }),
    compatible: (d) => void (ops.remove(d)['requestBody'] = { content: { 'application/json': { schema: { type: 'object' } } } }),
  },
  {
    id: 'request-body-added-optional',
    kind: 'openapi',
    triggers: (d) => void (ops.remove(d)['requestBody'] = { content: { 'application/json': { schema: { type: 'object' } } } }),
    compatible: none,
  },
  {
    id: 'request-body-made-required',
    kind: 'openapi',
    given: (d) => void (body(d)['required'] = false),
    triggers: (d) => void (body(d)['required'] = true),
    compatible: (d) => void (body(d)['description'] = 'The thing.'),
  },
  { id: 'request-body-removed', kind: 'openapi', triggers: (d) => delete ops.create(d)['requestBody'], compatible: none },
  {
    id: 'request-media-type-removed',
    kind: 'openapi',
    given: (d) => void (at(body(d), 'content')['application/xml'] = { schema: { type: 'string' } }),
    triggers: (d) => delete at(body(d), 'content')['application/xml'],
    compatible: (d) => void (at(body(d), 'content')['text/plain'] = { schema: { type: 'string' } }),
  },
  {
    id: 'request-media-type-added',
    kind: 'openapi',
    triggers: (d) => void (at(body(d), 'content')['text/plain'] = { schema: { type: 'string' } }),
    compatible: none,
  },

  {
    id: 'response-success-status-removed',
    kind: 'openapi',
    triggers: (d) => delete responses(ops.get(d))['200'],
    compatible: (d) => delete responses(ops.get(d))['404'],
  },
  { id: 'response-error-status-removed', kind: 'openapi', triggers: (d) => delete responses(ops.get(d))['404'], compatible: none },
  {
    id: 'response-success-status-added',
    kind: 'openapi',
    triggers: (d) => void (responses(ops.remove(d))['202'] = { description: 'Accepted.' }),
    compatible: (d) => void (responses(ops.remove(d))['409'] = { description: 'Conflict.' }),
  },
  {
    id: 'response-error-status-added',
    kind: 'openapi',
    triggers: (d) => void (responses(ops.remove(d))['409'] = { description: 'Conflict.' }),
    compatible: none,
  },
  {
    id: 'response-media-type-removed',
    kind: 'openapi',
    given: (d) => void (at(responses(ops.get(d)), '200', 'content')['application/xml'] = { schema: { type: 'string' } }),
    triggers: (d) => delete at(responses(ops.get(d)), '200', 'content')['application/xml'],
    compatible: (d) => void (at(responses(ops.get(d)), '200', 'content')['text/csv'] = { schema: { type: 'string' } }),
  },
  {
    id: 'response-media-type-added',
    kind: 'openapi',
    triggers: (d) => void (at(responses(ops.get(d)), '200', 'content')['text/csv'] = { schema: { type: 'string' } }),
    compatible: none,
  },
  {
    id: 'response-header-removed',
    kind: 'openapi',
    triggers: (d) => delete at(responses(ops.list(d)), '200', 'headers')['X-Total'],
    compatible: (d) => void (at(responses(ops.list(d)), '200', 'headers', 'X-Total')['description'] = 'Count.'),
  },
  {
    id: 'response-header-added',
    kind: 'openapi',
    triggers: (d) => void (at(responses(ops.list(d)), '200', 'headers')['X-Next'] = { schema: { type: 'string' } }),
    compatible: none,
  },

  {
    id: 'security-scheme-added',
    kind: 'openapi',
    triggers: withSecurity([{ oauth2: ['things:read'], apiKey: [] }]),
    compatible: withSecurity([{ oauth2: ['things:read'] }, { apiKey: [] }]),
  },
  {
    id: 'security-scope-added',
    kind: 'openapi',
    triggers: withSecurity([{ oauth2: ['things:read', 'things:admin'] }]),
    compatible: withSecurity([{ oauth2: ['things:read'] }, { oauth2: ['things:admin'] }]),
  },
  { id: 'security-scheme-removed', kind: 'openapi', triggers: withSecurity([{}]), compatible: none },
  {
    id: 'security-scope-removed',
    kind: 'openapi',
    given: withSecurity([{ oauth2: ['things:read', 'things:extra'] }]),
    triggers: withSecurity([{ oauth2: ['things:read'] }]),
    compatible: none,
  },
];
