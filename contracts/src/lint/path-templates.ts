/**
 * OpenAPI path templates as routers and linters need them ("Path Templating Matching"): a path is
 * a list of segments, each a literal (`pets`), a whole-segment template (`{petId}`) or a segment
 * mixing both (`{id}.{format}`, `{name}.json`). At each segment, left to right, a literal beats a
 * mixed segment, which beats a whole-segment template; between two mixed segments the one with more
 * literal characters wins. Two templates that differ only in their parameter names are the same
 * path to a router: OpenAPI says they MUST NOT coexist, so they are reported, not tie-broken.
 *
 * Shared by `concord lint` (rule `path-ambiguous`) and the gateway's route table, so both refuse
 * exactly the same paths.
 */

export type PathSegment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string }
  /** `{id}.{format}`: literals at even indexes of `parts`, parameter names at odd ones. */
  | { kind: 'mixed'; parts: string[]; literalLength: number };

/** `/reports/{id}.{format}` -> ['', 'reports', mixed(['', 'id', '.', 'format', ''])]; segment 0 is what precedes the first `/`. */
export function parsePathTemplate(template: string): PathSegment[] {
  return template.split('/').map((text): PathSegment => {
    if (!text.includes('{')) return { kind: 'literal', text };
    const parts = text.split(/\{([^}]*)\}/);
    if (parts.length === 3 && parts[0] === '' && parts[2] === '') return { kind: 'param', name: parts[1]! };
    let literalLength = 0;
    for (let i = 0; i < parts.length; i += 2) literalLength += parts[i]!.length;
    return { kind: 'mixed', parts, literalLength };
  });
}

/** The parameter names of a template, in path order. */
export function templateParamNames(segments: readonly PathSegment[]): string[] {
  const names: string[] = [];
  for (const s of segments) {
    if (s.kind === 'param') names.push(s.name);
    else if (s.kind === 'mixed') for (let i = 1; i < s.parts.length; i += 2) names.push(s.parts[i]!);
  }
  return names;
}

/** One segment with its parameter names erased: equal keys match exactly the same strings. */
export function segmentShape(segment: PathSegment): string {
  if (segment.kind === 'literal') return `=${segment.text}`;
  if (segment.kind === 'param') return '{}';
  return segment.parts.map((p, i) => (i % 2 === 0 ? p.replace(/[{}\\]/g, '\\$&') : '{}')).join('');
}

/** `/pets/{a}` and `/pets/{b}` have the same shape, `/pets/{}`. */
export function templateShape(template: string): string {
  return parsePathTemplate(template).map(segmentShape).join('/');
}

/** Negative when `a` is tried before `b` at the same position (the precedence above). */
export function compareSegments(a: PathSegment, b: PathSegment): number {
  const rank = (s: PathSegment) => (s.kind === 'literal' ? 0 : s.kind === 'mixed' ? 1 : 2);
  const byKind = rank(a) - rank(b);
  if (byKind !== 0 || a.kind !== 'mixed' || b.kind !== 'mixed') return byKind;
  if (a.literalLength !== b.literalLength) return b.literalLength - a.literalLength;
  // Equal literal weight: a longer literal prefix first, then the shape, so the order never
  // depends on the order of the document.
  if (a.parts[0]!.length !== b.parts[0]!.length) return b.parts[0]!.length - a.parts[0]!.length;
  const sa = segmentShape(a);
  const sb = segmentShape(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The regular expression of a mixed segment; one capture per parameter, each non-empty. The last
 * parameter is greedy and the others lazy, so `{id}.{format}` splits `a.b.json` as `a` / `b.json`.
 */
export function mixedSegmentRegExp(segment: Extract<PathSegment, { kind: 'mixed' }>): RegExp {
  let source = '^';
  const last = segment.parts.length - 2;
  for (let i = 0; i < segment.parts.length; i++) {
    source += i % 2 === 0 ? escapeRegExp(segment.parts[i]!) : i === last ? '(.+)' : '(.+?)';
  }
  return new RegExp(`${source}$`, 's');
}

export interface TemplatedOperation<T> {
  method: string;
  path: string;
  item: T;
}

/**
 * Pairs of operations a router cannot tell apart: the same method on templates of the same shape
 * (`GET /pets/{a}` and `GET /pets/{b}`). Each pair is `[first, second]` in input order.
 */
export function findAmbiguousOperations<T>(operations: readonly TemplatedOperation<T>[]): [TemplatedOperation<T>, TemplatedOperation<T>][] {
  const seen = new Map<string, TemplatedOperation<T>>();
  const pairs: [TemplatedOperation<T>, TemplatedOperation<T>][] = [];
  for (const op of operations) {
    const key = `${op.method.toUpperCase()} ${templateShape(op.path)}`;
    const first = seen.get(key);
    if (first) pairs.push([first, op]);
    else seen.set(key, op);
  }
  return pairs;
}
