/**
 * How one `full_name` becomes `name_prefix` / `given_name` / `family_name` and back. The rules and
 * what does not round-trip are documented in docs/adapters.md; keep the two in step.
 */

/** Honorifics recognised as a leading `name_prefix` (case-insensitive, with or without the dot). */
const PREFIXES = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'mx',
  'dr',
  'prof',
  'sir',
  'dame',
  'lord',
  'lady',
  'rev',
  'fr',
  'hon',
  'capt',
  'col',
  'gen',
  'lt',
  'sgt',
  'herr',
  'frau',
  'mme',
  'mlle',
]);
/** Lower-case particles that start a family name: "Ludwig van Beethoven" -> family "van Beethoven". */
const PARTICLES = new Set([
  'van',
  'von',
  'der',
  'den',
  'de',
  'del',
  'della',
  'di',
  'da',
  'dos',
  'das',
  'du',
  'la',
  'le',
  'bin',
  'ibn',
  'al',
  'el',
  'ter',
  'ten',
  'zu',
  'y',
]);
/** Generational and post-nominal suffixes kept with the family name: "King Jr.". */
const SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'v', 'phd', 'md', 'esq']);

function bare(token: string): string {
  return token.toLowerCase().replace(/[.,]/g, '');
}

export interface SplitName {
  name_prefix: string | null;
  given_name: string;
  family_name: string;
}

export function splitFullName(fullName: string): SplitName {
  const tokens = fullName.trim().split(/\s+/).filter(Boolean);
  let prefix: string | null = null;
  // A prefix only when a name follows it: "Dr." alone is someone's name, not an honorific.
  if (tokens.length > 1 && (PREFIXES.has(bare(tokens[0]!)) || tokens[0] === 'M.')) {
    prefix = tokens.shift()!;
  }
  if (tokens.length === 0)
    return { name_prefix: prefix, given_name: fullName.trim() || fullName, family_name: fullName.trim() || fullName };
  if (tokens.length === 1) return { name_prefix: prefix, given_name: tokens[0]!, family_name: tokens[0]! };

  let end = tokens.length;
  while (end > 2 && SUFFIXES.has(bare(tokens[end - 1]!))) end--;
  let familyStart = end - 1;
  for (let i = 1; i < end - 1; i++) {
    if (PARTICLES.has(tokens[i]!)) {
      familyStart = i;
      break;
    }
  }
  return {
    name_prefix: prefix,
    given_name: tokens.slice(0, familyStart).join(' '),
    family_name: tokens.slice(familyStart).join(' '),
  };
}

export function joinFullName(name: SplitName): string {
  // A mononym is stored in both fields (v2 requires both); it reads back as one word.
  const core = name.given_name === name.family_name ? name.given_name : `${name.given_name} ${name.family_name}`;
  return name.name_prefix ? `${name.name_prefix} ${core}` : core;
}
