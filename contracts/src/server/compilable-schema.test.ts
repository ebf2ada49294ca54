import { describe, expect, it } from 'vitest';
import { createContractAjv } from './ajv.ts';
import { compilableSchema } from './compilable-schema.ts';

type Schema = Record<string, unknown>;

/** Stripe's shape, dereferenced: an account whose `parent` is an account, behind `anyOf` with a bare `nullable`. */
function recursiveAccount(): Schema {
  const account: Schema = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };
  (account.properties as Schema).parent = { nullable: true, anyOf: [account, { type: 'string' }] };
  // A vendor extension that holds schemas, cycle included, as Stripe's `x-expansionResources` does.
  account['x-expansionResources'] = { oneOf: [account] };
  return account;
}

describe('schemas of dereferenced contracts, as the contracts’ Ajv compiles them', () => {
  it('compile a recursive schema (a cycle of objects) and validate at every depth', () => {
    const validate = createContractAjv().bodies.compile(recursiveAccount());
    expect(validate({ id: 'acct_1', parent: { id: 'acct_2', parent: { id: 'acct_3', parent: null } } })).toBe(true);
    expect(validate({ id: 'acct_1', parent: 'acct_2' })).toBe(true);
    expect(validate({ id: 'acct_1', parent: { id: 'acct_2', parent: { parent: null } } })).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/parent/parent');
  });

  it('read `nullable: true` beside no `type` as "or null", and keep it where Ajv reads it itself', () => {
    const ajv = createContractAjv().bodies;
    const bare = ajv.compile({ type: 'object', properties: { note: { nullable: true, anyOf: [{ type: 'string' }] } } });
    expect(bare({ note: null })).toBe(true);
    expect(bare({ note: 'x' })).toBe(true);
    expect(bare({ note: 1 })).toBe(false);
    const typed = ajv.compile({ type: 'object', properties: { note: { type: 'string', nullable: true } } });
    expect(typed({ note: null })).toBe(true);
    expect(typed({ note: 1 })).toBe(false);
  });

  it("read OpenAPI 3.0's boolean exclusiveMinimum/exclusiveMaximum as the bound beside it", () => {
    const validate = createContractAjv().bodies.compile({
      type: 'object',
      properties: {
        rate: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true },
        count: { type: 'integer', minimum: 1, exclusiveMinimum: false },
      },
    });
    expect(validate({ rate: 0.5, count: 1 })).toBe(true);
    expect(validate({ rate: 0 })).toBe(false);
    expect(validate({ rate: 1 })).toBe(false);
    // `false` leaves the inclusive bound as it was.
    expect(validate({ count: 0 })).toBe(false);
  });

  it('turn a schema met more than once into one $defs entry, and leave one met once as it is', () => {
    const money: Schema = { type: 'object', properties: { amount: { type: 'integer' } } };
    const shared = compilableSchema({ type: 'object', properties: { total: money, tax: money } }) as Schema;
    expect(shared.properties).toEqual({ total: { $ref: '#/$defs/concord_0' }, tax: { $ref: '#/$defs/concord_0' } });
    expect(shared.$defs).toEqual({ concord_0: money });
    const plain: Schema = { type: 'object', properties: { total: { type: 'integer' } } };
    expect(compilableSchema(plain)).toBe(plain);
    // Values that are not schemas are kept, objects inside them included.
    const kept = compilableSchema({ enum: [{ a: 1 }], default: { b: 2 }, properties: { x: money, y: money } }) as Schema;
    expect(kept.enum).toEqual([{ a: 1 }]);
    expect(kept.default).toEqual({ b: 2 });
  });
});
