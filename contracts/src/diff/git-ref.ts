import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where contracts live, relative to the repository root; the same at every ref. */
export const CONTRACT_DIRS = ['contracts/openapi', 'contracts/asyncapi'] as const;

/** A git ref that does not exist, or a directory outside any repository: a usage error (exit 2). */
export class GitRefError extends Error {
  readonly code = 'GIT_REF_ERROR';
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

async function git(cwd: string, args: string[]): Promise<Buffer> {
  const { stdout } = await run('git', args, { cwd, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The repository the user stands in, not the one this tool was installed from. */
export async function repositoryRoot(cwd: string): Promise<string> {
  try {
    return (await git(cwd, ['rev-parse', '--show-toplevel'])).toString('utf8').trim();
  } catch {
    throw new GitRefError(`${cwd} is not inside a git repository`);
  }
}

export interface RefSnapshot {
  /** A directory laid out like the repository root, holding the contract directories as of the ref. */
  dir: string;
  cleanup(): Promise<void>;
}

/**
 * Writes every file of the contract directories as of `ref` into a temporary directory, keeping
 * their relative layout so that relative `$ref`s between files resolve exactly as they did then.
 */
export async function snapshotContracts(root: string, ref: string): Promise<RefSnapshot> {
  if (ref.startsWith('-')) throw new GitRefError(`'${ref}' is not a git ref`);
  try {
    await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new GitRefError(`unknown git ref '${ref}' in ${root}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'concord-diff-base-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const listing = await git(root, ['ls-tree', '-r', '-z', '--name-only', ref, '--', ...CONTRACT_DIRS]);
    const files = listing.toString('utf8').split('\0').filter(Boolean);
    for (const dirName of CONTRACT_DIRS) await mkdir(join(dir, dirName), { recursive: true });
    for (const file of files) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFile(join(dir, file), await git(root, ['show', `${ref}:${file}`]));
    }
    return { dir, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
