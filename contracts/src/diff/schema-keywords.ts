import type { RuleId } from './rules.ts';
import { MAX_KEYWORDS, MIN_KEYWORDS, typesOf, type Schema } from './schema-flatten.ts';

export type Direction = 'request' | 'response';

/**
 * Where schema differences go. `path` is relative to the schema being compared; the message is
 * rendered from the path as the reader will see it, which may be longer (the same shared schema
 * reached from a response's `data[]`), so comparisons can be memoised per schema.
 */
export interface SchemaSink {
  direction: Direction;
  report(id: RuleId, path: string, message: (path: string) => string): void;
}

export function locate(where: string, path: string): string {
  return path ? `${where}: ${path}` : where;
}

const show = (value: unknown) => JSON.stringify(value);
const field = (path: string) => (path ? `\`${path}\`` : 'the value');

function accepts(types: string[] | undefined, t: string): boolean {
  return !types || types.includes(t) || (t === 'integer' && types.includes('number'));
}

/** Types the `from` side allowed that the `to` side does not; `['any']` when `from` had no type. */
function typesLost(from: string[] | undefined, to: string[] | undefined): string[] {
  if (!to) return [];
  if (!from) return ['any'];
  return from.filter((t) => !accepts(to, t));
}

/** @returns false when the type changed incompatibly: finer-grained reports would only add noise. */
function compareTypes(base: Schema, head: Schema, scope: SchemaSink, path: string): boolean {
  const [b, h] = [typesOf(base), typesOf(head)];
  const loc = path;
  const describe = (t: string[] | undefined) => (t ? t.join('|') : 'any');
  const message = (p: string) => `type of ${field(p)} changed from ${describe(b)} to ${describe(h)}`;
  if (scope.direction === 'request') {
    if (typesLost(b, h).length) {
      scope.report('request-type-changed', loc, message);
      return false;
    }
    if (typesLost(h, b).length) scope.report('request-type-widened', loc, message);
  } else {
    if (typesLost(h, b).length) {
      scope.report('response-type-changed', loc, message);
      return false;
    }
    if (typesLost(b, h).length) scope.report('response-type-narrowed', loc, message);
  }
  return true;
}

function compareEnums(base: Schema, head: Schema, scope: SchemaSink, path: string): void {
  const b = Array.isArray(base['enum']) ? base['enum'].map(show) : undefined;
  const h = Array.isArray(head['enum']) ? head['enum'].map(show) : undefined;
  if (!b && !h) return;
  const loc = path;
  const added = b && h ? h.filter((v) => !b.includes(v)) : [];
  const removed = b && h ? b.filter((v) => !h.includes(v)) : [];
  const req = scope.direction === 'request';
  if (!b && h)
    scope.report(
      req ? 'request-enum-value-removed' : 'response-enum-value-removed',
      loc,
      (p) => `${field(p)} is now restricted to ${h.join(', ')}`,
    );
  if (b && !h)
    scope.report(
      req ? 'request-enum-value-added' : 'response-enum-value-added',
      loc,
      (p) => `${field(p)} is no longer restricted to ${b.join(', ')}`,
    );
  if (removed.length)
    scope.report(
      req ? 'request-enum-value-removed' : 'response-enum-value-removed',
      loc,
      (p) => `${field(p)} no longer has enum value ${removed.join(', ')}`,
    );
  if (added.length)
    scope.report(
      req ? 'request-enum-value-added' : 'response-enum-value-added',
      loc,
      (p) => `${field(p)} has new enum value ${added.join(', ')}`,
    );
}

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

function compareBounds(base: Schema, head: Schema, scope: SchemaSink, path: string): void {
  const loc = path;
  const check = (keyword: string, tighter: (b: number, h: number) => boolean, tightenedRequest: RuleId) => {
    const [b, h] = [num(base[keyword]), num(head[keyword])];
    if (b === h) return;
    const tightened = h !== undefined && (b === undefined || tighter(b, h));
    const message = (p: string) => `${keyword} of ${field(p)} changed from ${b ?? 'none'} to ${h ?? 'none'}`;
    if (scope.direction === 'request') scope.report(tightened ? tightenedRequest : 'request-constraint-relaxed', loc, message);
    else scope.report(tightened ? 'response-constraint-tightened' : 'response-constraint-relaxed', loc, message);
  };
  for (const k of MAX_KEYWORDS) check(k, (b, h) => h < b, 'request-max-lowered');
  for (const k of MIN_KEYWORDS) check(k, (b, h) => h > b, 'request-min-raised');
}

function compareStrings(base: Schema, head: Schema, scope: SchemaSink, path: string): void {
  const loc = path;
  const req = scope.direction === 'request';
  const [bp, hp] = [base['pattern'], head['pattern']];
  if (bp !== hp) {
    const message = (p: string) => `pattern of ${field(p)} changed from ${show(bp) ?? 'none'} to ${show(hp) ?? 'none'}`;
    if (req)
      scope.report(
        bp === undefined ? 'request-pattern-added' : hp === undefined ? 'request-constraint-relaxed' : 'request-pattern-changed',
        loc,
        message,
      );
    else scope.report(bp === undefined ? 'response-constraint-tightened' : 'response-constraint-relaxed', loc, message);
  }
  const [bf, hf] = [base['format'], head['format']];
  if (bf !== hf) {
    const message = (p: string) => `format of ${field(p)} changed from ${show(bf) ?? 'none'} to ${show(hf) ?? 'none'}`;
    if (req) scope.report(hf === undefined ? 'request-constraint-relaxed' : 'request-format-changed', loc, message);
    else scope.report(bf === undefined ? 'response-constraint-tightened' : 'response-format-changed', loc, message);
  }
}

function compareDefault(base: Schema, head: Schema, scope: SchemaSink, path: string): void {
  const [b, h] = [show(base['default']), show(head['default'])];
  if (b === h) return;
  scope.report(
    scope.direction === 'request' ? 'request-default-changed' : 'response-default-changed',
    path,
    (p) => `default of ${field(p)} changed from ${b ?? 'none'} to ${h ?? 'none'}`,
  );
}

/**
 * Compares the keywords that constrain a single value. Returns false when the type changed
 * incompatibly, so the caller need not descend further.
 */
export function compareKeywords(base: Schema, head: Schema, scope: SchemaSink, path: string): boolean {
  if (!compareTypes(base, head, scope, path)) return false;
  compareEnums(base, head, scope, path);
  compareBounds(base, head, scope, path);
  compareStrings(base, head, scope, path);
  compareDefault(base, head, scope, path);
  return true;
}
