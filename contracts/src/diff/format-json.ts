import { isBreaking, type Change } from './change.ts';

/** Exactly `{ breaking, changes: [{ id, level, contract, operation, location, message }] }`: tools parse it. */
export function formatJson(changes: readonly Change[]): string {
  return JSON.stringify(
    {
      breaking: isBreaking(changes),
      changes: changes.map(({ id, level, contract, operation, location, message }) => ({
        id,
        level,
        contract,
        operation,
        location,
        message,
      })),
    },
    null,
    2,
  );
}
