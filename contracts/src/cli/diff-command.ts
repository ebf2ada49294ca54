import { resolve } from 'node:path';
import { isBreaking, sortChanges, type Change } from '../diff/change.ts';
import { contractIdOf, diffContracts } from '../diff/contract-diff.ts';
import { formatChanges } from '../diff/format.ts';
import { loadContract } from '../diff/load-contract.ts';
import { diffRepository } from '../diff/repository-diff.ts';
import { parseOptions } from '../diff/options.ts';
import { rulesJson, rulesMarkdown, rulesText } from '../diff/rules-table.ts';
import { summarize } from '../diff/summary.ts';
import { UsageError, type Io } from './usage-error.ts';

async function diffFiles(basePath: string, headPath: string): Promise<Change[]> {
  const [base, head] = await Promise.all([loadContract(resolve(basePath), basePath), loadContract(resolve(headPath), headPath)]);
  return sortChanges(diffContracts(contractIdOf(headPath), base, head));
}

/**
 * `concord diff <base-file> <head-file>` | `concord diff --base <git-ref>` | `concord diff --rules`.
 * Exit 1 when a change is breaking, 0 otherwise; a contract that cannot be parsed is exit 2.
 */
export async function diffCommand(args: string[], io: Io): Promise<number> {
  const options = parseOptions('diff', args, ['format', 'base'], ['rules']);
  const base = options.values.get('base');
  if (options.flags.has('rules')) {
    if (base || options.positional.length) throw new UsageError('diff --rules takes only --format');
    io.out(options.format === 'markdown' ? rulesMarkdown().trimEnd() : options.format === 'json' ? rulesJson() : rulesText());
    return 0;
  }
  let changes: Change[];
  if (base !== undefined) {
    if (options.positional.length) throw new UsageError('diff takes either --base <git-ref> or two files, not both');
    changes = await diffRepository({ cwd: process.cwd(), base });
  } else {
    const [basePath, headPath, ...rest] = options.positional;
    if (!basePath || !headPath || rest.length) throw new UsageError('diff needs <base-file> <head-file>, or --base <git-ref>');
    changes = await diffFiles(basePath, headPath);
  }
  io.out(formatChanges(changes, options.format));
  // The report itself goes to stdout untouched (a PR comment, a JSON consumer); the verdict to stderr.
  if (options.format !== 'text') io.err(`concord diff: ${summarize(changes)}`);
  return isBreaking(changes) ? 1 : 0;
}
