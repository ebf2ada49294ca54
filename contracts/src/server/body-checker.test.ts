import { describe, expect, it } from 'vitest';
import type { OperationEntry, RequestBodyObject } from '../document/openapi-document.ts';
import { createContractAjv } from './ajv.ts';
import { createOperationValidator } from './request-validator.ts';

const pet = {
  type: 'object',
  required: ['name', 'photoUrls'],
  additionalProperties: false,
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    vaccinated: { type: 'boolean' },
    weight: { type: 'number' },
    category: { type: 'object', properties: { slug: { type: 'string' }, rank: { type: 'integer' } } },
    photoUrls: { type: 'array', items: { type: 'string' } },
    tagIds: { type: 'array', items: { type: 'integer' } },
    status: { type: 'string', enum: ['available', 'sold'] },
  },
};

/** `encoding` is not in the runtime document types (nothing but the form reader needs it), hence the loose input. */
function validator(
  requestBody: { required?: boolean; content: Record<string, Record<string, unknown>> },
  responses: OperationEntry['operation']['responses'] = {},
) {
  const entry: OperationEntry = {
    operationId: 'addPet',
    method: 'post',
    path: '/pet',
    operation: { operationId: 'addPet', requestBody: requestBody as RequestBodyObject, responses },
    parameters: [],
    security: undefined,
  };
  return createOperationValidator(entry, createContractAjv());
}

const bytes = (text: string) => new TextEncoder().encode(text);

function multipart(boundary: string, parts: { name: string; value: string; type?: string; filename?: string }[]): Uint8Array {
  let out = '';
  for (const p of parts) {
    out += `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n`;
    if (p.type) out += `Content-Type: ${p.type}\r\n`;
    out += `\r\n${p.value}\r\n`;
  }
  return bytes(`${out}--${boundary}--\r\n`);
}

describe('request bodies by declared media type', () => {
  const v = validator({
    required: true,
    content: {
      'application/json': { schema: pet },
      'application/xml': { schema: pet },
      'application/x-www-form-urlencoded': { schema: pet },
      'multipart/form-data': {
        schema: { ...pet, properties: { ...pet.properties, photo: { type: 'string', format: 'binary', maxLength: 4 } } },
        encoding: { category: { contentType: 'application/json' } },
      },
    },
  });

  it('validates a form-encoded body against the schema, values coerced to their types, arrays from repeated names', async () => {
    const ok = await v.validateRequestBody(
      'application/x-www-form-urlencoded',
      bytes('id=10&name=doggie+one&vaccinated=true&weight=4.5&photoUrls=a&photoUrls=b&tagIds=1&tagIds=2&slug=hounds&rank=3&status=sold'),
    );
    expect(ok).toEqual({
      ok: true,
      value: {
        id: 10,
        name: 'doggie one',
        vaccinated: true,
        weight: 4.5,
        photoUrls: ['a', 'b'],
        tagIds: [1, 2],
        category: { slug: 'hounds', rank: 3 },
        status: 'sold',
      },
    });
    const bad = await v.validateRequestBody('application/x-www-form-urlencoded', bytes('id=ten&photoUrls=a&status=lost&colour=red'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.status).toBe(400);
      expect(bad.errors.map((e) => e.pointer).sort()).toEqual(['/body/colour', '/body/id', '/body/name', '/body/status']);
    }
  });

  it('parses multipart parts with busboy: text fields coerced, JSON parts parsed, files kept as bytes', async () => {
    const body = multipart('XyZ', [
      { name: 'name', value: 'rex' },
      { name: 'id', value: '3' },
      { name: 'photoUrls', value: 'u1' },
      { name: 'photoUrls', value: 'u2' },
      { name: 'category', value: '{"slug":"dogs","rank":1}', type: 'application/json' },
      { name: 'photo', value: '\u0001\u0002', filename: 'p.png', type: 'image/png' },
    ]);
    const ok = await v.validateRequestBody('multipart/form-data; boundary=XyZ', body);
    expect(ok).toMatchObject({ ok: true, value: { name: 'rex', id: 3, photoUrls: ['u1', 'u2'], category: { slug: 'dogs', rank: 1 } } });
    const big = multipart('XyZ', [
      { name: 'name', value: 'rex' },
      { name: 'photoUrls', value: 'u1' },
      { name: 'photo', value: 'too large', filename: 'p.png' },
    ]);
    expect(await v.validateRequestBody('multipart/form-data; boundary=XyZ', big)).toMatchObject({
      ok: false,
      status: 400,
      errors: [{ pointer: '/body/photo' }],
    });
    expect(await v.validateRequestBody('multipart/form-data', body)).toMatchObject({
      ok: false,
      status: 400,
      errors: [{ pointer: '/body' }],
    });
  });

  it('checks other declared types by type only, and answers 415 naming the declared ones for the rest', async () => {
    expect(await v.validateRequestBody('application/xml; charset=utf-8', bytes('<pet><name>x</name></pet>'))).toEqual({
      ok: true,
      value: undefined,
    });
    const refused = await v.validateRequestBody('text/csv', bytes('a,b'));
    expect(refused).toMatchObject({ ok: false, status: 415, errors: [{ pointer: '/headers/content-type' }] });
    if (!refused.ok)
      expect(refused.detail).toContain('application/json or application/xml or application/x-www-form-urlencoded or multipart/form-data');
    expect(await v.validateRequestBody('application/json', bytes('{"name":"x","photoUrls":[]}'))).toMatchObject({ ok: true });
    expect(await v.validateRequestBody(undefined, undefined)).toMatchObject({
      ok: false,
      status: 400,
      errors: [{ pointer: '/body', message: 'is required' }],
    });
  });

  it('accepts a type under a declared range, the most specific range first', async () => {
    const ranges = validator({ content: { 'application/*': {}, 'application/vnd.pet+json': { schema: pet }, 'image/*': {} } });
    expect(await ranges.validateRequestBody('application/octet-stream', bytes('\u0000\u0001'))).toMatchObject({ ok: true });
    expect(await ranges.validateRequestBody('image/png', bytes('png'))).toMatchObject({ ok: true });
    expect(await ranges.validateRequestBody('application/vnd.pet+json', bytes('{}'))).toMatchObject({ ok: false, status: 400 });
    expect(await ranges.validateRequestBody('text/plain', bytes('x'))).toMatchObject({ ok: false, status: 415 });
    expect(validator({ content: { '*/*': {} } }).validateBody('text/anything', 'x')).toMatchObject({ ok: true });
  });

  it('reports contract content it cannot apply instead of guessing', () => {
    const broken = validator(
      {
        content: {
          xml: {},
          'application/x-www-form-urlencoded': { encoding: { tags: { style: 'matrix' } } },
          'application/json': { schema: { type: 'strin' } },
        },
      },
      { '200': { description: 'ok', content: { 'text html': {} } } },
    );
    expect(broken.problems).toEqual([
      { path: ['requestBody', 'content', 'xml'], message: expect.stringContaining('is not a media type') },
      {
        path: ['requestBody', 'content', 'application/x-www-form-urlencoded', 'encoding', 'tags'],
        message: expect.stringContaining('matrix'),
      },
      {
        path: ['requestBody', 'content', 'application/json', 'schema'],
        message: expect.stringMatching(/^the schema cannot be used for validation: schema is invalid: data\/type/),
      },
      { path: ['responses', '200', 'content', 'text html'], message: expect.stringContaining('is not a media type') },
    ]);
  });
});

describe('nested deepObject forms, as Stripe-style APIs take them', () => {
  // The shape of Stripe's POST /v1/checkout/sessions: arrays of objects, nested objects, "or '' to unset".
  const session = {
    type: 'object',
    additionalProperties: false,
    required: ['mode'],
    properties: {
      mode: { type: 'string', enum: ['payment', 'subscription'] },
      expand: { type: 'array', items: { type: 'string' } },
      line_items: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          properties: {
            price: { type: 'string' },
            quantity: { type: 'integer' },
            adjustable_quantity: {
              type: 'object',
              required: ['enabled'],
              properties: { enabled: { type: 'boolean' }, maximum: { type: 'integer' } },
            },
          },
        },
      },
      metadata: {
        anyOf: [
          { type: 'object', additionalProperties: { type: 'string' } },
          { type: 'string', enum: [''] },
        ],
      },
      amount: { anyOf: [{ type: 'integer' }, { type: 'string', enum: [''] }] },
      tax_rates: {
        anyOf: [
          { type: 'array', items: { type: 'string', pattern: '^txr_' } },
          { type: 'string', enum: [''] },
        ],
      },
    },
  };
  const deep = { style: 'deepObject', explode: true };
  const v = validator({
    content: {
      'application/x-www-form-urlencoded': {
        schema: session,
        encoding: { expand: deep, line_items: deep, metadata: deep, tax_rates: deep },
      },
    },
  });
  const form = (text: string) => v.validateRequestBody('application/x-www-form-urlencoded', bytes(text));

  it('reads arrays of objects by index, nested objects, [] appends and anyOf types', async () => {
    const body = [
      'mode=payment',
      'line_items[0][price]=price_1',
      'line_items[0][quantity]=2',
      'line_items[1][price]=price_2',
      'line_items[1][adjustable_quantity][enabled]=true',
      'line_items[1][adjustable_quantity][maximum]=10',
      'metadata[order]=6735',
      'expand[]=customer',
      'expand[]=line_items',
      'amount=700',
    ].join('&');
    expect(await form(body)).toEqual({
      ok: true,
      value: {
        mode: 'payment',
        line_items: [
          { price: 'price_1', quantity: 2 },
          { price: 'price_2', adjustable_quantity: { enabled: true, maximum: 10 } },
        ],
        metadata: { order: '6735' },
        expand: ['customer', 'line_items'],
        amount: 700,
      },
    });
    // Sparse indices close up in index order; "" unsets.
    expect(await form('mode=payment&line_items[7][price]=b&line_items[3][price]=a&metadata=&amount=&tax_rates=')).toEqual({
      ok: true,
      value: { mode: 'payment', line_items: [{ price: 'a' }, { price: 'b' }], metadata: '', amount: '', tax_rates: '' },
    });
    expect(await form('mode=payment&tax_rates[0]=txr_1&tax_rates[1]=txr_2')).toMatchObject({
      ok: true,
      value: { tax_rates: ['txr_1', 'txr_2'] },
    });
  });

  it('points at the nested member that is wrong, and takes hostile names as unknown members', async () => {
    const bad = await form(
      'mode=payment&line_items[0][quantity]=two&line_items[0][colour]=red&line_items[1][adjustable_quantity][maximum]=3',
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.errors.map((e) => e.pointer)).toEqual(
        expect.arrayContaining([
          '/body/line_items/0/quantity',
          '/body/line_items/0/colour',
          '/body/line_items/1/adjustable_quantity/enabled',
        ]),
      );
    // An index past any array's size, and a name nested past the JSON limit: a 400, never a throw.
    const huge = await form('mode=payment&line_items[99999999999][price]=a');
    expect(huge).toEqual({ ok: true, value: { mode: 'payment', line_items: [{ price: 'a' }] } });
    const deepName = await form(`mode=payment&line_items${'[0]'.repeat(10_000)}=x`);
    expect(deepName).toMatchObject({ ok: false, status: 400 });
    const notArray = await form('mode=payment&line_items[first][price]=a');
    expect(notArray).toMatchObject({ ok: false, status: 400, errors: [{ pointer: '/body/line_items' }] });
  });
});

describe('bodies nested deeper than any walk of them survives', () => {
  // Open schemas: the validator accepts any nesting, so only the depth limit stands between a deep
  // body and every recursive walk of it (storable strings, recursive schemas, adapters).
  const open = validator({
    content: {
      'application/json': { schema: { type: 'object' } },
      'application/x-www-form-urlencoded': {
        schema: { type: 'object', properties: { meta: { type: 'object' } } },
        encoding: { meta: { contentType: 'application/json' } },
      },
      'multipart/form-data': { schema: { type: 'object', properties: { meta: { type: 'object' } } } },
    },
  });
  const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;

  it('takes JSON nested 64 levels and refuses 65, or 40,000, with a 400 naming the limit', async () => {
    expect(await open.validateRequestBody('application/json', bytes(nested(64)))).toMatchObject({ ok: true });
    for (const levels of [65, 40_000]) {
      const deep = await open.validateRequestBody('application/json', bytes(nested(levels)));
      expect(deep).toEqual({
        ok: false,
        status: 400,
        errors: [{ pointer: '/body', message: 'nests arrays and objects deeper than 64 levels' }],
        detail: 'The request body nests arrays and objects deeper than 64 levels.',
      });
    }
    // Brackets inside strings, escaped quotes included, are text, not nesting.
    const text = JSON.stringify({ a: `\\"${'['.repeat(500)}`, b: '{'.repeat(500) });
    expect(await open.validateRequestBody('application/json', bytes(text))).toMatchObject({ ok: true });
  });

  it('leaves a form field whose JSON nests too deep a string, for the schema to refuse', async () => {
    const form = await open.validateRequestBody('application/x-www-form-urlencoded', bytes(`meta=${encodeURIComponent(nested(40_000))}`));
    expect(form).toMatchObject({ ok: false, status: 400, errors: [{ pointer: '/body/meta' }] });
    const boundary = 'deep-boundary';
    const part = await open.validateRequestBody(
      `multipart/form-data; boundary=${boundary}`,
      multipart(boundary, [{ name: 'meta', value: nested(40_000), type: 'application/json' }]),
    );
    expect(part).toMatchObject({ ok: false, status: 400, errors: [{ pointer: '/body/meta' }] });
    expect(await open.validateRequestBody('application/x-www-form-urlencoded', bytes(`meta=${encodeURIComponent(nested(3))}`))).toEqual({
      ok: true,
      value: { meta: { a: { a: {} } } },
    });
  });
});

describe('responses by documented media type', () => {
  const v = validator(
    { content: { 'application/json': {} } },
    {
      '200': { description: 'ok', content: { 'application/json': { schema: pet }, 'application/xml': { schema: pet } } },
      '201': { description: 'created', content: { 'image/*': {} } },
    },
  );

  it('validates JSON against the schema and other documented types by type only', () => {
    expect(v.validateResponse(200, 'application/json', { name: 1 }).length).toBeGreaterThan(0);
    expect(v.validateResponse(200, 'application/xml', undefined)).toEqual([]);
    expect(v.validateResponse(201, 'image/png', undefined)).toEqual([]);
    expect(v.validateResponse(200, 'text/html', undefined)).toMatchObject([{ pointer: '/headers/content-type' }]);
  });
});
