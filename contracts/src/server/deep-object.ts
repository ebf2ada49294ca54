/**
 * A form property with `style: deepObject`, read from its bracketed names at any depth:
 *   line_items[0][price]=price_1&line_items[0][quantity]=2&metadata[order]=6735&expand[]=customer
 * OpenAPI defines deepObject for one level of an object (`name[key]`); APIs that take nested forms
 * (Stripe's whole API, Rails and PHP back ends, the `qs` convention) write arrays as `[0]` or `[]`
 * segments and nested objects as further `[key]` segments, and their contracts say deepObject for
 * them. Read one level only, every such request would fail validation with its members unknown.
 *
 * The schema decides the shape where it can (through anyOf/oneOf/allOf, as nested form schemas are
 * written): a node is an array where the schema says array, or where every segment under it is an
 * index and the schema does not say object; indices order the items (sparse ones close up, as qs
 * does); `[]` appends. Leaves are coerced to their schema's type by `coerce`.
 */
import type { JsonSchema } from '../document/openapi-document.ts';
import { MAX_JSON_NESTING } from './json-nesting.ts';

type SchemaObject = Record<string, unknown>;

interface Node {
  children: Map<string, Node>;
  values: string[];
}

export type Coerce = (raw: string, schema: JsonSchema | undefined) => unknown;

const INDEX = /^\d+$/;

/** The schema and each branch of its anyOf/oneOf/allOf, as far as forms are written. */
export function schemaBranches(schema: JsonSchema | undefined, depth = 0): SchemaObject[] {
  if (!schema || typeof schema !== 'object' || depth > 4) return [];
  const s = schema as SchemaObject;
  const out = [s];
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = s[key];
    if (Array.isArray(list)) for (const branch of list) out.push(...schemaBranches(branch as JsonSchema, depth + 1));
  }
  return out;
}

function declares(branch: SchemaObject, type: string): boolean {
  return branch.type === type || (Array.isArray(branch.type) && branch.type.includes(type));
}

const isArraySchema = (schema: JsonSchema | undefined) => schemaBranches(schema).some((b) => declares(b, 'array') || b.items !== undefined);
const isObjectSchema = (schema: JsonSchema | undefined) =>
  schemaBranches(schema).some((b) => declares(b, 'object') || b.properties !== undefined);

function itemsSchema(schema: JsonSchema | undefined): JsonSchema | undefined {
  for (const b of schemaBranches(schema)) if (b.items && typeof b.items === 'object') return b.items as JsonSchema;
  return undefined;
}

function propertySchema(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
  const branches = schemaBranches(schema);
  for (const b of branches) {
    const property = (b.properties as Record<string, JsonSchema> | undefined)?.[key];
    if (property !== undefined) return property;
  }
  for (const b of branches)
    if (b.additionalProperties && typeof b.additionalProperties === 'object') return b.additionalProperties as JsonSchema;
  return undefined;
}

/**
 * `name[a][0][]` -> ['a', '0', ''] when `key` is `name` followed only by bracketed segments, at most
 * MAX_JSON_NESTING of them (a deeper key is an unknown member, for the schema to refuse).
 */
export function bracketSegments(key: string, name: string): string[] | undefined {
  if (key.length < name.length + 2 || !key.startsWith(name) || key[name.length] !== '[' || !key.endsWith(']')) return undefined;
  const segments = key.slice(name.length + 1, -1).split('][');
  if (segments.length > MAX_JSON_NESTING || segments.some((s) => s.includes('[') || s.includes(']'))) return undefined;
  return segments;
}

function build(node: Node, schema: JsonSchema | undefined, coerce: Coerce): unknown {
  if (node.children.size === 0) {
    if (isArraySchema(schema)) {
      const items = itemsSchema(schema);
      return node.values.map((v) => coerce(v, items));
    }
    return node.values.length === 1 ? coerce(node.values[0]!, schema) : node.values.map((v) => coerce(v, schema));
  }
  const keys = [...node.children.keys()];
  if (keys.every((k) => k === '' || INDEX.test(k)) && (isArraySchema(schema) || !isObjectSchema(schema))) {
    const items = itemsSchema(schema);
    const out: unknown[] = node.values.map((v) => coerce(v, items));
    for (const k of keys.filter((k) => k !== '').sort((a, b) => Number(a) - Number(b)))
      out.push(build(node.children.get(k)!, items, coerce));
    const appended = node.children.get('');
    if (appended) {
      if (appended.children.size === 0) out.push(...appended.values.map((v) => coerce(v, items)));
      else out.push(build(appended, items, coerce));
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, child] of node.children) out[k] = build(child, propertySchema(schema, k), coerce);
  return out;
}

/**
 * The property's value from every `name[...]` pair of the form (each marked consumed), plus plain
 * `name` values as leading items where the schema is an array; undefined when there is no bracketed
 * pair.
 */
export function deepObjectValue(
  name: string,
  /** Every name of the form or query with its values, in order. */
  pairs: Iterable<readonly [string, readonly string[]]>,
  schema: JsonSchema | undefined,
  coerce: Coerce,
  consumed: Set<string>,
): unknown {
  const root: Node = { children: new Map(), values: [] };
  let found = false;
  let plain: readonly string[] | undefined;
  for (const [key, values] of pairs) {
    if (key === name) plain = values;
    const segments = bracketSegments(key, name);
    if (!segments) continue;
    consumed.add(key);
    found = true;
    let node = root;
    for (const segment of segments) {
      let next = node.children.get(segment);
      if (!next) {
        next = { children: new Map(), values: [] };
        node.children.set(segment, next);
      }
      node = next;
    }
    node.values.push(...values);
  }
  if (!found) return undefined;
  if (plain && isArraySchema(schema)) {
    consumed.add(name);
    root.values.push(...plain);
  }
  return build(root, schema, coerce);
}
