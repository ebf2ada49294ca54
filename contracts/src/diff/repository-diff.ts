import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listContracts, type ContractFile } from '../paths.ts';
import { createChangeLog, sortChanges, type Change, type Report } from './change.ts';
import { diffContracts } from './contract-diff.ts';
import { readLifecycles } from './gateway-lifecycle.ts';
import { CONTRACT_DIRS, repositoryRoot, snapshotContracts } from './git-ref.ts';
import { loadContract } from './load-contract.ts';
import { applyVersioningPolicy } from './versioning-policy.ts';

export interface RepositoryDiffOptions {
  /** Where the user stands: the repository is found from here, not from where Concord is installed. */
  cwd: string;
  base: string;
  /** Injected so tests can place a sunset in the past or the future. */
  now?: Date;
}

function contractsUnder(root: string, empty: string): ContractFile[] {
  const [openapi, asyncapi] = CONTRACT_DIRS.map((d) => (existsSync(join(root, d)) ? join(root, d) : empty));
  return listContracts({ openapi, asyncapi });
}

/**
 * Every contract of the working tree against the same contract at `base`: added, removed and
 * changed files, with the versioning policy applied on top.
 */
export async function diffRepository(options: RepositoryDiffOptions): Promise<Change[]> {
  const root = await repositoryRoot(options.cwd);
  const snapshot = await snapshotContracts(root, options.base);
  try {
    const empty = join(snapshot.dir, 'contracts');
    const before = new Map(contractsUnder(snapshot.dir, empty).map((c) => [c.id, c]));
    const after = new Map(contractsUnder(root, empty).map((c) => [c.id, c]));
    const changes: Change[] = [];
    const changed = new Map<string, Change[]>();
    for (const [id, b] of before) {
      const h = after.get(id);
      if (!h) continue;
      const rel = relative(snapshot.dir, b.path);
      const base = await loadContract(b.path, `${options.base}:${rel}`);
      const head = await loadContract(h.path, relative(options.cwd, h.path) || h.path);
      const found = diffContracts(id, base, head);
      changed.set(id, found);
      changes.push(...found);
    }
    const policy = (contract: string): Report => {
      const log = createChangeLog(contract);
      return (id, location, message) => {
        log.reporter('')(id, location, message);
        changes.push(...log.changes.splice(0));
      };
    };
    applyVersioningPolicy(
      {
        added: [...after.keys()].filter((id) => !before.has(id)),
        removed: [...before.keys()].filter((id) => !after.has(id)),
        changed,
        present: [...after.keys()],
      },
      await readLifecycles(root),
      options.now ?? new Date(),
      policy,
    );
    return sortChanges(changes);
  } finally {
    await snapshot.cleanup();
  }
}
