import { UsageError } from '../cli/usage-error.ts';
import { isFormat, type Format } from './format.ts';

export interface ParsedOptions {
  values: Map<string, string>;
  flags: Set<string>;
  positional: string[];
  format: Format;
}

/**
 * `--name value`, `--name=value` and bare flags, as `diff` and `changelog` take them. Anything
 * not declared is a usage error rather than silently ignored.
 */
export function parseOptions(command: string, args: string[], valued: string[], flags: string[]): ParsedOptions {
  const parsed: ParsedOptions = { values: new Map(), flags: new Set(), positional: [], format: 'text' };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('--')) {
      parsed.positional.push(arg);
      continue;
    }
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (flags.includes(name) && inline === undefined) {
      parsed.flags.add(name);
    } else if (valued.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined || value === '') throw new UsageError(`${command} --${name} needs a value`);
      parsed.values.set(name, value);
    } else {
      throw new UsageError(`${command} takes no option ${arg}`);
    }
  }
  const format = parsed.values.get('format');
  if (format !== undefined) {
    if (!isFormat(format)) throw new UsageError(`--format must be text, markdown or json, not ${format}`);
    parsed.format = format;
  }
  return parsed;
}
