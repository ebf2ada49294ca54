import { LEVELS, type Level } from './rules.ts';
import type { Change } from './change.ts';

export const LEVEL_TITLES: Record<Level, string> = { breaking: 'Breaking', warning: 'Warnings', info: 'Info' };

export function countByLevel(changes: readonly Change[]): Record<Level, number> {
  const counts: Record<Level, number> = { breaking: 0, warning: 0, info: 0 };
  for (const c of changes) counts[c.level] += 1;
  return counts;
}

/** `2 breaking, 1 warning, 3 info` */
export function summarize(changes: readonly Change[]): string {
  if (changes.length === 0) return 'no contract changes';
  const counts = countByLevel(changes);
  const word = (level: Level, n: number) => (level === 'warning' ? `${n} warning${n === 1 ? '' : 's'}` : `${n} ${level}`);
  return LEVELS.map((level) => word(level, counts[level])).join(', ');
}
