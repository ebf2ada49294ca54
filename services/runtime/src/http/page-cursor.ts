import { ProblemError } from '@concord/contracts/src/problem.ts';

/**
 * Opaque keyset cursors: base64url of the last row's position. Clients cannot construct them, so a
 * cursor that does not decode is a client error with a pointer, never a 500.
 */
export function encodeCursor(position: number): string {
  return Buffer.from(JSON.stringify({ p: position })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && 'p' in value && Number.isSafeInteger(value.p)) return value.p as number;
  } catch {
    // Falls through to the problem below.
  }
  throw new ProblemError('validation-error', 'The cursor is not one this API issued; pass the next_cursor of a previous page.', {
    errors: [{ pointer: '/query/cursor', message: 'is not a valid cursor' }],
  });
}
