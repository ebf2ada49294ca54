import type { Change } from './change.ts';
import { formatJson } from './format-json.ts';
import { formatMarkdown } from './format-markdown.ts';
import { formatText } from './format-text.ts';

export const FORMATS = ['text', 'markdown', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}

export function formatChanges(changes: readonly Change[], format: Format): string {
  return format === 'json' ? formatJson(changes) : format === 'markdown' ? formatMarkdown(changes) : formatText(changes);
}
