import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { CONTRACTS_DIR } from '../paths.ts';
import { sortChanges, type Change } from './change.ts';
import { diffContracts } from './contract-diff.ts';
import { ContractParseError, loadContract } from './load-contract.ts';
import { isSchemaObject, type Schema } from './schema-flatten.ts';

const FIXTURES = join(CONTRACTS_DIR, 'src/diff/fixtures');
const CUSTOMERS = join(CONTRACTS_DIR, 'openapi/customers.v2.yaml');
let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'concord-diff-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function diffFiles(base: string, head: string): Promise<Change[]> {
  // In the order every output format uses.
  return sortChanges(diffContracts('c.v1', await loadContract(base), await loadContract(head)));
}

async function write(name: string, document: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof document === 'string' ? document : stringify(document, { aliasDuplicateObjects: false }));
  return path;
}

/** Moves every inline schema (and every inline subschema) into components.schemas, leaving $refs. */
function hoistAll(document: Schema): number {
  const components = (document['components'] ??= {}) as Schema;
  const schemas = (components['schemas'] ??= {}) as Schema;
  let count = 0;
  const hoistChildren = (schema: Schema) => {
    for (const key of ['properties', 'patternProperties'] as const) {
      const props = schema[key];
      if (isSchemaObject(props)) for (const name of Object.keys(props)) props[name] = hoist(props[name]);
    }
    for (const key of ['items', 'additionalProperties', 'not'] as const) if (isSchemaObject(schema[key])) schema[key] = hoist(schema[key]);
    for (const key of ['allOf', 'oneOf', 'anyOf'] as const) {
      const list = schema[key];
      if (Array.isArray(list)) schema[key] = list.map(hoist);
    }
  };
  const hoist = (schema: unknown): unknown => {
    if (!isSchemaObject(schema) || '$ref' in schema) return schema;
    hoistChildren(schema);
    const name = `Hoisted${++count}`;
    schemas[name] = schema;
    return { $ref: `#/components/schemas/${name}` };
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!isSchemaObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'schema') node[key] = hoist(value);
      else if (key !== 'examples' && key !== 'example') visit(value);
    }
  };
  visit(document['paths']);
  for (const section of ['parameters', 'responses', 'headers', 'requestBodies']) visit(components[section]);
  for (const schema of Object.values({ ...schemas })) if (isSchemaObject(schema)) hoistChildren(schema);
  return count;
}

describe('$refs are resolved before comparing', () => {
  it('moving every inline schema of customers.v2 into components, and back inline, is no change', async () => {
    const original = parse(await readFile(CUSTOMERS, 'utf8')) as Schema;
    expect(hoistAll(original)).toBeGreaterThan(20);
    const hoisted = await write('customers.hoisted.yaml', original);
    expect(await diffFiles(CUSTOMERS, hoisted)).toEqual([]);

    const inlined = (await loadContract(CUSTOMERS)).document as Schema;
    const securitySchemes = (inlined['components'] as Schema)['securitySchemes'];
    const inline = await write('customers.inline.json', JSON.stringify({ ...inlined, components: { securitySchemes } }));
    expect(await readFile(inline, 'utf8')).not.toContain('$ref');
    expect(await diffFiles(hoisted, inline)).toEqual([]);
    expect(await diffFiles(inline, CUSTOMERS)).toEqual([]);
  });

  it('reports a change inside a component every operation refers to once, naming every operation', async () => {
    const text = (await readFile(CUSTOMERS, 'utf8')).replace('        - created_at\n        - updated_at\n', '        - created_at\n');
    const changes = await diffFiles(CUSTOMERS, await write('customers.optional.yaml', text));
    const optional = changes.filter((c) => c.id === 'response-property-made-optional');
    // Named at the nearest place that reaches it; the operation named there comes first.
    expect(optional.map((c) => `${c.operation} ${c.location}`)).toEqual([
      'GET /customers/{customerId} response 200 application/json: updated_at',
    ]);
    expect(optional[0]?.operations).toEqual([
      'GET /customers/{customerId}',
      'GET /customers',
      'PATCH /customers/{customerId}',
      'POST /customers',
    ]);
  });
});

describe('oneOf/anyOf/allOf are compared by meaning', () => {
  it('reordered alternatives, an inlined alternative, const vs enum and allOf parts are no change', async () => {
    expect(await diffFiles(join(FIXTURES, 'payments-base.yaml'), join(FIXTURES, 'payments-reordered.yaml'))).toEqual([]);
  });

  it('a new alternative is reported: breaking in a response, info in a request', async () => {
    const changes = await diffFiles(join(FIXTURES, 'payments-base.yaml'), join(FIXTURES, 'payments-wallet.yaml'));
    expect(changes.map((c) => [c.id, c.level, c.location])).toEqual([
      ['response-alternative-added', 'breaking', 'response 201 application/json: method'],
      ['request-alternative-added', 'info', 'request body application/json'],
    ]);
    expect(changes[0]?.message).toBe('new alternative kind="wallet"');
  });

  it('a change inside one alternative is reported inside it, not as a removal and an addition', async () => {
    const base = join(FIXTURES, 'payments-base.yaml');
    // A function replacement: the pattern's `$'` would otherwise be read as a replacement token.
    const text = (await readFile(base, 'utf8')).replace(
      '        last4:\n',
      () => '        brand:\n          type: string\n        last4:\n',
    );
    const edited = text.replace('required: [kind, last4]', 'required: [kind, last4, brand]');
    const changes = await diffFiles(base, await write('payments-brand.yaml', edited));
    expect(changes.map((c) => [c.id, c.location])).toEqual([
      ['request-property-added-required', 'request body application/json: (kind="card").brand'],
      ['response-property-added', 'response 201 application/json: method.(kind="card").brand'],
    ]);
  });

  it('anyOf [X, null] equals X with a null type; removing the null alternative narrows the response', async () => {
    const original = parse(await readFile(CUSTOMERS, 'utf8')) as Schema;
    const schemas = (original['components'] as Schema)['schemas'] as Record<string, Schema>;
    const properties = schemas['Customer']?.['properties'] as Record<string, Schema>;
    properties['address'] = { ...schemas['Address'], type: ['object', 'null'], description: 'Inlined, nullable by type.' };
    expect(await diffFiles(CUSTOMERS, await write('customers.nullable.yaml', original))).toEqual([]);

    properties['address'] = { oneOf: [{ type: 'null' }, { $ref: '#/components/schemas/Address' }] };
    expect(await diffFiles(CUSTOMERS, await write('customers.oneof.yaml', original))).toEqual([]);

    properties['address'] = { $ref: '#/components/schemas/Address' };
    const narrowed = await diffFiles(CUSTOMERS, await write('customers.narrowed.yaml', original));
    expect(narrowed.map((c) => [c.id, c.operations?.length])).toEqual([['response-type-narrowed', 4]]);
    expect(narrowed[0]?.message).toBe('type of `address` changed from object|null to object');
  });

  it('a recursive schema terminates', async () => {
    const tree = (extra: Schema) => ({
      openapi: '3.1.0',
      info: { title: 'Tree', version: '1.0.0' },
      paths: {
        '/tree': {
          get: {
            operationId: 'tree',
            responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } } },
          },
        },
      },
      components: {
        schemas: {
          Node: {
            type: 'object',
            properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } }, ...extra },
          },
        },
      },
    });
    const changes = await diffFiles(await write('tree-a.yaml', tree({})), await write('tree-b.yaml', tree({ size: { type: 'integer' } })));
    expect(changes.map((c) => c.location)).toContain('response 200 application/json: size');
  });
});

describe('path parameters', () => {
  it('renaming a path parameter alone is not breaking', async () => {
    const text = (await readFile(CUSTOMERS, 'utf8'))
      .replaceAll('{customerId}', '{id}')
      .replace('      name: customerId\n', '      name: id\n');
    const changes = await diffFiles(CUSTOMERS, await write('customers.renamed.yaml', text));
    expect(changes.filter((c) => c.level !== 'info')).toEqual([]);
    expect(changes.map((c) => c.id)).toEqual(['request-path-parameter-renamed', 'request-path-parameter-renamed']);
  });
});

describe('parse errors', () => {
  it('name the file', async () => {
    await expect(loadContract(join(FIXTURES, 'broken.yaml'), 'fixtures/broken.yaml')).rejects.toThrow(/fixtures\/broken\.yaml/);
    await expect(loadContract(join(dir, 'missing.yaml'))).rejects.toBeInstanceOf(ContractParseError);
  });
});
