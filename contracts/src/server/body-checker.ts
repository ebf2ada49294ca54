/**
 * Checks a request body against an operation's `requestBody.content`, by the kind of the declared
 * media type it falls under (media-types.ts): JSON parsed and validated, forms parsed by the OpenAPI
 * encoding rules and validated, anything else checked by type only. A type the operation does not
 * declare is a 415 naming the ones it does. Schemas are compiled once, here, at start-up.
 */
import type { ValidateFunction } from 'ajv';
import { mediaTypeOf, type RequestBodyObject } from '../document/openapi-document.ts';
import type { FieldError } from '../problem.ts';
import type { ContractAjv } from './ajv.ts';
import { unstorableStrings } from './storable-strings.ts';
import { toFieldErrors } from './field-errors.ts';
import { parseMultipart, parseUrlEncoded } from './form-body.ts';
import { encodingProblems, formToObject } from './form-values.ts';
import { jsonNestsDeeperThan, MAX_JSON_NESTING } from './json-nesting.ts';
import { createMediaTypeTable, type DeclaredMediaType } from './media-types.ts';

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: 400 | 415; errors: FieldError[]; detail: string };

/** Something in the contract the gateway cannot apply; `path` is relative to the operation object. */
export interface ContractProblem {
  path: string[];
  message: string;
}

export interface BodyChecker {
  /** Every declared media type, lower-cased, as the contract lists them. */
  readonly mediaTypes: readonly string[];
  readonly required: boolean;
  readonly problems: readonly ContractProblem[];
  /** `text` is the decoded body; multipart, which needs the bytes and the boundary, is only type-checked here (use checkBytes). */
  checkText(mediaType: string | undefined, text: string | undefined): BodyResult;
  /** `contentType` is the whole header; `bytes` the body as received. The value of a body checked by type only (opaque) is undefined: its bytes are the body. */
  checkBytes(contentType: string | undefined, bytes: Uint8Array | undefined): Promise<BodyResult>;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function invalidFields(errors: FieldError[]): BodyResult {
  return {
    ok: false,
    status: 400,
    errors,
    detail: `The request body has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.pointer).join(', ')}.`,
  };
}

function malformed(message: string, detail: string): BodyResult {
  return { ok: false, status: 400, errors: [{ pointer: '/body', message }], detail };
}

export function createBodyChecker(body: RequestBodyObject | undefined, ajv: ContractAjv): BodyChecker {
  const table = createMediaTypeTable(body?.content);
  const problems: ContractProblem[] = table.problems.map(([key, message]) => ({ path: ['requestBody', 'content', key], message }));
  const validators = new Map<DeclaredMediaType, ValidateFunction>();
  for (const declared of table.declared) {
    for (const [name, message] of encodingProblems(declared.media.encoding))
      problems.push({ path: ['requestBody', 'content', declared.key, 'encoding', name], message });
    if (declared.kind !== 'opaque' && declared.media.schema !== undefined) {
      try {
        validators.set(declared, ajv.bodies.compile(declared.media.schema as object));
      } catch (err) {
        // Start-up refuses it at the schema's place in the contract, rather than with Ajv's bare message.
        problems.push({
          path: ['requestBody', 'content', declared.key, 'schema'],
          message: `the schema cannot be used for validation: ${(err as Error).message}`,
        });
      }
    }
  }
  const mediaTypes = Object.keys(body?.content ?? {}).map((m) => m.toLowerCase());
  const required = body?.required === true;

  /** The declared entry for a non-empty body, or the reason there is none. */
  const choose = (mediaType: string | undefined): DeclaredMediaType | BodyResult => {
    if (mediaTypes.length === 0) return malformed('is not allowed', 'This operation takes no request body.');
    const declared = mediaType ? table.select(mediaType) : undefined;
    if (declared) return declared;
    return {
      ok: false,
      status: 415,
      errors: [{ pointer: '/headers/content-type', message: `must be one of: ${mediaTypes.join(', ')}` }],
      detail: `Content-Type ${mediaType ?? '(none)'} is not supported here; send ${mediaTypes.join(' or ')}.`,
    };
  };

  const missing = (): BodyResult =>
    required ? malformed('is required', 'This operation requires a request body.') : { ok: true, value: undefined };

  const validated = (declared: DeclaredMediaType, value: unknown): BodyResult => {
    const validate = validators.get(declared);
    if (validate && !validate(value)) return invalidFields(toFieldErrors(validate.errors, '/body'));
    // Valid by the contract but not storable (NUL, lone surrogates): a 400 here, not a 500 later.
    const unstorable = unstorableStrings(value, '/body');
    if (unstorable.length > 0) return invalidFields(unstorable);
    return { ok: true, value };
  };

  const checkDecoded = (declared: DeclaredMediaType, text: string): BodyResult => {
    switch (declared.kind) {
      case 'json': {
        if (jsonNestsDeeperThan(text))
          return malformed(
            `nests arrays and objects deeper than ${MAX_JSON_NESTING} levels`,
            `The request body nests arrays and objects deeper than ${MAX_JSON_NESTING} levels.`,
          );
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (err) {
          return malformed(`is not valid JSON: ${(err as Error).message}`, 'The request body is not valid JSON.');
        }
        return validated(declared, value);
      }
      case 'urlencoded':
        return validated(declared, formToObject('urlencoded', parseUrlEncoded(text), declared.media.schema, declared.media.encoding));
      default:
        return { ok: true, value: text };
    }
  };

  return {
    mediaTypes,
    required,
    problems,
    checkText(mediaType, text) {
      if (text === undefined || text.length === 0) return missing();
      const declared = choose(mediaType);
      if (!('kind' in declared)) return declared;
      // Without the boundary (a parameter of the header) the parts cannot be found: type only.
      if (declared.kind === 'multipart') return { ok: true, value: text };
      return checkDecoded(declared, text);
    },
    async checkBytes(contentType, bytes) {
      if (bytes === undefined || bytes.byteLength === 0) return missing();
      const declared = choose(mediaTypeOf(contentType));
      if (!('kind' in declared)) return declared;
      if (declared.kind === 'opaque') return { ok: true, value: undefined };
      if (declared.kind !== 'multipart') return checkDecoded(declared, decoder.decode(bytes));
      const parsed = await parseMultipart(contentType!, bytes);
      if (!parsed.ok)
        return malformed(`is not valid multipart/form-data: ${parsed.message}`, 'The request body is not valid multipart/form-data.');
      return validated(declared, formToObject('multipart', parsed.entries, declared.media.schema, declared.media.encoding));
    },
  };
}
