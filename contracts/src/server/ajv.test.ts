import { afterEach, describe, expect, it, vi } from 'vitest';
import { createContractAjv } from './ajv.ts';
import { toFieldErrors } from './field-errors.ts';

describe('the contracts’ Ajv', () => {
  afterEach(() => vi.restoreAllMocks());

  it('compiles an empty enum (legal JSON Schema, found in published contracts) as a schema no value satisfies', () => {
    const { bodies, parameters } = createContractAjv();
    for (const ajv of [bodies, parameters]) {
      const validate = ajv.compile({ type: 'object', properties: { status: { type: 'string', enum: [] } } });
      expect(validate({})).toBe(true);
      for (const value of ['pending', '']) {
        expect(validate({ status: value })).toBe(false);
        expect(toFieldErrors(validate.errors, '/query')).toEqual([
          { pointer: '/query/status', message: 'has no allowed value: the contract lists none (an empty enum)' },
        ]);
      }
    }
  });

  it('keeps a non-empty enum as it was, error message included', () => {
    const validate = createContractAjv().bodies.compile({ enum: ['a', 'b', { deep: [1] }] });
    expect(validate('a')).toBe(true);
    expect(validate({ deep: [1] })).toBe(true);
    expect(validate('c')).toBe(false);
    expect(toFieldErrors(validate.errors, '')).toEqual([{ pointer: '/', message: 'must be one of: "a", "b", {"deep":[1]}' }]);
  });

  it('reports each format it cannot check once, to its caller, and checks such values by type alone', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const unknown: string[] = [];
    const { bodies, parameters } = createContractAjv({ onUnknownFormat: (format) => unknown.push(format) });
    const schema = {
      type: 'object',
      properties: {
        id: { type: 'string', format: 'snowflake' },
        other: { type: 'string', format: 'snowflake' },
        at: { format: 'date-time' },
      },
    };
    const validate = bodies.compile(schema);
    parameters.compile({
      type: 'object',
      properties: { id: { type: 'string', format: 'snowflake' }, n: { type: 'string', format: 'nonce' } },
    });
    expect(unknown).toEqual(['snowflake', 'nonce']);
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
    expect(validate({ id: 'anything at all' })).toBe(true);
    expect(validate({ id: 42 })).toBe(false);
    expect(validate({ at: 'not a date' })).toBe(false);
  });
});
