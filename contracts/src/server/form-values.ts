/**
 * Turns the name/value pairs of a form body (urlencoded or multipart) into the object its schema
 * describes, by the OpenAPI `encoding` rules, so the body can be validated like JSON:
 * - values are strings; each is coerced to its property's schema type (`"7"` -> 7 for an integer,
 *   `"true"` -> true), and left a string when it is not one, so the schema reports it;
 * - an array property takes every occurrence of its name (explode, the default) or splits one value
 *   (`explode: false`: `,`; `spaceDelimited`: ` `; `pipeDelimited`: `|`);
 * - an object property is JSON when its encoding (or, in multipart, its part) says so (multipart's
 *   default for objects), `prop[key]` pairs with `style: deepObject` (nested `prop[a][0][b]` too,
 *   deep-object.ts), `key,value,...` with `explode: false`, else its properties' own names at the
 *   top level (style form, exploded);
 * - a name the schema does not know is kept (a string, or every value when repeated), so
 *   `additionalProperties` decides.
 */
import { isJsonMediaType, mediaTypeOf, type JsonSchema } from '../document/openapi-document.ts';
import { deepObjectValue, schemaBranches } from './deep-object.ts';
import { jsonNestsDeeperThan, jsonOrText } from './json-nesting.ts';

export interface EncodingObject {
  contentType?: string;
  style?: string;
  explode?: boolean;
  allowReserved?: boolean;
  headers?: unknown;
}

export interface FormValue {
  value: string;
  /** The part's own Content-Type (multipart only). */
  contentType?: string;
}

export type FormKind = 'urlencoded' | 'multipart';

type SchemaObject = Record<string, unknown>;

const STYLES = new Set(['form', 'spaceDelimited', 'pipeDelimited', 'deepObject']);

/** What joins the items of an array written in one value (`explode: false`) in `style`: `,` unless space- or pipe-delimited. */
export function arrayDelimiter(style: string | undefined): string {
  return style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ',';
}

function asObject(schema: JsonSchema | undefined): SchemaObject | undefined {
  return schema && typeof schema === 'object' ? schema : undefined;
}

/**
 * The types a value of the schema may have, through anyOf/oneOf/allOf: form schemas often say
 * "an integer, or '' to unset" as `anyOf: [{type: integer}, {enum: ['']}]`, and the value must
 * still be coerced to the integer.
 */
function typesOf(schema: SchemaObject | undefined): string[] {
  const types = new Set<string>();
  for (const branch of schemaBranches(schema)) {
    const type = branch.type;
    if (typeof type === 'string') types.add(type);
    else if (Array.isArray(type)) for (const t of type) if (typeof t === 'string') types.add(t);
  }
  return [...types];
}

/** `properties` of the schema, merged across `allOf` (one level, as bodies are written). */
export function formProperties(schema: JsonSchema | undefined): Record<string, JsonSchema> {
  const s = asObject(schema);
  if (!s) return {};
  const out: Record<string, JsonSchema> = { ...((s.properties as Record<string, JsonSchema>) ?? {}) };
  for (const part of (s.allOf as JsonSchema[] | undefined) ?? []) Object.assign(out, formProperties(part));
  return out;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * One string value as its schema's type, when it reads as one. Where the schema also takes a string
 * (`anyOf: [{type: integer}, {enum: ['']}]`, `type: [string, integer]`), a number or boolean is still
 * read as such, since a form cannot say which was meant and the typed reading is the one the other
 * branches were written for; only null and JSON are then left a string.
 */
export function coerceFormValue(raw: string, schema: JsonSchema | undefined): unknown {
  const types = typesOf(asObject(schema));
  if (types.length === 0) return raw;
  const stringToo = types.includes('string');
  for (const type of types) {
    if ((type === 'integer' || type === 'number') && NUMBER.test(raw.trim())) return Number(raw);
    if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
    if (stringToo) continue;
    if (type === 'null' && raw === '') return null;
    if ((type === 'object' || type === 'array') && !jsonNestsDeeperThan(raw)) {
      try {
        return JSON.parse(raw);
      } catch {
        // not JSON: left a string for the schema to refuse
      }
    }
  }
  return raw;
}

/** Problems with an encoding the gateway cannot apply, found once at start-up (`[property, message]`). */
export function encodingProblems(encoding: Record<string, EncodingObject> | undefined): [string, string][] {
  const problems: [string, string][] = [];
  for (const [name, e] of Object.entries(encoding ?? {})) {
    if (e.style !== undefined && !STYLES.has(e.style))
      problems.push([name, `encoding style "${e.style}" is not one of ${[...STYLES].join(', ')}`]);
  }
  return problems;
}

function isJsonPart(kind: FormKind, encoding: EncodingObject | undefined, value: FormValue | undefined, types: string[]): boolean {
  const declared = mediaTypeOf(encoding?.contentType);
  if (declared) return isJsonMediaType(declared);
  // busboy reports text/plain for a part without a Content-Type, so only a JSON type is telling.
  const own = mediaTypeOf(value?.contentType);
  if (own && isJsonMediaType(own)) return true;
  // OpenAPI's default part type for an object (or array of objects) in multipart is application/json.
  return kind === 'multipart' && types.includes('object');
}

function* textPairs(entries: ReadonlyMap<string, FormValue[]>): Generator<[string, string[]]> {
  for (const [key, values] of entries) yield [key, values.map((v) => v.value)];
}

export function formToObject(
  kind: FormKind,
  entries: ReadonlyMap<string, FormValue[]>,
  schema: JsonSchema | undefined,
  encoding: Record<string, EncodingObject> | undefined,
): Record<string, unknown> {
  const properties = formProperties(schema);
  const out: Record<string, unknown> = {};
  const consumed = new Set<string>();

  for (const [name, propSchema] of Object.entries(properties)) {
    const prop = asObject(propSchema);
    const types = typesOf(prop);
    const enc = encoding?.[name];
    const style = enc?.style ?? 'form';
    const explode = enc?.explode ?? style === 'form';
    const values = entries.get(name);

    if (style === 'deepObject' && !(values && isJsonPart(kind, enc, values[0], types))) {
      const deep = deepObjectValue(name, textPairs(entries), propSchema, coerceFormValue, consumed);
      if (deep !== undefined) {
        out[name] = deep;
        continue;
      }
      // No bracketed pair. A plain empty value is the "unset" of nested-form APIs (Stripe's
      // `metadata=`, `tax_rates=`): kept as given, for the schema to judge, as is any plain value of
      // an object; an array may still come as repeated plain names (below).
      if (!types.includes('array') || (values?.length === 1 && values[0]!.value === '')) continue;
    }

    if (types.includes('array')) {
      if (!values) continue;
      consumed.add(name);
      const items = asObject(prop?.items as JsonSchema | undefined);
      const itemJson = isJsonPart(kind, enc, values[0], typesOf(items));
      const raw =
        explode || kind === 'multipart' ? values : (values[0]?.value.split(arrayDelimiter(style)) ?? []).map((value) => ({ value }));
      out[name] = raw.map((v) => (itemJson ? jsonOrText(v.value) : coerceFormValue(v.value, items)));
      continue;
    }

    if (types.includes('object')) {
      if (values && isJsonPart(kind, enc, values[0], types)) {
        consumed.add(name);
        out[name] = values.length === 1 ? jsonOrText(values[0]!.value) : values.map((v) => jsonOrText(v.value));
        continue;
      }
      const subProperties = formProperties(prop);
      if (!explode) {
        if (!values) continue;
        consumed.add(name);
        const pairs = values[0]!.value.split(',');
        const object: Record<string, unknown> = {};
        for (let i = 0; i + 1 < pairs.length; i += 2) object[pairs[i]!] = coerceFormValue(pairs[i + 1]!, subProperties[pairs[i]!]);
        out[name] = object;
        continue;
      }
      // Style form, exploded: the object's own properties appear as top-level names; a name the
      // body schema itself declares belongs to the body, not to the nested object.
      const object: Record<string, unknown> = {};
      for (const [key, subSchema] of Object.entries(subProperties)) {
        const vs = entries.get(key);
        if (!vs || key in properties) continue;
        consumed.add(key);
        object[key] = coerceFormValue(vs[0]!.value, subSchema);
      }
      if (Object.keys(object).length > 0) out[name] = object;
      continue;
    }

    if (!values) continue;
    consumed.add(name);
    const coerced = values.map((v) => (isJsonPart(kind, enc, v, types) ? jsonOrText(v.value) : coerceFormValue(v.value, propSchema)));
    // A scalar sent twice stays a list, so the schema reports it rather than one value winning.
    out[name] = coerced.length === 1 ? coerced[0] : coerced;
  }

  for (const [key, vs] of entries) {
    if (consumed.has(key) || key in out) continue;
    out[key] = vs.length === 1 ? vs[0]!.value : vs.map((v) => v.value);
  }
  return out;
}
