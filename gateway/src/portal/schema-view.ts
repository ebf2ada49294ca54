/**
 * A JSON Schema as a reader sees it: one table row per field (nested fields by their dotted path),
 * with its type, whether it is required, its description and constraints. Contracts compose their
 * schemas (`allOf` of an envelope and a message part, `anyOf` with `null` for a nullable object),
 * so parts are merged before they are shown; printing the raw schema would show `allOf` and hide
 * every field.
 */
import { escapeHtml as e } from './html.ts';

type Schema = Record<string, unknown>;

const MAX_DEPTH = 6;

function asSchema(value: unknown): Schema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : undefined;
}

/** `allOf` parts folded into one schema: properties and `required` united, the first description kept. */
export function mergeAllOf(schema: Schema): Schema {
  const parts = Array.isArray(schema['allOf']) ? schema['allOf'].map(asSchema).filter((p): p is Schema => p !== undefined) : [];
  if (parts.length === 0) return schema;
  const { allOf: _allOf, ...own } = schema;
  const merged: Schema = {};
  const properties: Record<string, Schema> = {};
  const required = new Set<string>();
  for (const part of [...parts.map(mergeAllOf), own]) {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties') {
        for (const [name, sub] of Object.entries(asSchema(value) ?? {})) {
          const before = properties[name];
          const next = asSchema(sub) ?? {};
          // A later part narrowing a field (`type: const customer.created`) adds to what it was.
          properties[name] = before ? { ...before, ...next, description: next['description'] ?? before['description'] } : next;
        }
      } else if (key === 'required' && Array.isArray(value)) {
        for (const name of value) if (typeof name === 'string') required.add(name);
      } else if (key === 'description') {
        merged['description'] ??= value;
      } else {
        merged[key] = value;
      }
    }
  }
  if (Object.keys(properties).length > 0) merged['properties'] = properties;
  if (required.size > 0) merged['required'] = [...required];
  return merged;
}

/** The schema of the CloudEvent's `data`, from the whole envelope schema of an event. */
export function eventDataSchema(envelope: Schema): Schema | undefined {
  return asSchema(asSchema(mergeAllOf(envelope)['properties'])?.['data']);
}

function alternatives(schema: Schema): Schema[] {
  const list = schema['anyOf'] ?? schema['oneOf'];
  return Array.isArray(list)
    ? list
        .map(asSchema)
        .filter((s): s is Schema => s !== undefined)
        .map(mergeAllOf)
    : [];
}

/** The object a field holds, looking through `allOf` and through a nullable `anyOf`/`oneOf`. */
function objectOf(schema: Schema): Schema | undefined {
  const merged = mergeAllOf(schema);
  if (asSchema(merged['properties'])) return merged;
  const objects = alternatives(merged).filter((s) => asSchema(s['properties']));
  return objects.length === 1 ? objects[0] : undefined;
}

/** A short type label: `string (date-time)`, `array of object`, `Address object | null`, `"order.placed"`. */
export function typeLabel(schema: Schema): string {
  const s = mergeAllOf(schema);
  if ('const' in s) return JSON.stringify(s['const']);
  const alts = alternatives(s);
  if (alts.length > 0) return alts.map(typeLabel).join(' | ');
  const types = Array.isArray(s['type']) ? (s['type'] as unknown[]).map(String) : typeof s['type'] === 'string' ? [s['type']] : [];
  if (types.length === 0 && asSchema(s['properties'])) types.push('object');
  const labels = types.map((type) => {
    if (type === 'array') {
      const items = asSchema(s['items']);
      return items ? `array of ${typeLabel(items)}` : 'array';
    }
    return typeof s['format'] === 'string' && type !== 'null' ? `${type} (${s['format']})` : type;
  });
  return labels.join(' | ') || 'any';
}

function constraints(schema: Schema): string[] {
  const s = mergeAllOf(schema);
  const out: string[] = [];
  if (Array.isArray(s['enum'])) out.push(`one of ${s['enum'].map((v) => JSON.stringify(v)).join(', ')}`);
  if (typeof s['pattern'] === 'string') out.push(`pattern ${s['pattern']}`);
  for (const [key, text] of [
    ['minLength', 'at least %s characters'],
    ['maxLength', 'at most %s characters'],
    ['minimum', 'at least %s'],
    ['maximum', 'at most %s'],
    ['minItems', 'at least %s item(s)'],
    ['maxItems', 'at most %s item(s)'],
  ] as const) {
    if (typeof s[key] === 'number') out.push(text.replace('%s', String(s[key])));
  }
  return out;
}

interface Row {
  path: string;
  depth: number;
  type: string;
  required: boolean;
  description: string;
  constraints: string[];
}

function rowsOf(schema: Schema, prefix: string, depth: number, out: Row[]): Row[] {
  const object = objectOf(schema);
  if (!object || depth > MAX_DEPTH) return out;
  const required = new Set(Array.isArray(object['required']) ? (object['required'] as string[]) : []);
  for (const [name, raw] of Object.entries(asSchema(object['properties']) ?? {})) {
    const field = mergeAllOf(asSchema(raw) ?? {});
    const path = prefix ? `${prefix}.${name}` : name;
    const nullableObject = alternatives(field).find((s) => asSchema(s['properties']));
    out.push({
      path,
      depth,
      type: typeLabel(field),
      required: required.has(name),
      description: String(field['description'] ?? nullableObject?.['description'] ?? ''),
      constraints: constraints(field),
    });
    rowsOf(field, path, depth + 1, out);
    const items = asSchema(field['items']);
    if (items) rowsOf(items, `${path}[]`, depth + 1, out);
  }
  return out;
}

/** The rows of a schema's fields, depth first, as a reader expects them. */
export function schemaFields(schema: Schema): Row[] {
  return rowsOf(schema, '', 0, []);
}

/** An HTML table of a schema's fields; a schema without fields is described in one line. */
export function schemaTable(schema: Schema): string {
  const rows = schemaFields(schema);
  if (rows.length === 0) return `<p>Type: <code>${e(typeLabel(schema))}</code></p>`;
  const body = rows
    .map(
      (row) => `<tr data-field="${e(row.path)}">
  <td style="padding-left:${10 + row.depth * 18}px"><code>${e(row.path)}</code></td>
  <td><code>${e(row.type)}</code></td>
  <td>${row.required ? 'required' : '<span class="muted">optional</span>'}</td>
  <td>${e(row.description)}${row.constraints.length ? `<br><span class="muted">${e(row.constraints.join('; '))}</span>` : ''}</td>
</tr>`,
    )
    .join('\n');
  return `<table class="schema">
<thead><tr><th>Field</th><th>Type</th><th></th><th>Description</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}
