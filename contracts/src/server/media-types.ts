/**
 * The media types an operation declares (a `content` map), each classified by how its body is
 * checked, and the choice of the declared one a concrete Content-Type falls under: the exact type,
 * else `type/*`, else `*\/*` (RFC 9110's ranges, most specific first).
 * - `json`: `application/json` and every `+json` type: parsed and validated against the schema;
 * - `urlencoded`, `multipart`: parsed into fields and validated by the `encoding` rules;
 * - `opaque`: anything else (XML, octet-stream, text, ranges): the type is checked, the body is not.
 */
import { isJsonMediaType, type MediaTypeObject } from '../document/openapi-document.ts';
import type { EncodingObject } from './form-values.ts';

export type BodyKind = 'json' | 'urlencoded' | 'multipart' | 'opaque';

export interface DeclaredMediaType {
  /** As the contract spells it. */
  key: string;
  /** Lower-cased, without parameters. */
  mediaType: string;
  kind: BodyKind;
  media: MediaTypeObject & { encoding?: Record<string, EncodingObject> };
}

const TOKEN = "[a-z0-9!#$%&'^_`|~.+-]+";
const MEDIA_RANGE = new RegExp(`^(\\*/\\*|${TOKEN}/\\*|${TOKEN}/${TOKEN})$`);

export function bodyKindOf(mediaType: string): BodyKind {
  if (mediaType.includes('*')) return 'opaque';
  if (isJsonMediaType(mediaType)) return 'json';
  if (mediaType === 'application/x-www-form-urlencoded') return 'urlencoded';
  if (mediaType === 'multipart/form-data') return 'multipart';
  return 'opaque';
}

export interface MediaTypeTable {
  declared: readonly DeclaredMediaType[];
  /** The declared entry `mediaType` (lower-cased, no parameters) falls under, if any. */
  select(mediaType: string): DeclaredMediaType | undefined;
  /** Keys that are not media types or ranges (`[key, message]`); start-up refuses them. */
  problems: [string, string][];
}

export function createMediaTypeTable(content: Record<string, MediaTypeObject> | undefined): MediaTypeTable {
  const declared: DeclaredMediaType[] = [];
  const problems: [string, string][] = [];
  const byType = new Map<string, DeclaredMediaType>();
  for (const [key, media] of Object.entries(content ?? {})) {
    const semi = key.indexOf(';');
    const mediaType = (semi === -1 ? key : key.slice(0, semi)).trim().toLowerCase();
    if (!MEDIA_RANGE.test(mediaType)) {
      problems.push([key, `"${key}" is not a media type or range (type/subtype, type/*, */*)`]);
      continue;
    }
    const entry: DeclaredMediaType = { key, mediaType, kind: bodyKindOf(mediaType), media };
    declared.push(entry);
    if (!byType.has(mediaType)) byType.set(mediaType, entry);
  }
  const hasRanges = declared.some((d) => d.mediaType.includes('*'));
  return {
    declared,
    problems,
    select(mediaType) {
      const exact = byType.get(mediaType);
      if (exact || !hasRanges) return exact;
      const slash = mediaType.indexOf('/');
      return (slash > 0 ? byType.get(`${mediaType.slice(0, slash)}/*`) : undefined) ?? byType.get('*/*');
    },
  };
}
