import type { ValidateFunction } from 'ajv';
import {
  isJsonMediaType,
  mediaTypeOf,
  type JsonSchema,
  type OperationEntry,
  type ParameterLocation,
  type ParameterObject,
} from '../document/openapi-document.ts';
import type { FieldError } from '../problem.ts';
import type { ContractAjv } from './ajv.ts';
import { createBodyChecker, type BodyResult, type ContractProblem } from './body-checker.ts';
import { toFieldErrors } from './field-errors.ts';
import { unstorableStrings } from './storable-strings.ts';
import { deepObjectValue } from './deep-object.ts';
import { arrayDelimiter, coerceFormValue } from './form-values.ts';
import { jsonOrText } from './json-nesting.ts';
import { createMediaTypeTable } from './media-types.ts';

export interface RawRequestParts {
  path: Record<string, string>;
  /** Every value of every query parameter, as `URLSearchParams` gives them. */
  query: Record<string, string[]>;
  header: (name: string) => string | undefined;
}

export interface ValidatedParameters {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
}

export type ParameterResult = { ok: true; value: ValidatedParameters } | { ok: false; errors: FieldError[] };
export type { BodyResult, ContractProblem };

export interface OperationValidator {
  readonly entry: OperationEntry;
  /** Media types the operation accepts, empty when it takes no body. */
  readonly bodyMediaTypes: readonly string[];
  readonly bodyRequired: boolean;
  validateParameters(raw: RawRequestParts): ParameterResult;
  /** Problems in the contract this validator cannot apply (e.g. a key that is no media type); start-up refuses them. */
  readonly problems: readonly ContractProblem[];
  /** `text` is the raw body; undefined or '' means no body was sent. Multipart is type-checked only: use validateRequestBody. */
  validateBody(mediaType: string | undefined, text: string | undefined): BodyResult;
  /** The body as received, by every declared media type's rules (media-types.ts); `contentType` is the whole header. */
  validateRequestBody(contentType: string | undefined, bytes: Uint8Array | undefined): Promise<BodyResult>;
  /** Errors when `body` breaks the documented response for `status`; [] when it conforms. */
  validateResponse(status: number, mediaType: string | undefined, body: unknown): FieldError[];
}

export interface ValidatorOptions {
  /** Reject query parameters the contract does not define (default true). */
  rejectUnknownQuery?: boolean;
  /**
   * A documented response schema Ajv cannot compile, found when that response is first validated
   * (response schemas are compiled on first use, so start-up does not pay for them). Responses of
   * that status and media type then go unvalidated; told once, with the schema's place.
   */
  onUnusableResponseSchema?: (problem: ContractProblem) => void;
}

interface ParameterName {
  name: string;
  key: string;
  isArray: boolean;
  schema: JsonSchema | undefined;
  /** How a query value is written (OpenAPI's style values): form (exploded or comma-separated), delimited, deepObject. */
  style: string;
  explode: boolean;
  /** The parameter has `content` with a JSON media type instead of a `schema`: its value is JSON text. */
  json: boolean;
}

/** The schema of a parameter described by `content` (OpenAPI: exactly one media type), when that type is JSON. */
function jsonContentSchema(parameter: ParameterObject): JsonSchema | undefined {
  const [mediaType, media] = Object.entries(parameter.content ?? {})[0] ?? [];
  return mediaType && isJsonMediaType(mediaTypeOf(mediaType) ?? '') ? (media?.schema ?? {}) : undefined;
}

interface ParameterGroup {
  location: Exclude<ParameterLocation, 'cookie'>;
  root: string;
  names: ParameterName[];
  validate: ValidateFunction;
}

/** One query parameter's value from the query, by its style; undefined when it is absent. */
function queryValue(p: ParameterName, query: Record<string, string[]>, consumed: Set<string> | undefined): unknown {
  if (p.json) {
    const raw = query[p.name]?.[0];
    return raw === undefined ? undefined : jsonOrText(raw);
  }
  if (p.style === 'deepObject' && consumed) {
    const deep = deepObjectValue(p.name, Object.entries(query), p.schema, coerceFormValue, consumed);
    if (deep !== undefined) return deep;
  }
  const values = query[p.name];
  if (!values || values.length === 0) return undefined;
  if (!p.isArray) return values[0];
  // Exploded: one value per item; otherwise one value, split on the style's delimiter.
  return p.explode ? values : values[0]!.split(arrayDelimiter(p.style));
}

const GROUPS: [Exclude<ParameterLocation, 'cookie'>, string][] = [
  ['path', '/path'],
  ['query', '/query'],
  ['header', '/headers'],
];

function isArraySchema(schema: JsonSchema | undefined): boolean {
  if (!schema || typeof schema === 'boolean') return false;
  const type = schema.type;
  return type === 'array' || (Array.isArray(type) && type.includes('array'));
}

/**
 * Compiles everything an operation needs to check a request, once, at start-up; the returned
 * functions only run precompiled Ajv code on the hot path.
 */
export function createOperationValidator(entry: OperationEntry, ajv: ContractAjv, options: ValidatorOptions = {}): OperationValidator {
  const rejectUnknownQuery = options.rejectUnknownQuery ?? true;
  const groups: ParameterGroup[] = GROUPS.map(([location, root]) => {
    const params = entry.parameters.filter((p) => p.in === location);
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    const names = params.map((p) => {
      // Header names are case-insensitive; validate and expose them lower-cased.
      const key = location === 'header' ? p.name.toLowerCase() : p.name;
      const contentSchema = p.schema === undefined ? jsonContentSchema(p) : undefined;
      const schema = p.schema ?? contentSchema;
      properties[key] = schema ?? {};
      if (p.required || location === 'path') required.push(key);
      const style = p.style ?? (location === 'query' ? 'form' : 'simple');
      const json = contentSchema !== undefined;
      return { name: p.name, key, isArray: !json && isArraySchema(schema), schema, style, explode: p.explode ?? style === 'form', json };
    });
    const validate = ajv.parameters.compile({ type: 'object', properties, required });
    return { location, root, names, validate };
  });
  const knownQuery = new Set(entry.parameters.filter((p) => p.in === 'query').map((p) => p.name));
  // Only such operations need to track the bracketed names a request's deepObject values came from.
  const readsDeepObjects = groups.some((g) => g.location === 'query' && g.names.some((n) => n.style === 'deepObject'));

  const bodyChecker = createBodyChecker(entry.operation.requestBody, ajv);
  const { mediaTypes: bodyMediaTypes, required: bodyRequired } = bodyChecker;
  const problems: ContractProblem[] = [...bodyChecker.problems];
  for (const [status, response] of Object.entries(entry.operation.responses ?? {})) {
    for (const [key, message] of createMediaTypeTable(response.content).problems)
      problems.push({ path: ['responses', status, 'content', key], message });
  }

  /** What the contract says of one status and media type; decided once, on first use. */
  type ResponseRule =
    | { kind: 'undocumented-status' }
    | { kind: 'undocumented-media-type'; documented: string[] }
    | { kind: 'any-body' }
    | { kind: 'unusable-schema' }
    | { kind: 'schema'; validate: ValidateFunction };
  const responseRules = new Map<string, ResponseRule>();
  const responseRule = (status: number, mediaType: string): ResponseRule => {
    const key = `${status} ${mediaType}`;
    let rule = responseRules.get(key);
    if (rule) return rule;
    const responses = entry.operation.responses ?? {};
    const statusKey = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k] !== undefined);
    const response = statusKey === undefined ? undefined : responses[statusKey];
    const content = response?.content ?? {};
    const declared = createMediaTypeTable(content).select(mediaType);
    if (!response) rule = { kind: 'undocumented-status' };
    else if (Object.keys(content).length > 0 && !declared) rule = { kind: 'undocumented-media-type', documented: Object.keys(content) };
    else {
      // Only JSON bodies are parsed; any other documented type is checked by its type alone.
      const schema = declared?.kind === 'json' ? declared.media.schema : undefined;
      // Compiled on first use: many responses are never validated, so start-up should not pay for them.
      try {
        rule = schema === undefined ? { kind: 'any-body' } : { kind: 'schema', validate: ajv.bodies.compile(schema as object) };
      } catch (err) {
        // The contract's fault, not the upstream's: never a 500 or a 502 for it, and said once.
        rule = { kind: 'unusable-schema' };
        options.onUnusableResponseSchema?.({
          path: ['responses', statusKey!, 'content', declared!.key, 'schema'],
          message: `the schema cannot be used for validation (${(err as Error).message}); these responses are not validated`,
        });
      }
    }
    responseRules.set(key, rule);
    return rule;
  };

  return {
    entry,
    bodyMediaTypes,
    bodyRequired,
    problems,
    validateParameters(raw) {
      const value: ValidatedParameters = { path: {}, query: {}, headers: {} };
      const errors: FieldError[] = [];
      // Query names a deepObject parameter was read from (`created[gte]`): known, not undeclared.
      const consumed = readsDeepObjects ? new Set<string>() : undefined;
      for (const group of groups) {
        const target: Record<string, unknown> = {};
        for (const parameter of group.names) {
          const { name, key } = parameter;
          if (group.location === 'query') {
            const v = queryValue(parameter, raw.query, consumed);
            if (v !== undefined) target[key] = v;
          } else {
            const v = group.location === 'path' ? raw.path[name] : raw.header(name);
            // Path and header parameters are `simple`: an array is its items joined by commas.
            if (v !== undefined) target[key] = parameter.json ? jsonOrText(v) : parameter.isArray ? v.split(',') : v;
          }
        }
        if (!group.validate(target)) errors.push(...toFieldErrors(group.validate.errors, group.root));
        if (group.location === 'header') {
          // Validated lower-cased (header names are case-insensitive) but handed over under the
          // contract's spelling, which is the name the generated types use.
          for (const { name, key } of group.names) if (key in target) value.headers[name] = target[key];
        } else {
          Object.assign(group.location === 'path' ? value.path : value.query, target);
        }
      }
      errors.push(...unstorableStrings(value.path, '/path'), ...unstorableStrings(value.query, '/query'));
      if (rejectUnknownQuery) {
        for (const name of Object.keys(raw.query)) {
          if (!knownQuery.has(name) && !consumed?.has(name))
            errors.push({ pointer: `/query/${name}`, message: 'is not a parameter of this operation' });
        }
      }
      return errors.length ? { ok: false, errors } : { ok: true, value };
    },
    validateBody(mediaType, text) {
      return bodyChecker.checkText(mediaType, text);
    },
    validateRequestBody(contentType, bytes) {
      return bodyChecker.checkBytes(contentType, bytes);
    },
    validateResponse(status, mediaType, responseBody) {
      const type = mediaType ?? 'application/json';
      const rule = responseRule(status, type);
      switch (rule.kind) {
        case 'undocumented-status':
          return [{ pointer: '/status', message: `status ${status} is not documented for ${entry.operationId}` }];
        case 'undocumented-media-type':
          return [
            {
              pointer: '/headers/content-type',
              message: `${type} is not documented for status ${status} of ${entry.operationId} (documented: ${rule.documented.join(', ')})`,
            },
          ];
        case 'any-body':
        case 'unusable-schema':
          return [];
        case 'schema':
          return rule.validate(responseBody) ? [] : toFieldErrors(rule.validate.errors, '/body');
      }
    },
  };
}
