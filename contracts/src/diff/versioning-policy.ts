import { isBreaking, type Change, type Report } from './change.ts';
import type { Lifecycle } from './gateway-lifecycle.ts';

export interface RepositoryDelta {
  added: string[];
  removed: string[];
  /** The changes found in each contract present at both refs. */
  changed: Map<string, Change[]>;
  /** Every contract id present after the change, to name the next free version. */
  present: string[];
}

const VERSIONED = /^(.*)\.v(\d+)$/;

function nextVersionFile(id: string, present: string[]): string {
  const match = VERSIONED.exec(id);
  if (!match) return `${id}.v2.yaml`;
  const name = match[1] ?? id;
  const highest = Math.max(
    Number(match[2]),
    ...present
      .map((p) => VERSIONED.exec(p))
      .filter((m) => m?.[1] === name)
      .map((m) => Number(m?.[2])),
  );
  return `${name}.v${highest + 1}.yaml`;
}

/**
 * A published major version is a promise to its consumers: it may only change compatibly, and it
 * may only disappear once its sunset date (announced in the gateway config) has passed.
 */
export function applyVersioningPolicy(
  delta: RepositoryDelta,
  lifecycles: Map<string, Lifecycle>,
  now: Date,
  reporter: (contract: string) => Report,
): void {
  for (const id of delta.added) reporter(id)('version-added', 'contract', `new contract ${id}`);
  for (const [id, changes] of delta.changed) {
    if (!isBreaking(changes)) continue;
    const count = changes.filter((c) => c.level === 'breaking').length;
    reporter(id)(
      'policy-breaking-change-needs-new-version',
      'contract',
      `${id} is published and has ${count} breaking change${count === 1 ? '' : 's'}: make them in a new version file ${nextVersionFile(id, delta.present)}`,
    );
  }
  for (const id of delta.removed) {
    const sunset = lifecycles.get(id)?.sunset;
    const at = sunset ? new Date(sunset) : undefined;
    if (at && !Number.isNaN(at.getTime()) && at.getTime() <= now.getTime()) {
      reporter(id)('version-removed-after-sunset', 'contract', `${id} was removed after its sunset ${sunset}`);
    } else {
      const why = sunset ? `its sunset is ${sunset}` : 'the gateway config gives it no sunset date';
      reporter(id)('policy-version-removed-before-sunset', 'contract', `${id} was removed but ${why}`);
    }
  }
}
