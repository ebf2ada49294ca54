import { Parser } from '@asyncapi/parser';
import { readFile } from 'node:fs/promises';
import { displayPath } from '../paths.ts';
import type { Finding } from './finding.ts';

/** @asyncapi/parser's own ruleset (Spectral): 0 is an error, 1 a warning; hints are not reported. */
export async function lintAsyncApi(path: string, parser: Parser = new Parser()): Promise<Finding[]> {
  const text = await readFile(path, 'utf8');
  const { diagnostics } = await parser.parse(text, { source: path });
  return diagnostics
    .filter((d) => d.severity <= 1)
    .map((d) => ({
      file: displayPath(d.source ?? path),
      line: d.range.start.line + 1,
      col: d.range.start.character + 1,
      severity: d.severity === 0 ? ('error' as const) : ('warning' as const),
      rule: String(d.code),
      message: d.message.replace(/\s+/g, ' ').trim(),
    }));
}
