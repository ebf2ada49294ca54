import { ANNOTATIONS, flatten, isSchemaObject, type Schema } from './schema-flatten.ts';

/**
 * A canonical text for what a schema means, ignoring annotations, key order and the order of
 * oneOf/anyOf alternatives and enum values. Two schemas with the same fingerprint accept the same
 * values; it is how alternatives are matched across versions (by meaning, not by index).
 */
export function fingerprint(schema: unknown, stack: unknown[] = []): string {
  if (stack.includes(schema)) return '"<recursive>"';
  const inner = [...stack, schema];
  const alternatives = flatten(schema)
    .map((alt) => fingerprintPlain(alt, inner))
    .sort();
  return alternatives.length === 1 ? (alternatives[0] ?? '') : `{"anyOf":[${alternatives.join(',')}]}`;
}

/** Keywords this file does not know may hold schemas too, and those may be recursive. */
function stringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '"<recursive>"';
  }
}

export function fingerprintPlain(schema: Schema, stack: unknown[] = []): string {
  const parts: string[] = [];
  for (const key of Object.keys(schema).sort()) {
    if (ANNOTATIONS.has(key) || key.startsWith('x-')) continue;
    const value = schema[key];
    let text: string;
    if ((key === 'properties' || key === 'patternProperties' || key === '$defs') && isSchemaObject(value)) {
      text = `{${Object.keys(value)
        .sort()
        .map((name) => `${JSON.stringify(name)}:${fingerprint(value[name], stack)}`)
        .join(',')}}`;
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'not' || key === 'contains') && isSchemaObject(value)) {
      text = fingerprint(value, stack);
    } else if ((key === 'required' || key === 'type' || key === 'enum') && Array.isArray(value)) {
      text = `[${value
        .map((v) => JSON.stringify(v))
        .sort()
        .join(',')}]`;
    } else {
      text = stringify(value);
    }
    parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}
