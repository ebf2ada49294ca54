/**
 * `npm run bench:contracts [-- --json]`: Concord's lint, generate and diff on real-world contracts
 * (../shared/corpus/ from the repository root), each run as a child process under /usr/bin/time
 * for its wall time and peak RSS, beside Redocly CLI's lint of the same file in the same run. The
 * machine may be shared: compare the ratios, and read the load average printed with them.
 */
import { execFile } from 'node:child_process';
import { copyFile, cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTRACTS = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(CONTRACTS, '..');
const CORPUS = resolve(ROOT, '../shared/corpus');
const BIN = join(CONTRACTS, 'bin/concord.mjs');
const MARCH = 'stripe.spec3.2023-03-17.yaml';
const SEPTEMBER = 'stripe.spec3.2023-09-12.yaml';

interface Measure {
  task: string;
  command: string;
  seconds: number;
  peakMb: number;
  exit: number;
}

function timed(task: string, argv: string[], cwd: string): Promise<Measure> {
  return new Promise((done) => {
    execFile('/usr/bin/time', ['-f', '%e %M', ...argv], { cwd, maxBuffer: 512 * 1024 * 1024 }, (err, _stdout, stderr) => {
      const [seconds, kb] = (stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
      const exit = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 0;
      const shown = argv.map((a) => a.replace(`${cwd}/`, '').replace(ROOT, '.').replace(process.execPath, 'node')).join(' ');
      done({ task, command: shown, seconds: seconds ?? Number.NaN, peakMb: Math.round((kb ?? 0) / 1024), exit });
    });
  });
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const work = await mkdtemp(join(tmpdir(), 'concord-bench-'));
  try {
    for (const file of [MARCH, SEPTEMBER, 'petstore.openapi.yaml']) await copyFile(join(CORPUS, file), join(work, file));
    await copyFile(join(CONTRACTS, 'openapi/customers.v2.yaml'), join(work, 'small.yaml'));
    // A copy of the workspace with Stripe added as a contract, for generate.
    const ws = join(work, 'ws');
    await cp(CONTRACTS, join(ws, 'contracts'), { recursive: true, filter: (s) => !s.includes('node_modules') });
    for (const f of ['package.json', 'tsconfig.json']) await copyFile(join(ROOT, f), join(ws, f));
    await symlink(join(ROOT, 'node_modules'), join(ws, 'node_modules'));
    await copyFile(join(CORPUS, SEPTEMBER), join(ws, 'contracts/openapi/stripe.v1.yaml'));

    const node = process.execPath;
    const redocly = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
    const load = loadavg()[0] ?? 0;
    const results: Measure[] = [];
    results.push(await timed('start-up: concord lint <small file>', [node, BIN, 'lint', 'small.yaml'], work));
    results.push(await timed('node -e 0 (the floor)', [node, '-e', '0'], work));
    results.push(await timed('concord lint Stripe', [node, BIN, 'lint', SEPTEMBER], work));
    results.push(await timed('redocly lint Stripe', [node, redocly, 'lint', SEPTEMBER], work));
    results.push(await timed('concord diff Stripe March..September', [node, BIN, 'diff', MARCH, SEPTEMBER, '--format', 'json'], work));
    results.push(await timed('concord diff Stripe September..itself', [node, BIN, 'diff', SEPTEMBER, SEPTEMBER], work));
    results.push(await timed('concord generate (workspace + Stripe)', [node, join(ws, 'contracts/bin/concord.mjs'), 'generate'], ws));
    const lint = results.find((r) => r.task === 'concord lint Stripe');
    const reference = results.find((r) => r.task === 'redocly lint Stripe');
    const ratio = lint && reference ? lint.seconds / reference.seconds : Number.NaN;
    const loadAfter = loadavg()[0] ?? 0;
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ loadAverage: [load, loadAfter], cores: cpus().length, lintVsRedocly: ratio, results }, null, 2)}\n`,
      );
      return;
    }
    const rows = results.map((r) => `| ${r.task} | ${r.seconds.toFixed(1)} | ${r.peakMb} | ${r.exit} | \`${r.command}\` |`);
    process.stdout.write(
      [
        `load average ${load.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${cpus().length} cores`,
        '',
        '| task | wall s | peak RSS MB | exit | command |',
        '| --- | --- | --- | --- | --- |',
        ...rows,
        '',
        `concord lint / redocly lint on Stripe: ${ratio.toFixed(2)}x`,
        '',
      ].join('\n'),
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
