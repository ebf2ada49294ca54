import type { ValidateFunction } from 'ajv';
import type { FieldError } from '../problem.ts';
import { createContractAjv } from '../server/ajv.ts';
import { toFieldErrors } from '../server/field-errors.ts';
import type { EventCatalog } from './event-catalog.ts';

export interface EventValidator<N extends string> {
  /** [] when `envelope` is a valid `name` event; otherwise one entry per bad field. */
  validate(name: N, envelope: unknown): FieldError[];
}

/** Compiles one validator per event of the catalogue, once. */
export function createEventValidator<N extends string>(catalog: EventCatalog<N>): EventValidator<N> {
  const ajv = createContractAjv().bodies;
  const compiled = new Map<string, ValidateFunction>();
  for (const [name, entry] of Object.entries(catalog) as [N, EventCatalog<N>[N]][]) compiled.set(name, ajv.compile(entry.schema));
  return {
    validate(name, envelope) {
      const validate = compiled.get(name);
      if (!validate) return [{ pointer: '/type', message: `${name} is not an event of the contract` }];
      return validate(envelope) ? [] : toFieldErrors(validate.errors, '');
    },
  };
}
