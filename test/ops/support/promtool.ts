import { spawnSync } from 'node:child_process';

/** Debian's `prometheus` package installs it (.ci/run does, when missing); PROMTOOL_PATH points elsewhere. */
const PROMTOOL = process.env.PROMTOOL_PATH ?? 'promtool';

export interface PromtoolRun {
  status: number | null;
  /** stdout and stderr together: promtool says SUCCESS on one and FAILED on the other. */
  output: string;
}

export function runPromtool(args: readonly string[], cwd?: string): PromtoolRun {
  const run = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout ?? ''}${run.stderr ?? ''}` };
}

/**
 * True when promtool runs. When it does not, the tests that need it are skipped with a loud line,
 * or, with CONCORD_REQUIRE_SERVICES=1 (CI), the run fails here.
 */
export function hasPromtool(what: string): boolean {
  if (runPromtool(['--version']).status === 0) return true;
  const message = `${what}: no promtool (${PROMTOOL}) on this machine (apt-get install -y prometheus, or set PROMTOOL_PATH)`;
  if (process.env.CONCORD_REQUIRE_SERVICES === '1') throw new Error(`${message}; CONCORD_REQUIRE_SERVICES=1 forbids skipping`);
  console.warn(`\n!!! SKIPPED ${message}\n`);
  return false;
}
