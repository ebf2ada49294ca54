import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONTRACTS_DIR, REPO_ROOT } from '../paths.ts';

const run = promisify(execFile);
const BIN = join(CONTRACTS_DIR, 'bin/concord.mjs');

/** The real CLI, run where the user would stand. */
export async function concord(args: string[], cwd = REPO_ROOT) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export async function git(cwd: string, ...args: string[]) {
  await run('git', args, { cwd });
}

/** A throwaway repository holding a copy of the real contracts, committed once. */
export async function contractRepository(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'concord-diff-repo-'));
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'config', 'user.email', 'test@concord.example');
  await git(dir, 'config', 'user.name', 'Concord test');
  await git(dir, 'config', 'commit.gpgsign', 'false');
  await mkdir(join(dir, 'contracts'));
  for (const part of ['openapi', 'asyncapi']) await cp(join(CONTRACTS_DIR, part), join(dir, 'contracts', part), { recursive: true });
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'contracts as published');
  return dir;
}
