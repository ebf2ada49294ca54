/**
 * A generated body value written as a form, the way a client following the operation's `encoding`
 * would write it (OpenAPI 3.1, Encoding Object; what contracts/src/server/form-values.ts reads back):
 * - urlencoded: an array property repeats its name (`explode`, the default) or joins its items
 *   (`,`, or ` ` / `|` for spaceDelimited / pipeDelimited); with `deepObject`, arrays and objects
 *   are bracketed at any depth (`name[0][key]`); an object property is `key,value,...` with
 *   `explode: false`, JSON when its `contentType` is JSON, else its own properties as top-level names;
 * - multipart: one part per property (per item for arrays), objects as `application/json` parts.
 * Values are percent-encoded as sent by a client with UTF-16 strings (lone surrogates included), so
 * hostile strings reach the gateway's form parser as they would on the wire. Query strings are
 * written by the same rules (fuzz-request.ts).
 */
import { isJsonMediaType, mediaTypeOf } from '@concord/contracts/src/document/openapi-document.ts';
import { arrayDelimiter, type EncodingObject } from '@concord/contracts/src/server/form-values.ts';

type Pair = [name: string, value: string, contentType?: string];

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** `name[0][price]=...`: nested arrays by index and objects by key, as clients of nested-form APIs write deepObject. */
function bracketPairs(prefix: string, value: unknown, pairs: [string, string][] = []): [string, string][] {
  if (Array.isArray(value)) for (const [i, item] of value.entries()) bracketPairs(`${prefix}[${i}]`, item, pairs);
  else if (value !== null && typeof value === 'object')
    for (const [key, sub] of Object.entries(value)) bracketPairs(`${prefix}[${key}]`, sub, pairs);
  else pairs.push([prefix, text(value)]);
  return pairs;
}

/**
 * One form field or query parameter as name=value pairs, by its `style` and `explode`: arrays repeated
 * or joined, objects exploded, joined or bracketed (deepObject, at any depth); `leaf` writes a value.
 */
export function styledPairs(
  name: string,
  value: unknown,
  style: string,
  explode: boolean,
  leaf: (value: unknown) => string = text,
): [string, string][] {
  if (value === null || typeof value !== 'object') return [[name, leaf(value)]];
  if (style === 'deepObject') return bracketPairs(name, value);
  if (Array.isArray(value))
    return explode ? value.map((item) => [name, leaf(item)]) : [[name, value.map(leaf).join(arrayDelimiter(style))]];
  const entries = Object.entries(value);
  return explode ? entries.map(([key, sub]) => [key, leaf(sub)]) : [[name, entries.flatMap(([key, sub]) => [key, leaf(sub)]).join(',')]];
}

function urlencodedPairs(body: Record<string, unknown>, encoding: Record<string, EncodingObject> | undefined): Pair[] {
  const pairs: Pair[] = [];
  for (const [name, value] of Object.entries(body)) {
    const e = encoding?.[name];
    const style = e?.style ?? 'form';
    const explode = e?.explode ?? style === 'form';
    if (isJsonMediaType(mediaTypeOf(e?.contentType) ?? '')) pairs.push([name, JSON.stringify(value)]);
    else pairs.push(...styledPairs(name, value, style, explode));
  }
  return pairs;
}

function multipartPairs(body: Record<string, unknown>, encoding: Record<string, EncodingObject> | undefined): Pair[] {
  const pairs: Pair[] = [];
  const part = (name: string, value: unknown): Pair =>
    value !== null && typeof value === 'object'
      ? [name, JSON.stringify(value), encoding?.[name]?.contentType ?? 'application/json']
      : [name, text(value), encoding?.[name]?.contentType];
  for (const [name, value] of Object.entries(body)) {
    if (Array.isArray(value)) for (const item of value) pairs.push(part(name, item));
    else pairs.push(part(name, value));
  }
  return pairs;
}

export const MULTIPART_BOUNDARY = 'concord-fuzz-7d1c0e';

/**
 * The body and its Content-Type. A value that is not an object (a hostile one) has no fields: it is
 * sent as its text, as a confused client would.
 */
export function formBody(
  kind: 'urlencoded' | 'multipart',
  value: unknown,
  encoding: Record<string, EncodingObject> | undefined,
  percentEncode: (text: string) => string,
): { contentType: string; body: string } {
  const fields = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (kind === 'urlencoded') {
    const body = fields
      ? urlencodedPairs(fields, encoding)
          .map(([name, v]) => `${percentEncode(name)}=${percentEncode(v)}`)
          .join('&')
      : text(value);
    return { contentType: 'application/x-www-form-urlencoded', body };
  }
  const parts = fields ? multipartPairs(fields, encoding) : [['value', text(value)] as Pair];
  const body = parts
    .map(
      ([name, v, contentType]) =>
        `--${MULTIPART_BOUNDARY}\r\ncontent-disposition: form-data; name="${name.replace(/["\r\n]/g, '_')}"\r\n${contentType ? `content-type: ${contentType}\r\n` : ''}\r\n${v}\r\n`,
    )
    .join('');
  return { contentType: `multipart/form-data; boundary=${MULTIPART_BOUNDARY}`, body: `${body}--${MULTIPART_BOUNDARY}--\r\n` };
}
