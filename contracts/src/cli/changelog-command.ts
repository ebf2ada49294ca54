import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prependEntry, renderChangelog } from '../diff/changelog.ts';
import { repositoryRoot } from '../diff/git-ref.ts';
import { parseOptions } from '../diff/options.ts';
import { diffRepository } from '../diff/repository-diff.ts';
import { UsageError, type Io } from './usage-error.ts';

/**
 * `concord changelog --base <git-ref> [--write]`: the human changelog entry for every contract
 * change since the ref, to stdout; `--write` also prepends it to CHANGELOG.md at the repository root.
 * It documents rather than gates, so breaking changes do not make it fail.
 */
export async function changelogCommand(args: string[], io: Io): Promise<number> {
  const options = parseOptions('changelog', args, ['base'], ['write']);
  const base = options.values.get('base');
  if (!base) throw new UsageError('changelog needs --base <git-ref>');
  if (options.positional.length) throw new UsageError(`changelog takes no argument ${options.positional[0]}`);
  const cwd = process.cwd();
  const changes = await diffRepository({ cwd, base });
  const entry = renderChangelog(changes, { base, date: new Date() });
  io.out(entry.trimEnd());
  if (options.flags.has('write')) {
    const file = join(await repositoryRoot(cwd), 'CHANGELOG.md');
    const existing = await readFile(file, 'utf8').catch(() => '');
    await writeFile(file, prependEntry(existing, entry));
    io.err(`concord changelog: prepended the entry to ${file}`);
  }
  return 0;
}
