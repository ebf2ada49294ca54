/**
 * How deeply a client's JSON may nest arrays and objects. JSON.parse itself takes any depth, but
 * every walk of the parsed value that recurses (schema validation through a recursive schema, the
 * storable-strings check, a version adapter) would overflow the stack on a body nested tens of
 * thousands of levels deep, which a schema with open `additionalProperties` accepts: a 500 from a
 * few hundred kilobytes of brackets. The limit is System.Text.Json's default (64), far deeper than
 * any contract's payload, as API gateways' JSON threat protections bound container depth.
 */
export const MAX_JSON_NESTING = 64;

/** Whether the JSON text nests arrays and objects deeper than `max`; one pass over the text, strings skipped. */
export function jsonNestsDeeperThan(text: string, max: number = MAX_JSON_NESTING): boolean {
  // Fewer brackets than the limit cannot exceed it, whatever the text is.
  if (text.length <= max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, past escapes.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * A client's JSON value (a form field or part, a parameter); the raw string itself, for the schema to
 * refuse, when it is not JSON or nests deeper than the limit.
 */
export function jsonOrText(raw: string): unknown {
  if (jsonNestsDeeperThan(raw)) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
