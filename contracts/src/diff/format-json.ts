import { isBreaking, type Change } from './change.ts';

/**
 * Exactly `{ breaking, changes: [{ id, level, contract, operation, location, message, operations? }] }`:
 * tools parse it. `operations` is there when a change inside a shared schema affects several.
 */
export function formatJson(changes: readonly Change[]): string {
  return JSON.stringify(
    {
      breaking: isBreaking(changes),
      changes: changes.map(({ id, level, contract, operation, location, message, operations }) => ({
        id,
        level,
        contract,
        operation,
        location,
        message,
        ...(operations ? { operations } : {}),
      })),
    },
    null,
    2,
  );
}
