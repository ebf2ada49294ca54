import type { Change } from './change.ts';
import { summarize } from './summary.ts';

/** One line per change, aligned for a terminal, then the summary. */
export function formatText(changes: readonly Change[]): string {
  const lines = changes.map((c) => {
    const where = [c.contract, c.operation, c.location].filter(Boolean).join(' ');
    const also = c.operations
      ? `\n         also in ${c.operations.length - 1} more operation${c.operations.length === 2 ? '' : 's'}: ${c.operations.slice(1).join(', ')}`
      : '';
    return `${c.level.padEnd(8)} ${c.id}  ${where}\n         ${c.message}${also}`;
  });
  return [...lines, summarize(changes)].join('\n');
}
