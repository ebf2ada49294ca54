import { createHash } from 'node:crypto';
import { ANNOTATIONS, isSchemaObject, type Flatten, type Schema } from './schema-flatten.ts';

/**
 * A canonical text for what a schema means, ignoring annotations, key order and the order of
 * oneOf/anyOf alternatives and enum values. Two schemas with the same fingerprint accept the same
 * values; it is how alternatives are matched across versions (by meaning, not by index).
 *
 * A subschema that is a named component is printed as its name, not expanded: that is what keeps a
 * fingerprint finite on recursive schemas and its cost linear in the document (each object is
 * printed once, memoised). Two alternatives with the same fingerprint may therefore still differ
 * inside a component they share by name; the comparator descends into matched alternatives for
 * that reason. Long texts are replaced by their digest so that fingerprints stay short.
 */
export interface Fingerprints {
  fingerprint(schema: unknown): string;
  fingerprintPlain(schema: Schema): string;
}

const digest = (text: string) => (text.length <= 96 ? text : `#${createHash('sha1').update(text).digest('base64')}`);

/** Keywords this file does not know may hold schemas too, and those may be recursive. */
function stringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '"<recursive>"';
  }
}

export function createFingerprints(flatten: Flatten, names: WeakMap<object, string> = new WeakMap()): Fingerprints {
  const whole = new WeakMap<object, string>();
  const plain = new WeakMap<object, string>();
  const inProgress = new WeakSet<object>();

  const child = (schema: unknown): string => {
    const name = isSchemaObject(schema) ? names.get(schema) : undefined;
    return name ? JSON.stringify({ $ref: name }) : fingerprint(schema);
  };

  function fingerprint(schema: unknown): string {
    if (!isSchemaObject(schema)) return fingerprintOf(schema);
    const known = whole.get(schema);
    if (known !== undefined) return known;
    if (inProgress.has(schema)) return '"<recursive>"';
    inProgress.add(schema);
    const result = fingerprintOf(schema);
    inProgress.delete(schema);
    whole.set(schema, result);
    return result;
  }

  function fingerprintOf(schema: unknown): string {
    const alternatives = flatten(schema)
      .map((alt) => fingerprintPlain(alt))
      .sort();
    return alternatives.length === 1 ? (alternatives[0] ?? '') : digest(`{"anyOf":[${alternatives.join(',')}]}`);
  }

  function fingerprintPlain(schema: Schema): string {
    const known = plain.get(schema);
    if (known !== undefined) return known;
    plain.set(schema, '"<recursive>"');
    const parts: string[] = [];
    for (const key of Object.keys(schema).sort()) {
      if (ANNOTATIONS.has(key) || key.startsWith('x-')) continue;
      const value = schema[key];
      let text: string;
      if ((key === 'properties' || key === 'patternProperties' || key === '$defs') && isSchemaObject(value)) {
        text = `{${Object.keys(value)
          .sort()
          .map((name) => `${JSON.stringify(name)}:${child(value[name])}`)
          .join(',')}}`;
      } else if ((key === 'items' || key === 'additionalProperties' || key === 'not' || key === 'contains') && isSchemaObject(value)) {
        text = child(value);
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
    const result = digest(`{${parts.join(',')}}`);
    plain.set(schema, result);
    return result;
  }

  return { fingerprint, fingerprintPlain };
}
