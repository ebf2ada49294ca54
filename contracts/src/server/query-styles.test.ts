import { describe, expect, it } from 'vitest';
import type { OperationEntry, ParameterObject } from '../document/openapi-document.ts';
import { createContractAjv } from './ajv.ts';
import { createOperationValidator } from './request-validator.ts';

/** Query parameters read by their `style` and `explode`, as OpenAPI's Parameter Object defines them. */
function validator(parameters: ParameterObject[]) {
  const entry: OperationEntry = {
    operationId: 'listCharges',
    method: 'get',
    path: '/charges',
    operation: { operationId: 'listCharges', responses: {} },
    parameters,
    security: undefined,
  };
  return createOperationValidator(entry, createContractAjv());
}

const query = (text: string) => {
  const out: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(text)) (out[k] ??= []).push(v);
  return { path: {}, query: out, header: () => undefined };
};

describe('query parameters by style', () => {
  const v = validator([
    {
      name: 'created',
      in: 'query',
      style: 'deepObject',
      explode: true,
      schema: {
        anyOf: [
          { type: 'object', properties: { gte: { type: 'integer' }, lte: { type: 'integer' } }, additionalProperties: false },
          { type: 'integer' },
        ],
      },
    },
    { name: 'expand', in: 'query', style: 'deepObject', explode: true, schema: { type: 'array', items: { type: 'string' } } },
    { name: 'ids', in: 'query', explode: false, schema: { type: 'array', items: { type: 'integer' } } },
    { name: 'tags', in: 'query', style: 'pipeDelimited', explode: false, schema: { type: 'array', items: { type: 'string' } } },
    { name: 'status', in: 'query', schema: { type: 'array', items: { type: 'string', enum: ['paid', 'open'] } } },
  ] as ParameterObject[]);

  it('reads deepObject brackets (nested, [] appends), delimited arrays and exploded ones', () => {
    const result = v.validateParameters(
      query('created[gte]=100&created[lte]=200&expand[]=customer&expand[]=invoice&ids=1,2,3&tags=a|b&status=paid&status=open'),
    );
    expect(result).toEqual({
      ok: true,
      value: {
        path: {},
        headers: {},
        query: {
          created: { gte: 100, lte: 200 },
          expand: ['customer', 'invoice'],
          ids: [1, 2, 3],
          tags: ['a', 'b'],
          status: ['paid', 'open'],
        },
      },
    });
    // The other branch of the anyOf: a plain value.
    expect(v.validateParameters(query('created=100'))).toMatchObject({ ok: true, value: { query: { created: 100 } } });
  });

  it('names what is wrong: a nested member, an item, and brackets on a parameter that is not deepObject', () => {
    const result = v.validateParameters(query('created[gte]=soon&ids=1,x&status[0]=paid'));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors.map((e) => e.pointer)).toEqual(expect.arrayContaining(['/query/created', '/query/ids/1', '/query/status[0]']));
  });
});

describe('path and header parameters (style simple)', () => {
  const entry: OperationEntry = {
    operationId: 'getMany',
    method: 'get',
    path: '/items/{ids}',
    operation: { operationId: 'getMany', responses: {} },
    parameters: [
      { name: 'ids', in: 'path', required: true, schema: { type: 'array', items: { type: 'integer' } } },
      { name: 'X-Tags', in: 'header', schema: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } } },
    ] as ParameterObject[],
    security: undefined,
  };
  const v = createOperationValidator(entry, createContractAjv());
  const headers: Record<string, string> = { 'x-tags': 'a,b' };

  it('reads an array as comma-separated items', () => {
    expect(v.validateParameters({ path: { ids: '1,2,3' }, query: {}, header: (name) => headers[name.toLowerCase()] })).toEqual({
      ok: true,
      value: { path: { ids: [1, 2, 3] }, query: {}, headers: { 'X-Tags': ['a', 'b'] } },
    });
    const bad = v.validateParameters({ path: { ids: '1,x' }, query: {}, header: () => 'a,c' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.pointer).sort()).toEqual(['/headers/x-tags/1', '/path/ids/1']);
  });
});

describe('parameters described by `content` (a JSON value) instead of `schema`', () => {
  const filter = {
    type: 'object',
    additionalProperties: false,
    properties: { status: { type: 'string', enum: ['paid', 'open'] }, min: { type: 'integer' } },
  };
  const entry: OperationEntry = {
    operationId: 'search',
    method: 'get',
    path: '/search',
    operation: { operationId: 'search', responses: {} },
    parameters: [
      { name: 'filter', in: 'query', content: { 'application/json': { schema: filter } } },
      { name: 'X-Context', in: 'header', content: { 'application/json': { schema: { type: 'array', items: { type: 'string' } } } } },
    ] as ParameterObject[],
    security: undefined,
  };
  const v = createOperationValidator(entry, createContractAjv());
  const headers: Record<string, string> = { 'x-context': '["a","b"]' };

  it('parses the value as JSON and validates it against the media type schema', () => {
    expect(v.validateParameters({ ...query('filter={"status":"paid","min":3}'), header: (name) => headers[name.toLowerCase()] })).toEqual({
      ok: true,
      value: { path: {}, query: { filter: { status: 'paid', min: 3 } }, headers: { 'X-Context': ['a', 'b'] } },
    });
    const wrong = v.validateParameters(query('filter={"status":"lost"}'));
    expect(wrong.ok === false && wrong.errors.map((e) => e.pointer)).toEqual(['/query/filter/status']);
    const notJson = v.validateParameters(query('filter=status:paid'));
    expect(notJson.ok === false && notJson.errors.map((e) => e.pointer)).toEqual(['/query/filter']);
    const deep = v.validateParameters(query(`filter=${'['.repeat(1000)}${']'.repeat(1000)}`));
    expect(deep.ok).toBe(false);
  });
});
