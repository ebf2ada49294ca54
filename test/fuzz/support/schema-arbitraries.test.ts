import fc from 'fast-check';
import type { JsonSchema } from '@concord/contracts/src/document/openapi-document.ts';
import { createContractAjv } from '@concord/contracts/src/server/ajv.ts';
import { describe, expect, it } from 'vitest';
import { hostileValue, validValue } from './schema-arbitraries.ts';

const ajv = createContractAjv().bodies;

/** Shapes of published contracts (Discord's, Stripe's) that our own contracts do not have. */
function wideAndDeep(levels: number): JsonSchema {
  const leaf: JsonSchema = { type: 'object', properties: { note: { type: ['string', 'null'], maxLength: 152_133 } } };
  let schema = leaf;
  for (let level = 0; level < levels; level++) {
    const properties: Record<string, JsonSchema> = {};
    for (let i = 0; i < 20; i++) properties[`member_${i}`] = i % 2 ? schema : { type: ['array', 'null'], items: schema, maxItems: 1521 };
    schema = { type: 'object', properties, required: ['member_1'] };
  }
  return schema;
}

describe('arbitraries from the schemas of contracts nobody here wrote', () => {
  it('draw values of a wide, deep schema that stay small enough to send, and valid where they should be', () => {
    // Ajv inlines a reused subschema at every use, so the one it checks is shallower.
    const checked = wideAndDeep(3);
    const validate = ajv.compile(checked as object);
    for (const value of fc.sample(validValue(checked), { numRuns: 20, seed: 7 }))
      expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    const schema = wideAndDeep(8);
    const drawn = [
      ...fc.sample(validValue(schema), { numRuns: 20, seed: 7 }),
      ...fc.sample(hostileValue(schema), { numRuns: 20, seed: 7 }),
    ];
    expect(Math.max(...drawn.map((v) => JSON.stringify(v)?.length ?? 0))).toBeLessThan(8 * 1024 * 1024);
  });

  it('fill a map that must hold members it does not name (additionalProperties with minProperties)', () => {
    const schema: JsonSchema = {
      type: ['object', 'null'],
      additionalProperties: {
        oneOf: [{ type: 'null' }, { type: 'object', properties: { scopes: { type: 'array', items: { type: 'string' } } } }],
      },
      minProperties: 1,
      maxProperties: 2,
    };
    const validate = ajv.compile(schema as object);
    for (const value of fc.sample(validValue(schema), { numRuns: 50, seed: 3 })) expect(validate(value), JSON.stringify(value)).toBe(true);
    const closed: JsonSchema = {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'integer' } },
      additionalProperties: false,
      minProperties: 2,
    };
    const validateClosed = ajv.compile(closed as object);
    for (const value of fc.sample(validValue(closed), { numRuns: 50, seed: 3 })) expect(validateClosed(value)).toBe(true);
  });

  it('take an empty enum (no value is valid) and an object with no properties', () => {
    const empty: JsonSchema = { type: 'string', enum: [] };
    const validate = ajv.compile(empty as object);
    for (const value of fc.sample(validValue(empty), { numRuns: 20, seed: 1 })) expect(validate(value)).toBe(false);
    const bare: JsonSchema = { type: 'object', properties: {} };
    expect(fc.sample(hostileValue(bare), { numRuns: 20, seed: 1 })).toHaveLength(20);
  });
});
