import type { CodeKeywordDefinition, KeywordCxt } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import enumImport from 'ajv/dist/vocabularies/validation/enum.js';
import addFormatsImport from 'ajv-formats';
import { compilableSchema } from './compilable-schema.ts';
import type { FormatsPlugin } from 'ajv-formats';

// ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
const addFormats = ((addFormatsImport as unknown as { default?: FormatsPlugin }).default ?? addFormatsImport) as FormatsPlugin;
const ajvEnum = ((enumImport as unknown as { default?: CodeKeywordDefinition }).default ?? enumImport) as CodeKeywordDefinition;

/**
 * Ajv's `enum`, except that an empty list is a schema no value satisfies rather than a compile error.
 * JSON Schema 2020-12 says the array SHOULD (not MUST) have an element, and published contracts have
 * empty ones (Discord's, on an optional query parameter): the operation must still be served, and a
 * value sent for that parameter refused with the usual enum error.
 */
const enumAllowingEmpty: CodeKeywordDefinition = {
  ...ajvEnum,
  code(cxt: KeywordCxt) {
    if (!cxt.$data && Array.isArray(cxt.schema) && cxt.schema.length === 0) cxt.fail();
    else ajvEnum.code(cxt, undefined);
  },
};

/** Keywords OpenAPI adds to JSON Schema; annotations only, so Ajv must accept and ignore them. */
const OPENAPI_KEYWORDS = ['example', 'discriminator', 'xml', 'externalDocs', 'x-concord-public'];

export interface ContractAjv {
  /** Bodies and responses: no coercion, so `"5"` is not a number. */
  bodies: Ajv2020;
  /** Path, query and header parameters arrive as strings; these are coerced to their schema types. */
  parameters: Ajv2020;
}

export interface ContractAjvOptions {
  /**
   * Called once per format the contracts use that is not one of ajv-formats' (OpenAPI's `format` is
   * open: `snowflake`, `uint64`...). Such values are checked by their type alone, as OpenAPI says
   * tools may do; the caller says so once, in its own log, instead of Ajv's console line per schema.
   */
  onUnknownFormat?: (format: string) => void;
}

const UNKNOWN_FORMAT = /^unknown format "(.*)" ignored/;

export function createContractAjv(options: ContractAjvOptions = {}): ContractAjv {
  const unknownFormats = new Set<string>();
  const warn = (message: unknown) => {
    const format = UNKNOWN_FORMAT.exec(String(message))?.[1];
    if (format === undefined) return;
    if (unknownFormats.has(format)) return;
    unknownFormats.add(format);
    options.onUnknownFormat?.(format);
  };
  const make = (coerce: boolean): Ajv2020 => {
    const ajv = new Ajv2020({
      logger: { log: () => undefined, warn, error: console.error },
      allErrors: true,
      // Unknown keywords are a lint finding (Redocly's `struct` rule), not a run-time failure.
      strictSchema: false,
      strictTypes: false,
      allowUnionTypes: true,
      coerceTypes: coerce ? 'array' : false,
      useDefaults: coerce,
      validateFormats: true,
      // Ajv's optimising pass is superlinear in code size: on Discord's contract it was half of a
      // 4.8 s route-table build (2.2 s without), and on ours 30%, while validation ran no slower
      // (about 1.2 µs for an order body and a customer either way, interleaved rounds).
      code: { optimize: false },
    });
    addFormats(ajv);
    ajv.addVocabulary(OPENAPI_KEYWORDS);
    ajv.removeKeyword('enum');
    ajv.addKeyword(enumAllowingEmpty);
    // Every schema the contracts' Ajv compiles comes from a dereferenced document: recursion and
    // reuse are object identity there, which Ajv needs as $ref (compilable-schema.ts).
    const compile = ajv.compile.bind(ajv);
    ajv.compile = ((schema: object, meta?: boolean) => compile(compilableSchema(schema) as object, meta)) as typeof ajv.compile;
    return ajv;
  };
  return { bodies: make(false), parameters: make(true) };
}
