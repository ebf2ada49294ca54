import type { Change } from './change.ts';
import { LEVELS } from './rules.ts';
import { countByLevel, LEVEL_TITLES, summarize } from './summary.ts';

/** Table cells must not break the table: pipes escaped, newlines folded. */
export function cell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');
}

const code = (text: string) => (text ? `\`${text.replace(/`/g, "'")}\`` : '');

/** For a pull-request comment: a summary line, then one table per level that has changes. */
export function formatMarkdown(changes: readonly Change[]): string {
  const counts = countByLevel(changes);
  const verdict = counts.breaking ? '**Breaking changes found.**' : changes.length ? 'No breaking changes.' : 'No contract changes.';
  const out = [`### Contract changes: ${summarize(changes)}`, '', verdict];
  for (const level of LEVELS) {
    const rows = changes.filter((c) => c.level === level);
    if (!rows.length) continue;
    out.push(
      '',
      `#### ${LEVEL_TITLES[level]} (${rows.length})`,
      '',
      '| rule | contract | operation | location | change |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const c of rows)
      out.push(
        `| ${code(c.id)} | ${cell(c.contract)} | ${cell(code(c.operation))}${c.operations ? ` and ${c.operations.length - 1} more` : ''} | ${cell(code(c.location))} | ${cell(c.message)} |`,
      );
  }
  return out.join('\n');
}
