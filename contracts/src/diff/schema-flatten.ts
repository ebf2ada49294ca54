/**
 * Schemas are compared by meaning, not by spelling. `flatten` rewrites a (dereferenced) JSON Schema
 * as a union of plain alternatives, none carrying allOf/oneOf/anyOf at its top:
 *  - allOf parts are merged into one schema (properties united, bounds intersected);
 *  - keywords beside a oneOf/anyOf are distributed into every alternative
 *    (`X ∧ (A ∨ B) = (X ∧ A) ∨ (X ∧ B)`), so which level a keyword is written at does not matter;
 *  - `{ type: 'null' }` alternatives fold into the others' `type`, so `anyOf: [Address, null]`
 *    equals `type: [object, null]` with Address's keywords;
 *  - OpenAPI 3.0 `nullable` and `const` become `type` and `enum`.
 * Only the top level is rewritten; property and item schemas are flattened when the comparator
 * reaches them, which is also what keeps recursive schemas finite.
 */
export type Schema = Record<string, unknown>;

const MAX_ALTERNATIVES = 64;
const MAX_DEPTH = 32;

export const MAX_KEYWORDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;
export const MIN_KEYWORDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;

export function isSchemaObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function typesOf(schema: Schema): string[] | undefined {
  const t = schema['type'];
  return typeof t === 'string' ? [t] : Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : undefined;
}

/** Rewrites the spellings that mean the same thing into one. */
function canonicalKeywords(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if ('const' in out) {
    out['enum'] = [out['const']];
    delete out['const'];
  }
  const types = typesOf(out);
  if (out['nullable'] === true && types && !types.includes('null')) out['type'] = [...types, 'null'];
  else if (types) out['type'] = types;
  delete out['nullable'];
  return out;
}

function intersectTypes(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (!a) return b;
  if (!b) return a;
  const accepts = (list: string[], t: string) => list.includes(t) || (t === 'integer' && list.includes('number'));
  return [...new Set([...a, ...b])].filter((t) => accepts(a, t) && accepts(b, t));
}

/** Both `a` and `b` must hold: the conjunction of two plain schemas, as one plain schema. */
export function mergeSchemas(a: Schema, b: Schema): Schema {
  const out: Schema = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const prior = out[key];
    if (prior === undefined) {
      out[key] = value;
      continue;
    }
    switch (key) {
      case 'properties': {
        const props: Schema = { ...(isSchemaObject(prior) ? prior : {}) };
        for (const [name, schema] of Object.entries(isSchemaObject(value) ? value : {})) {
          // Merged lazily: flattening the allOf happens when the comparator descends into it.
          props[name] = name in props ? { allOf: [props[name], schema] } : schema;
        }
        out[key] = props;
        break;
      }
      case 'required':
        out[key] = [...new Set([...asArray(prior), ...asArray(value)])];
        break;
      case 'type':
        out[key] = intersectTypes(typesOf(a), typesOf(b));
        break;
      case 'enum': {
        const keep = new Set(asArray(value).map((v) => JSON.stringify(v)));
        out[key] = asArray(prior).filter((v) => keep.has(JSON.stringify(v)));
        break;
      }
      case 'items':
      case 'additionalProperties':
        out[key] =
          isSchemaObject(prior) && isSchemaObject(value) ? { allOf: [prior, value] } : prior === false || value === false ? false : value;
        break;
      default:
        if ((MAX_KEYWORDS as readonly string[]).includes(key) && typeof prior === 'number' && typeof value === 'number')
          out[key] = Math.min(prior, value);
        else if ((MIN_KEYWORDS as readonly string[]).includes(key) && typeof prior === 'number' && typeof value === 'number')
          out[key] = Math.max(prior, value);
      // Any other keyword: the first spelling wins (annotations, or keywords both parts agree on).
    }
  }
  return out;
}

function isPureNull(schema: Schema): boolean {
  const types = typesOf(schema);
  return types?.length === 1 && types[0] === 'null' && !Object.keys(schema).some((k) => k !== 'type' && !ANNOTATIONS.has(k));
}

/** Keywords that describe rather than constrain; they never make two schemas different in meaning. */
export const ANNOTATIONS = new Set([
  'title',
  'description',
  'examples',
  'example',
  '$comment',
  'externalDocs',
  'deprecated',
  'x-sunset',
  'discriminator',
  'xml',
  '$id',
  '$schema',
  '$anchor',
]);

/** Only annotations: `X ∧ A` is `A`, and A keeps its identity (so a shared A stays recognisable). */
function onlyAnnotates(schema: Schema): boolean {
  return Object.keys(schema).every((k) => (ANNOTATIONS.has(k) && k !== 'deprecated') || (k.startsWith('x-') && k !== 'x-sunset'));
}

function cross(left: Schema[], right: Schema[]): Schema[] {
  const out: Schema[] = [];
  for (const l of left)
    for (const r of right) if (out.length < MAX_ALTERNATIVES) out.push(onlyAnnotates(l) ? r : onlyAnnotates(r) ? l : mergeSchemas(l, r));
  return out;
}

export interface Flatten {
  (input: unknown): Schema[];
  /** The shared schema (a named component) an alternative is exactly, if it is one. */
  origin(alternative: Schema): object | undefined;
}

/**
 * `flatten`, memoised by object: a schema shared by many places (a dereferenced `$ref`) is
 * rewritten once, and the alternatives it yields keep their identity, so what is computed from
 * them (fingerprints, comparisons) can be memoised too. Callers must not modify the result.
 */
export function createFlatten(names: WeakMap<object, string> = new WeakMap()): Flatten {
  const memo = new WeakMap<object, Schema[]>();
  const origins = new WeakMap<object, object>();
  // A schema that is its own alternative (`A: anyOf [.., A]`) reads as the depth cap does: anything.
  const inProgress = new WeakSet<object>();
  const run = (input: unknown, depth: number): Schema[] => {
    if (!isSchemaObject(input)) return flattenWith(input, depth, run);
    const known = memo.get(input);
    if (known) return known;
    if (inProgress.has(input)) return [{}];
    inProgress.add(input);
    const result = flattenWith(input, depth, run);
    inProgress.delete(input);
    memo.set(input, result);
    const [only] = result;
    if (only && result.length === 1 && names.has(input) && !origins.has(only)) origins.set(only, input);
    return result;
  };
  return Object.assign((input: unknown) => run(input, 0), { origin: (alternative: Schema) => origins.get(alternative) });
}

/** Unmemoised, for one-off use. */
export function flatten(input: unknown, depth = 0): Schema[] {
  const run = (part: unknown, d: number): Schema[] => flattenWith(part, d, run);
  return run(input, depth);
}

function flattenWith(input: unknown, depth: number, recurse: (input: unknown, depth: number) => Schema[]): Schema[] {
  if (input === false) return [];
  if (!isSchemaObject(input) || depth > MAX_DEPTH) return [{}];
  const schema = canonicalKeywords(input);
  const { allOf, oneOf, anyOf, ...rest } = schema;
  let union: Schema[] = [rest];
  for (const part of asArray(allOf)) union = cross(union, recurse(part, depth + 1));
  for (const choice of [anyOf, oneOf]) {
    if (!Array.isArray(choice)) continue;
    union = cross(
      union,
      choice.flatMap((alt) => recurse(alt, depth + 1)),
    );
  }
  const nulls = union.filter(isPureNull);
  if (nulls.length && nulls.length < union.length) {
    union = union
      .filter((s) => !isPureNull(s))
      .map((s) => {
        const types = typesOf(s);
        return types && !types.includes('null') ? { ...s, type: [...types, 'null'] } : s;
      });
  }
  return union;
}
