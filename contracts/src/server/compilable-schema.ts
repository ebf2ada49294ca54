/**
 * A dereferenced contract schema as Ajv can compile it. Dereferencing turns every `$ref` into the
 * object it names, so a recursive schema (Stripe's `account` expands into objects that hold an
 * `account`) is a cycle of JavaScript objects, which Ajv walks until the stack runs out, and a
 * component used in many places is one object met again and again, which Ajv compiles again at
 * every place. Here every schema met more than once becomes one entry of `$defs` and a `$ref` to it,
 * so Ajv compiles it once and follows the recursion as JSON Schema intends.
 *
 * Vendor extensions (`x-...`) are left out: they never validate anything.
 *
 * OpenAPI 3.0's `nullable: true` is kept where it stands beside a `type` (Ajv reads it there); beside
 * no `type` (Stripe writes `nullable: true` next to `anyOf`) Ajv refuses to compile, so it becomes
 * "this, or null", the meaning contracts written that way intend.
 *
 * OpenAPI 3.0's boolean `exclusiveMinimum: true` / `exclusiveMaximum: true` (JSON Schema draft 4:
 * "the `minimum` beside me is exclusive") is a schema error to JSON Schema 2020-12, where the keyword
 * holds the bound itself; it becomes that bound (`minimum: 0, exclusiveMinimum: true` ->
 * `exclusiveMinimum: 0`), and `false` is dropped.
 */
type Schema = Record<string, unknown>;

/** Keywords whose value is one subschema, a list of them, or a map of them (JSON Schema 2020-12). */
const ONE = [
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'additionalItems',
];
const LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];

const isSchemaObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

function subschemas(schema: Schema): Schema[] {
  const out: Schema[] = [];
  for (const key of ONE) if (isSchemaObject(schema[key])) out.push(schema[key] as Schema);
  for (const key of LIST) if (Array.isArray(schema[key])) out.push(...(schema[key] as unknown[]).filter(isSchemaObject));
  for (const key of MAP) if (isSchemaObject(schema[key])) out.push(...Object.values(schema[key] as Schema).filter(isSchemaObject));
  return out;
}

export function compilableSchema(root: unknown): unknown {
  if (!isSchemaObject(root)) return root;
  // How often each schema object is reached; the walk stops at the second visit, so cycles end.
  const seen = new Map<Schema, number>();
  const stack: Schema[] = [root];
  while (stack.length > 0) {
    const schema = stack.pop()!;
    const count = (seen.get(schema) ?? 0) + 1;
    seen.set(schema, count);
    if (count === 1) stack.push(...subschemas(schema));
  }
  if ([...seen.values()].every((count) => count === 1) && !needsRewrite(seen)) return root;

  const names = new Map<Schema, string>();
  const defs: Schema = {};
  const refTo = (schema: Schema): Schema => {
    if (schema === root) return { $ref: '#' };
    let name = names.get(schema);
    if (name === undefined) {
      // A prefix no contract's own `$defs` would use.
      name = `concord_${names.size}`;
      names.set(schema, name);
      defs[name] = rebuild(schema);
    }
    return { $ref: `#/$defs/${name}` };
  };
  const child = (schema: unknown): unknown =>
    isSchemaObject(schema) ? ((seen.get(schema) ?? 0) > 1 ? refTo(schema) : rebuild(schema)) : schema;
  function rebuild(schema: Schema): Schema {
    const out: Schema = {};
    for (const [key, value] of Object.entries(schema)) {
      if (ONE.includes(key)) out[key] = child(value);
      else if (LIST.includes(key) && Array.isArray(value)) out[key] = value.map(child);
      else if (MAP.includes(key) && isSchemaObject(value))
        out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, child(v)]));
      // Vendor extensions are never validation keywords, and a dereferenced one can hold schemas
      // (Stripe's `x-expansionResources`), cycles included, which Ajv would walk forever.
      else if (!key.startsWith('x-')) out[key] = value;
    }
    exclusiveBound(out, 'exclusiveMinimum', 'minimum');
    exclusiveBound(out, 'exclusiveMaximum', 'maximum');
    if (out.nullable === true && out.type === undefined) {
      delete out.nullable;
      return { anyOf: [out, { type: 'null' }] };
    }
    return out;
  }
  const top = rebuild(root);
  return Object.keys(defs).length > 0 ? { ...top, $defs: { ...(top.$defs as Schema | undefined), ...defs } } : top;
}

/** OpenAPI 3.0's boolean exclusive bound, as 2020-12 writes it. */
function exclusiveBound(schema: Schema, exclusive: string, inclusive: string): void {
  if (typeof schema[exclusive] !== 'boolean') return;
  if (schema[exclusive] === true && typeof schema[inclusive] === 'number') {
    schema[exclusive] = schema[inclusive];
    delete schema[inclusive];
  } else delete schema[exclusive];
}

function needsRewrite(schemas: Map<Schema, number>): boolean {
  for (const schema of schemas.keys()) {
    if (schema.nullable === true && schema.type === undefined) return true;
    if (typeof schema.exclusiveMinimum === 'boolean' || typeof schema.exclusiveMaximum === 'boolean') return true;
    if (Object.keys(schema).some((key) => key.startsWith('x-'))) return true;
  }
  return false;
}
