import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Change } from '@concord/contracts/src/diff/change.ts';
import { contractIdOf, diffContracts } from '@concord/contracts/src/diff/contract-diff.ts';
import { CONTRACT_DIRS } from '@concord/contracts/src/diff/git-ref.ts';
import { loadContract } from '@concord/contracts/src/diff/load-contract.ts';

const run = promisify(execFile);

export const CHANGE_KINDS = ['added', 'changed', 'deprecated', 'removed'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One line of a version's changelog, as a partner reads it. */
export interface ChangelogEntry {
  /** `YYYY-MM-DD` */
  date: string;
  kind: ChangeKind;
  /** Where, when it is one operation or channel: `GET /customers/{customerId}`. */
  operation: string;
  text: string;
  /** The change breaks clients written against the version as it was. */
  breaking: boolean;
  /** A date still to come (a scheduled sunset). */
  scheduled: boolean;
}

/** A contract version's lifecycle dates, from the gateway config. */
export interface VersionLifecycle {
  deprecation?: string | undefined;
  sunset?: string | undefined;
  successor?: string | undefined;
}

export interface ChangelogOptions {
  /** The repository; its git history is what changed when. Without one, only lifecycle dates are known. */
  root: string;
  /** The contract ids the changelog is for, with their lifecycle. */
  versions: ReadonlyMap<string, VersionLifecycle>;
  now: () => number;
  /** Whether partners see changes at this operation or channel (AsyncAPI contracts have internal channels). */
  visible?: (contract: string, operation: string) => boolean;
  /** How an operation or channel is named to partners (an event's name rather than its channel). */
  operationName?: (contract: string, operation: string) => string | undefined;
}

/**
 * Every contract version's changes, newest first: when it was published and each later change to it,
 * from the commits that touched the contract files (each compared with its parent by the same rules
 * as `concord diff`), then the deprecation and sunset dates of the gateway config. Commits that do
 * not touch a contract cost nothing; a deployment without the git history shows the dates alone.
 */
export async function partnerChangelog(options: ChangelogOptions): Promise<Map<string, ChangelogEntry[]>> {
  const out = new Map<string, ChangelogEntry[]>([...options.versions.keys()].map((id) => [id, []]));
  const push = (id: string, entry: ChangelogEntry) => out.get(id)?.push(entry);

  for (const commit of await contractCommits(options.root)) {
    for (const file of commit.files) {
      const id = contractIdOf(file.path);
      if (!out.has(id)) continue;
      if (file.status === 'A' || !commit.parent) {
        push(id, entry(commit.date, 'added', '', 'First published.', false));
        continue;
      }
      for (const change of await changesIn(options.root, commit.parent, commit.sha, file.path, id)) {
        if (options.visible && !options.visible(id, change.operation)) continue;
        const name = options.operationName?.(id, change.operation) ?? change.operation;
        // The message names the path as the contract writes it; partners call it under the base path.
        const [path, publicPath] = [change.operation, name].map((o) => o.replace(/^[A-Z]+ /, ''));
        const text = path && publicPath !== path ? change.message.split(path!).join(publicPath) : change.message;
        push(id, entry(commit.date, kindOf(change), name, text, change.level === 'breaking'));
      }
    }
  }

  const today = new Date(options.now()).toISOString().slice(0, 10);
  for (const [id, lifecycle] of options.versions) {
    const successor = lifecycle.successor ? ` Move to ${lifecycle.successor}.` : '';
    if (lifecycle.deprecation) push(id, entry(lifecycle.deprecation, 'deprecated', '', `Deprecated.${successor}`, false, today));
    if (lifecycle.sunset) {
      const past = lifecycle.sunset <= today;
      push(
        id,
        entry(
          lifecycle.sunset,
          'removed',
          '',
          past ? 'Retired: answers 410 Gone.' : `Retired on this date: it will answer 410 Gone.${successor}`,
          true,
          today,
        ),
      );
    }
  }
  for (const entries of out.values())
    entries.sort((a, b) => b.date.localeCompare(a.date) || CHANGE_KINDS.indexOf(a.kind) - CHANGE_KINDS.indexOf(b.kind));
  return out;
}

function entry(date: string, kind: ChangeKind, operation: string, text: string, breaking: boolean, today?: string): ChangelogEntry {
  return { date, kind, operation, text, breaking, scheduled: today !== undefined && date > today };
}

/** The rule ids say what happened: `...-removed`, `...-added`, `...-deprecated`; the rest changed. */
function kindOf(change: Change): ChangeKind {
  if (/removed|deleted/.test(change.id)) return 'removed';
  if (/deprecated/.test(change.id)) return 'deprecated';
  if (/added|new/.test(change.id)) return 'added';
  return 'changed';
}

/**
 * One contract file at two commits, compared. Only that file is written out (the contracts are
 * self-contained); one that cannot be read at either commit contributes nothing rather than failing
 * the page.
 */
async function changesIn(root: string, before: string, after: string, path: string, id: string): Promise<Change[]> {
  const dir = await mkdtemp(join(tmpdir(), 'concord-changelog-'));
  try {
    const files = await Promise.all(
      [before, after].map(async (sha, i) => {
        const file = join(dir, String(i), basename(path));
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, (await run('git', ['show', `${sha}:${path}`], { cwd: root, maxBuffer: 64 * 1024 * 1024 })).stdout);
        return file;
      }),
    );
    return diffContracts(id, await loadContract(files[0]!), await loadContract(files[1]!));
  } catch {
    return [];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface ContractCommit {
  sha: string;
  parent: string | undefined;
  date: string;
  files: Array<{ status: string; path: string }>;
}

/** The commits that touched a contract file, oldest first: parent, date, and the files with their status. */
async function contractCommits(root: string): Promise<ContractCommit[]> {
  if (!existsSync(join(root, '.git'))) return [];
  try {
    const { stdout } = await run(
      'git',
      ['log', '--reverse', '--no-renames', '--format=@%H %P %as', '--name-status', '--', ...CONTRACT_DIRS],
      {
        cwd: root,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const commits: ContractCommit[] = [];
    for (const line of stdout.split('\n')) {
      if (line.startsWith('@')) {
        const parts = line.slice(1).split(' ');
        commits.push({ sha: parts[0]!, parent: parts.length > 2 ? parts[1] : undefined, date: parts.at(-1)!, files: [] });
      } else if (line.includes('\t')) {
        const [status, path] = line.split('\t');
        if (status && path && /\.(?:ya?ml|json)$/.test(path)) commits.at(-1)?.files.push({ status, path });
      }
    }
    return commits;
  } catch {
    return [];
  }
}
