import type { FieldError } from '../problem.ts';

/**
 * Strings every Concord data store can keep. PostgreSQL's text and jsonb refuse U+0000 (NUL), and
 * a lone UTF-16 surrogate (U+D800-U+DFFF without its pair) has no UTF-8 encoding: it is refused by
 * jsonb and silently turned into U+FFFD by text. Such a string may satisfy a contract's schema, so
 * it is refused here, once, for every service and the gateway alike, as a 400 with a pointer: it
 * must never reach a database and come back as a 500.
 */
const isWellFormed = (value: string): boolean => (value as string & { isWellFormed(): boolean }).isWellFormed();

/** What is wrong with `value`, or undefined when a database can store it. */
export function unstorableReason(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain U+0000 (NUL)';
  // String.prototype.isWellFormed (Node 20): false exactly when a surrogate has no partner.
  if (!isWellFormed(value)) return 'must not contain a lone UTF-16 surrogate';
  return undefined;
}

/** RFC 6901 escaping of one reference token. */
function token(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * One error per unstorable string in `value` (object keys included), each with a JSON pointer
 * under `root` (e.g. `/body`, `/query`). Walks parsed JSON, so there are no cycles.
 */
export function unstorableStrings(value: unknown, root: string): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (node: unknown, pointer: string): void => {
    if (typeof node === 'string') {
      const reason = unstorableReason(node);
      if (reason) errors.push({ pointer, message: reason });
    } else if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, `${pointer}/${i}`);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        const at = `${pointer}/${token(key)}`;
        const reason = unstorableReason(key);
        if (reason) errors.push({ pointer: at, message: `name ${reason}` });
        visit(item, at);
      }
    }
  };
  visit(value, root);
  return errors;
}
