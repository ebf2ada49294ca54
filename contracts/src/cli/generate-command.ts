import { join, relative } from 'node:path';
import { checkGenerated, generateAll, writeGenerated } from '../generate/generate.ts';
import { contractFileProblems, displayPath, GENERATED_DIR } from '../paths.ts';
import { UsageError, type Io } from './usage-error.ts';

/** `concord generate [--check]`: write contracts/generated/, or exit 1 naming every file that drifted. */
export async function generateCommand(args: string[], io: Io): Promise<number> {
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length) throw new UsageError(`generate takes only --check, not ${unknown[0]}`);
  // A contract the name rule skips would silently be missing from everything generated.
  const misnamed = contractFileProblems();
  if (misnamed.length > 0) {
    for (const problem of misnamed) io.out(`${displayPath(problem.path)}: ${problem.message}`);
    io.err(`${misnamed.length} contract file${misnamed.length === 1 ? '' : 's'} would be skipped or clash: nothing was generated`);
    return 1;
  }
  const files = await generateAll();
  const dir = relative(process.cwd(), GENERATED_DIR) || '.';
  // Drift paths are relative to contracts/generated/; the SDK's generated sources live beside it.
  const shown = (p: string) => relative(process.cwd(), join(GENERATED_DIR, p)).replace(/\\/g, '/');
  if (args.includes('--check')) {
    const drift = await checkGenerated(files);
    const lines = [
      ...drift.stale.map((p) => `stale    ${shown(p)}`),
      ...drift.missing.map((p) => `missing  ${shown(p)}`),
      ...drift.extra.map((p) => `extra    ${shown(p)}`),
    ];
    if (lines.length === 0) {
      io.err(`${files.length} generated files are up to date`);
      return 0;
    }
    for (const line of lines) io.out(line);
    io.err(
      `${lines.length} generated file${lines.length === 1 ? ' differs' : 's differ'} from the contracts: run \`npx concord generate\` and commit the result`,
    );
    return 1;
  }
  const count = await writeGenerated(files);
  io.err(`wrote ${count} files to ${dir}`);
  return 0;
}
