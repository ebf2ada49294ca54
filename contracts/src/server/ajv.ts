import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';

// ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
const addFormats = ((addFormatsImport as unknown as { default?: FormatsPlugin }).default ?? addFormatsImport) as FormatsPlugin;

/** Keywords OpenAPI adds to JSON Schema; annotations only, so Ajv must accept and ignore them. */
const OPENAPI_KEYWORDS = ['example', 'discriminator', 'xml', 'externalDocs', 'x-concord-public'];

export interface ContractAjv {
  /** Bodies and responses: no coercion, so `"5"` is not a number. */
  bodies: Ajv2020;
  /** Path, query and header parameters arrive as strings; these are coerced to their schema types. */
  parameters: Ajv2020;
}

export function createContractAjv(): ContractAjv {
  const make = (coerce: boolean): Ajv2020 => {
    const ajv = new Ajv2020({
      allErrors: true,
      // Unknown keywords are a lint finding (Redocly's `struct` rule), not a run-time failure.
      strictSchema: false,
      strictTypes: false,
      allowUnionTypes: true,
      coerceTypes: coerce ? 'array' : false,
      useDefaults: coerce,
      validateFormats: true,
    });
    addFormats(ajv);
    ajv.addVocabulary(OPENAPI_KEYWORDS);
    return ajv;
  };
  return { bodies: make(false), parameters: make(true) };
}
