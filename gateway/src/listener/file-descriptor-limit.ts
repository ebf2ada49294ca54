import { readFileSync } from 'node:fs';

/**
 * The process's soft limit on open files, read from /proc/self/limits (Node has no getrlimit);
 * undefined where there is no procfs. Every client socket and every upstream socket takes one.
 */
export function fileDescriptorLimit(limitsFile = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === undefined || soft === 'unlimited') return undefined;
  const value = Number(soft);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
