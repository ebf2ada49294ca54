import { LEVELS, ruleById, type Level, type RuleId } from './rules.ts';

/** One reported difference; the JSON output is exactly these fields. */
export interface Change {
  id: RuleId;
  level: Level;
  /** `customers.v2` */
  contract: string;
  /** `GET /customers/{customerId}`, a channel address, or `` for the whole contract. */
  operation: string;
  /** Where in the operation: `response 200 application/json: address.city`. */
  location: string;
  message: string;
  /**
   * Set when the change is inside a schema several operations share: all of them, `operation`
   * first. The change is reported once, at `operation`'s place, not once per operation.
   */
  operations?: string[];
}

/** Reports for one operation; the level always comes from the catalogue, never from the caller. */
export type Report = (id: RuleId, location: string, message: string) => void;

export interface ChangeLog {
  changes: Change[];
  reporter(operation: string): Report;
  /** For a change every one of `operations` (sorted, not empty) shares. */
  shared(operations: string[]): Report;
}

export function createChangeLog(contract: string): ChangeLog {
  const changes: Change[] = [];
  return {
    changes,
    reporter: (operation) => (id, location, message) => {
      changes.push({ id, level: ruleById(id).level, contract, operation, location, message });
    },
    shared: (operations) => (id, location, message) => {
      const change: Change = { id, level: ruleById(id).level, contract, operation: operations[0] ?? '', location, message };
      if (operations.length > 1) change.operations = operations;
      changes.push(change);
    },
  };
}

/** Breaking first, then by contract and position, so every format reads the same way. */
export function sortChanges(changes: readonly Change[]): Change[] {
  return [...changes].sort(
    (a, b) =>
      LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) ||
      a.contract.localeCompare(b.contract) ||
      a.operation.localeCompare(b.operation) ||
      a.location.localeCompare(b.location) ||
      a.id.localeCompare(b.id),
  );
}

export function isBreaking(changes: readonly Change[]): boolean {
  return changes.some((c) => c.level === 'breaking');
}
