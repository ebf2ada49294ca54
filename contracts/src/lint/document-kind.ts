import { parse } from 'yaml';

export type DocumentKind = 'openapi' | 'asyncapi';

/** A top-level `openapi:`/`asyncapi:` key of a YAML block mapping starts in column 0. */
const TOP_LEVEL_KEY = /^["']?(openapi|asyncapi)["']?\s*:/m;

/**
 * What a contract is, read from its top-level keys wherever they stand: JSON is parsed (a JSON
 * document's `openapi` may come last), YAML is scanned for a column-0 key and parsed when that
 * finds none (flow style, `{ openapi: 3.1.0, ... }`). undefined when it is neither.
 */
export function documentKind(text: string): DocumentKind | undefined {
  const trimmed = text.trimStart();
  let parsed: unknown;
  if (trimmed.startsWith('{')) {
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      parsed = undefined;
    }
  }
  if (parsed === undefined) {
    const key = TOP_LEVEL_KEY.exec(text)?.[1];
    if (key === 'openapi' || key === 'asyncapi') return key;
    try {
      parsed = parse(text);
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  if ('asyncapi' in parsed) return 'asyncapi';
  if ('openapi' in parsed) return 'openapi';
  return undefined;
}
