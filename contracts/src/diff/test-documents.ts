/**
 * Small base documents that the rule fixtures edit. Every operation gets its own copy of every
 * schema, so an edit made through one accessor changes exactly one place.
 */
export type Json = Record<string, unknown>;

const shape = () => ({
  oneOf: [
    { type: 'object', required: ['kind', 'radius'], properties: { kind: { const: 'circle' }, radius: { type: 'number' } } },
    { type: 'object', required: ['kind', 'side'], properties: { kind: { const: 'square' }, side: { type: 'number' } } },
  ],
});

const thing = (): Json => ({
  type: 'object',
  required: ['id', 'name', 'status'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string', maxLength: 100 },
    status: { type: 'string', enum: ['active', 'archived'] },
    nickname: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    size: { type: 'integer', minimum: 0, maximum: 10 },
    shape: shape(),
  },
});

const thingInput = (): Json => ({
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    color: { type: 'string', enum: ['red', 'green'] },
    code: { type: 'string' },
    email: { type: 'string' },
    size: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
    note: { type: ['string', 'null'] },
    shape: shape(),
  },
});

const problem = () => ({
  description: 'A problem.',
  content: { 'application/problem+json': { schema: { type: 'object', properties: { title: { type: 'string' } } } } },
});
const json = (schema: Json) => ({ 'application/json': { schema } });

export function baseOpenApi(): Json {
  return {
    openapi: '3.1.0',
    info: { title: 'Things', version: '1.0.0' },
    security: [{ oauth2: ['things:read'] }],
    paths: {
      '/things': {
        get: {
          operationId: 'listThings',
          parameters: [
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            { name: 'X-Tenant', in: 'header', required: false, schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'Things.',
              headers: { 'X-Total': { schema: { type: 'integer' } } },
              content: json({ type: 'array', items: thing() }),
            },
            '400': problem(),
          },
        },
        post: {
          operationId: 'createThing',
          requestBody: { required: true, content: json(thingInput()) },
          responses: { '201': { description: 'Created.', content: json(thing()) }, '400': problem() },
        },
      },
      '/things/{thingId}': {
        parameters: [{ name: 'thingId', in: 'path', required: true, schema: { type: 'string' } }],
        get: { operationId: 'getThing', responses: { '200': { description: 'A thing.', content: json(thing()) }, '404': problem() } },
        delete: { operationId: 'deleteThing', responses: { '204': { description: 'Deleted.' } } },
      },
    },
  };
}

export function baseAsyncApi(): Json {
  const created = { address: 'things.created', messages: { thingCreated: { name: 'thing.created', payload: thing() } } };
  const ordered = { address: 'things.ordered', messages: { thingOrdered: { name: 'thing.ordered', payload: thingInput() } } };
  return {
    asyncapi: '3.0.0',
    info: { title: 'Thing events', version: '1.0.0' },
    channels: { thingCreated: created, thingOrdered: ordered },
    operations: {
      sendThingCreated: { action: 'send', channel: created },
      receiveThingOrdered: { action: 'receive', channel: ordered },
    },
  };
}

/** Walks a path of keys into a document, for edits: `at(doc, 'paths', '/things', 'get')`. */
export function at(doc: Json, ...keys: string[]): Json {
  let node: unknown = doc;
  for (const key of keys) {
    node = (node as Json)[key];
    if (typeof node !== 'object' || node === null) throw new Error(`no object at ${keys.join('/')}`);
  }
  return node as Json;
}

export const ops = {
  list: (d: Json) => at(d, 'paths', '/things', 'get'),
  create: (d: Json) => at(d, 'paths', '/things', 'post'),
  get: (d: Json) => at(d, 'paths', '/things/{thingId}', 'get'),
  remove: (d: Json) => at(d, 'paths', '/things/{thingId}', 'delete'),
};

/** The request body schema of createThing and the 200 schema of getThing. */
export const requestSchema = (d: Json) => at(ops.create(d), 'requestBody', 'content', 'application/json', 'schema');
export const responseSchema = (d: Json) => at(ops.get(d), 'responses', '200', 'content', 'application/json', 'schema');
export const prop = (schema: Json, name: string) => at(schema, 'properties', name);
export const params = (op: Json) => op['parameters'] as Json[];
