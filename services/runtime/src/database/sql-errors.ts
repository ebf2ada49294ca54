/** SQLSTATE of an error from pg or PGlite (both carry `code`), or undefined. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (sqlState(err) !== '23505') return false;
  if (!constraint) return true;
  const name = (err as { constraint?: unknown }).constraint;
  // PGlite does not always fill `constraint`; then the message names it.
  return name === constraint || (err instanceof Error && err.message.includes(constraint));
}
