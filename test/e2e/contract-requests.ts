/**
 * Requests built from a contract alone: a value for every schema (its example, else its first enum
 * value, default or a value of its type), path parameters filled in, every query and header
 * parameter sent, and a body for each media type the operation declares, serialized the way that
 * media type is (JSON, form-encoded by OpenAPI's rules, XML, raw bytes).
 */
import type { JsonSchema, OperationEntry } from '@concord/contracts/src/document/openapi-document.ts';

type Schema = Record<string, unknown>;

export function sampleOf(schema: JsonSchema | undefined): unknown {
  if (!schema || typeof schema !== 'object') return 'x';
  const s = schema as Schema;
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (s.default !== undefined) return s.default;
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'object' || s.properties) {
    const out: Record<string, unknown> = {};
    for (const [name, sub] of Object.entries((s.properties as Record<string, JsonSchema>) ?? {})) out[name] = sampleOf(sub);
    return out;
  }
  if (type === 'array') return [sampleOf(s.items as JsonSchema)];
  if (type === 'integer' || type === 'number') return 1;
  if (type === 'boolean') return true;
  return FORMAT_SAMPLES[String(s.format)] ?? 'x';
}

const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '2026-01-31T12:00:00Z',
  date: '2026-01-31',
  email: 'pat@example.com',
  uuid: '3f1c2f9e-5a7b-4c2d-9e8f-1a2b3c4d5e6f',
  uri: 'https://example.com/x',
  binary: 'bytes',
};

/** Form-encoded by OpenAPI's defaults (style form, explode): scalars once, arrays of scalars repeated. */
export function formEncode(value: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [name, v] of Object.entries(value)) {
    if (Array.isArray(v)) {
      for (const item of v) if (typeof item !== 'object') params.append(name, String(item));
    } else if (v !== null && typeof v !== 'object') params.append(name, String(v));
  }
  return params.toString();
}

export function xmlEncode(root: string, value: unknown): string {
  const inner = (v: unknown): string =>
    Array.isArray(v)
      ? v.map((item) => `<item>${inner(item)}</item>`).join('')
      : v !== null && typeof v === 'object'
        ? Object.entries(v)
            .map(([k, x]) => `<${k}>${inner(x)}</${k}>`)
            .join('')
        : String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<?xml version="1.0" encoding="UTF-8"?><${root}>${inner(value)}</${root}>`;
}

/** Bytes that are not UTF-8, so a body re-encoded anywhere on the way would show. */
export const BINARY = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x80]);

export interface BuiltRequest {
  operationId: string;
  method: string;
  /** Path and query, relative to the API's base path, exactly as sent. */
  target: string;
  headers: Record<string, string>;
  mediaType: string | undefined;
  body: Uint8Array | undefined;
}

function encodeBody(mediaType: string, schema: JsonSchema | undefined): Uint8Array {
  const value = sampleOf(schema);
  if (mediaType === 'application/json') return new TextEncoder().encode(JSON.stringify(value));
  if (mediaType === 'application/x-www-form-urlencoded') return new TextEncoder().encode(formEncode(value as Record<string, unknown>));
  if (mediaType.endsWith('/xml')) return new TextEncoder().encode(xmlEncode('body', value));
  return BINARY;
}

/** One request per declared request media type (one without a body when it takes none). */
export function requestsFor(entry: OperationEntry): BuiltRequest[] {
  let path = entry.path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const p of entry.parameters) {
    const value = sampleOf(p.schema);
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(String(value)));
    else if (p.in === 'query') for (const v of Array.isArray(value) ? value : [value]) query.append(p.name, String(v));
    else if (p.in === 'header') headers[p.name.toLowerCase()] = String(value);
  }
  const target = path + (query.size > 0 ? `?${query}` : '');
  const content = entry.operation.requestBody?.content ?? {};
  const mediaTypes = Object.keys(content);
  const base = { operationId: entry.operationId, method: entry.method.toUpperCase(), target, headers };
  if (mediaTypes.length === 0) return [{ ...base, mediaType: undefined, body: undefined }];
  return mediaTypes.map((mediaType) => ({
    ...base,
    headers: { ...headers, 'content-type': mediaType },
    mediaType,
    body: encodeBody(mediaType, content[mediaType]!.schema),
  }));
}
