import { resolve } from 'node:path';
import { parseOptions } from '../diff/options.ts';
import { readPactDir } from '../pact/pact-file.ts';
import { deployMatrix, readResults, type MatrixRow } from '../pact/verification-results.ts';
import { DEFAULT_PACTS_DIR } from './verify-command.ts';
import { UsageError, type Io } from './usage-error.ts';

/**
 * `concord can-i-deploy [--pacts <dir>] [--format text|markdown|json]`: the consumer x provider
 * matrix of the pacts as they are now against the recorded results. Exit 1 when any pact is
 * failing, or unverified (never verified, or changed since: its content hash differs).
 */
export async function canIDeployCommand(args: string[], io: Io): Promise<number> {
  const options = parseOptions('can-i-deploy', args, ['pacts', 'format'], []);
  if (options.positional.length) throw new UsageError(`can-i-deploy takes no argument ${options.positional[0]}`);
  const pactsDir = resolve(options.values.get('pacts') ?? DEFAULT_PACTS_DIR);
  const pacts = readPactDir(pactsDir);
  if (pacts.length === 0) throw new UsageError(`no pact files in ${pactsDir}`);
  const rows = deployMatrix(pacts, readResults(pactsDir));
  const ok = rows.every((r) => r.status === 'verified');
  if (options.format === 'json') io.out(JSON.stringify({ ok, matrix: rows }, null, 2));
  else io.out(renderMatrix(rows, options.format === 'markdown', ok));
  return ok ? 0 : 1;
}

const MARK: Record<MatrixRow['status'], string> = { verified: 'verified', failed: 'FAILED', unverified: 'UNVERIFIED' };

function renderMatrix(rows: MatrixRow[], markdown: boolean, ok: boolean): string {
  const consumers = [...new Set(rows.map((r) => r.consumer))].sort();
  const providers = [...new Set(rows.map((r) => r.provider))].sort();
  const cell = (c: string, p: string) => {
    const row = rows.find((r) => r.consumer === c && r.provider === p);
    return row ? MARK[row.status] : '-';
  };
  const table = [['consumer \\ provider', ...providers], ...consumers.map((c) => [c, ...providers.map((p) => cell(c, p))])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = markdown
    ? [`| ${table[0]!.join(' | ')} |`, `|${table[0]!.map(() => ' --- ').join('|')}|`, ...table.slice(1).map((r) => `| ${r.join(' | ')} |`)]
    : table.map((r) =>
        r
          .map((v, i) => v.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      );
  const problems = rows
    .filter((r) => r.status !== 'verified')
    .map((r) => `${MARK[r.status]}: ${r.consumer} -> ${r.provider} (${r.pact}): ${r.reason}`);
  return [
    ...lines,
    '',
    ...problems,
    ok
      ? `can-i-deploy: yes, all ${rows.length} pacts verified`
      : `can-i-deploy: no, ${problems.length} of ${rows.length} pacts not verified`,
  ].join('\n');
}
