import type { Change } from './change.ts';
import { LEVELS } from './rules.ts';
import { countByLevel, LEVEL_TITLES } from './summary.ts';

export interface ChangelogOptions {
  base: string;
  date: Date;
}

const HEADINGS = { ...LEVEL_TITLES, info: 'Other changes' } as const;

/** Locations that only repeat what the operation column already says. */
const GENERIC = new Set(['', 'contract', 'operation', 'path']);

function line(c: Change): string {
  const where = [c.operation && `\`${c.operation}\``, GENERIC.has(c.location) ? '' : c.location].filter(Boolean).join(' ');
  return `- ${where ? `${where}: ` : ''}${c.message} (\`${c.id}\`)`;
}

/**
 * A human changelog entry: one section per contract, contracts with breaking changes first, and
 * inside each contract breaking, then warnings, then everything else.
 */
export function renderChangelog(changes: readonly Change[], options: ChangelogOptions): string {
  const day = options.date.toISOString().slice(0, 10);
  const out = [`## ${day}: contract changes since ${options.base}`, ''];
  if (!changes.length) return [...out, 'No contract changes.', ''].join('\n');
  const byContract = new Map<string, Change[]>();
  for (const c of changes) byContract.set(c.contract, [...(byContract.get(c.contract) ?? []), c]);
  const contracts = [...byContract.entries()].sort(
    ([a, ca], [b, cb]) => countByLevel(cb).breaking - countByLevel(ca).breaking || a.localeCompare(b),
  );
  for (const [contract, list] of contracts) {
    out.push(`### ${contract}`, '');
    for (const level of LEVELS) {
      const rows = list.filter((c) => c.level === level);
      if (!rows.length) continue;
      out.push(`**${HEADINGS[level]}**`, '', ...rows.map(line), '');
    }
  }
  return out.join('\n');
}

/** Puts the entry under the file's top-level title (if any), above older entries. */
export function prependEntry(existing: string, entry: string): string {
  if (!existing.trim()) return `# Changelog\n\n${entry}`;
  const title = /^# .*\n+/.exec(existing);
  if (!title) return `${entry}\n${existing}`;
  return `${title[0]}${entry}\n${existing.slice(title[0].length)}`;
}
