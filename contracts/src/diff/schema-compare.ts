import type { Report } from './change.ts';
import { createFingerprints, type Fingerprints } from './schema-fingerprint.ts';
import { createFlatten, isSchemaObject, typesOf, type Flatten, type Schema } from './schema-flatten.ts';
import { compareKeywords, type Direction, type SchemaSink } from './schema-keywords.ts';
import { createSharedSchemas, type SharedSchemas } from './shared-schemas.ts';

export { locate, type Direction, type SchemaSink } from './schema-keywords.ts';

/** Where a schema sits: which way its values travel, and how to name its place in a report. */
export interface SchemaScope {
  direction: Direction;
  /** `GET /customers`, or a channel address: who is affected by a change found here. */
  operation: string;
  /** `response 200 application/json`, `query parameter limit`, `message order.placed payload` */
  where: string;
  report: Report;
}

/** Pairs of (base, head) schemas on the current descent; a pair met again is a recursive schema. */
type Stack = ReadonlyArray<readonly [unknown, unknown]>;

/** A sink that also decides whether a pair of subschemas is compared here or as a shared unit. */
export interface PairSink extends SchemaSink {
  /** true when the pair is handled elsewhere (a shared component), so the caller must not descend. */
  share(base: unknown, head: unknown, path: string): boolean;
}

export const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

export interface SchemaComparer {
  flatten: Flatten;
  fingerprints: Fingerprints;
  /** Compares the schemas of one place (a body, a parameter); shared components are deferred. */
  compare(base: unknown, head: unknown, scope: SchemaScope): void;
  /** Reports what was found inside shared components, once each, naming every operation affected. */
  finish(report: (operations: string[]) => Report): void;
}

/**
 * Reports every difference between two dereferenced schemas that matters to the side a scope
 * names. A component shared by many operations (a dereferenced `$ref`, known by `names`) is
 * compared once per direction and reported once, with the operations that reach it listed;
 * everything else is compared where it is met. Cost is linear in the documents.
 */
export function createSchemaComparer(names: WeakMap<object, string> = new WeakMap()): SchemaComparer {
  const flatten = createFlatten(names);
  const fingerprints = createFingerprints(flatten, names);
  const shared: SharedSchemas = createSharedSchemas((base, head, sink) => compareInline(base, head, sink, '', []), names);

  function compareSchemas(base: unknown, head: unknown, sink: PairSink, path: string, stack: Stack): void {
    if (base === head) return;
    if (sink.share(base, head, path)) return;
    compareInline(base, head, sink, path, stack);
  }

  function compareInline(base: unknown, head: unknown, sink: PairSink, path: string, stack: Stack): void {
    if (base === head) return;
    if (stack.some(([b, h]) => b === base && h === head)) return;
    const inner: Stack = [...stack, [base, head]];
    const baseAlts = flatten(base);
    const headAlts = flatten(head);
    const [onlyBase, onlyHead] = [baseAlts[0], headAlts[0]];
    if (baseAlts.length === 1 && headAlts.length === 1 && onlyBase && onlyHead) {
      compareMatched(onlyBase, onlyHead, sink, path, inner);
      return;
    }
    compareUnions(baseAlts, headAlts, sink, path, inner);
  }

  /** A short name for an alternative in a report: its title, its discriminating constant, or its type. */
  function describeAlternative(schema: Schema): string {
    if (typeof schema['title'] === 'string') return schema['title'];
    const props = isSchemaObject(schema['properties']) ? schema['properties'] : {};
    for (const [name, prop] of Object.entries(props)) {
      const alt = flatten(prop)[0];
      const values = alt?.['enum'];
      if (Array.isArray(values) && values.length === 1) return `${name}=${JSON.stringify(values[0])}`;
    }
    const keys = Object.keys(props);
    const types = typesOf(schema)?.join('|') ?? 'any';
    return keys.length ? `${types} {${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}}` : types;
  }

  /** How likely two non-identical alternatives are the same alternative, edited. 0 = unrelated. */
  function kinship(a: Schema, b: Schema): number {
    if (typeof a['title'] === 'string' && a['title'] === b['title']) return 100;
    const [da, db] = [describeAlternative(a), describeAlternative(b)];
    if (da.includes('=') && da === db) return 90;
    const ta = typesOf(a)?.join('|');
    if (ta !== typesOf(b)?.join('|')) return 0;
    const pa = Object.keys(isSchemaObject(a['properties']) ? a['properties'] : {});
    const pb = Object.keys(isSchemaObject(b['properties']) ? b['properties'] : {});
    if (!pa.length && !pb.length) return 10;
    const shared = pa.filter((p) => pb.includes(p)).length;
    return shared * 2 >= Math.max(pa.length, pb.length) ? 10 + shared : 0;
  }

  /** oneOf/anyOf alternatives are matched by meaning, never by index, so reordering is no change. */
  function compareUnions(baseAlts: Schema[], headAlts: Schema[], sink: PairSink, path: string, stack: Stack): void {
    const headLeft = headAlts.map((schema) => ({ schema, print: fingerprints.fingerprintPlain(schema) }));
    const baseLeft: Schema[] = [];
    const same: Array<[Schema, Schema]> = [];
    for (const schema of baseAlts) {
      const print = fingerprints.fingerprintPlain(schema);
      const at = headLeft.findIndex((h) => h.print === print);
      const match = headLeft[at];
      if (match) {
        headLeft.splice(at, 1);
        same.push([schema, match.schema]);
      } else baseLeft.push(schema);
    }
    const req = sink.direction === 'request';
    for (const schema of baseLeft) {
      let best = -1;
      let bestScore = 0;
      headLeft.forEach((h, i) => {
        const score = kinship(schema, h.schema);
        if (score > bestScore) [best, bestScore] = [i, score];
      });
      const match = headLeft[best];
      if (match) {
        headLeft.splice(best, 1);
        compareMatched(schema, match.schema, sink, join(path, `(${describeAlternative(schema)})`), stack);
      } else {
        const name = describeAlternative(schema);
        sink.report(req ? 'request-alternative-removed' : 'response-alternative-removed', path, () => `alternative ${name} was removed`);
      }
    }
    for (const { schema } of headLeft) {
      const name = describeAlternative(schema);
      sink.report(req ? 'request-alternative-added' : 'response-alternative-added', path, () => `new alternative ${name}`);
    }
    // Equal fingerprints print shared components by name: what changed inside them is still found.
    for (const [b, h] of same) compareMatched(b, h, sink, join(path, `(${describeAlternative(b)})`), stack);
  }

  /**
   * Two alternatives paired up; when each is exactly a shared component they are compared as that
   * pair. (A pair is only ever keyed by document objects: a rewritten alternative is new each time.)
   */
  function compareMatched(base: Schema, head: Schema, sink: PairSink, path: string, stack: Stack): void {
    const [b, h] = [flatten.origin(base), flatten.origin(head)];
    if (b && h && sink.share(b, h, path)) return;
    compareAlternative(base, head, sink, path, stack);
  }

  /** readOnly properties are never sent by clients, writeOnly ones never returned to them. */
  function travels(schema: unknown, direction: Direction): boolean {
    const plain = flatten(schema)[0] ?? {};
    return direction === 'request' ? plain['readOnly'] !== true : plain['writeOnly'] !== true;
  }

  function compareAlternative(base: Schema, head: Schema, sink: PairSink, path: string, stack: Stack): void {
    if (!compareKeywords(base, head, sink, path)) return;
    compareProperties(base, head, sink, path, stack);
    if (sink.direction === 'request' && base['additionalProperties'] !== false && head['additionalProperties'] === false) {
      sink.report(
        'request-additional-properties-restricted',
        path,
        (p) => `${p ? `\`${p}\`` : 'the body'} no longer accepts unlisted properties`,
      );
    }
    for (const key of ['items', 'additionalProperties'] as const) {
      const [b, h] = [base[key], head[key]];
      if (isSchemaObject(b) && isSchemaObject(h)) compareSchemas(b, h, sink, key === 'items' ? `${path}[]` : join(path, '*'), stack);
    }
  }

  function compareProperties(base: Schema, head: Schema, sink: PairSink, path: string, stack: Stack): void {
    const [bProps, hProps] = [propertiesOf(base), propertiesOf(head)];
    const [bReq, hReq] = [requiredOf(base), requiredOf(head)];
    const names = [...new Set([...Object.keys(bProps), ...Object.keys(hProps)])];
    const req = sink.direction === 'request';
    for (const name of names) {
      const p = join(path, name);
      const [b, h] = [bProps[name], hProps[name]];
      if (b === undefined && h !== undefined) {
        if (!travels(h, sink.direction)) continue;
        if (req) {
          const required = hReq.has(name);
          sink.report(
            required ? 'request-property-added-required' : 'request-property-added-optional',
            p,
            (at) => `new ${required ? 'required' : 'optional'} property \`${at}\``,
          );
        } else sink.report('response-property-added', p, (at) => `new property \`${at}\``);
        continue;
      }
      if (h === undefined) {
        if (travels(b, sink.direction))
          sink.report(req ? 'request-property-removed' : 'response-property-removed', p, (at) => `property \`${at}\` was removed`);
        continue;
      }
      if (!travels(b, sink.direction) && !travels(h, sink.direction)) continue;
      if (!travels(h, sink.direction)) {
        // readOnly/writeOnly moved the property out of this direction: for its readers or writers it is gone.
        if (req) sink.report('request-property-became-read-only', p, (at) => `property \`${at}\` became readOnly`);
        else sink.report('response-property-became-write-only', p, (at) => `property \`${at}\` became writeOnly`);
        continue;
      }
      if (!bReq.has(name) && hReq.has(name))
        sink.report(
          req ? 'request-property-made-required' : 'response-property-made-required',
          p,
          (at) => `property \`${at}\` became required`,
        );
      if (bReq.has(name) && !hReq.has(name))
        sink.report(
          req ? 'request-property-made-optional' : 'response-property-made-optional',
          p,
          (at) => `property \`${at}\` became optional`,
        );
      reportDeprecation(b, h, sink, p);
      compareSchemas(b, h, sink, p, stack);
    }
  }

  function reportDeprecation(base: unknown, head: unknown, sink: PairSink, path: string): void {
    const [b, h] = [flatten(base)[0] ?? {}, flatten(head)[0] ?? {}];
    if (b['deprecated'] === true || h['deprecated'] !== true) return;
    const sunset = h['x-sunset'];
    if (typeof sunset === 'string')
      sink.report('property-deprecated-with-sunset', path, (at) => `property \`${at}\` is deprecated, sunset ${sunset}`);
    else sink.report('property-deprecated', path, (at) => `property \`${at}\` is deprecated`);
  }

  return {
    flatten,
    fingerprints,
    compare(base, head, scope) {
      compareSchemas(base, head, shared.root(scope), '', []);
    },
    finish(report) {
      shared.finish(report);
    },
  };
}

function propertiesOf(schema: Schema): Record<string, unknown> {
  return isSchemaObject(schema['properties']) ? schema['properties'] : {};
}

function requiredOf(schema: Schema): Set<string> {
  return new Set(Array.isArray(schema['required']) ? schema['required'].filter((r): r is string => typeof r === 'string') : []);
}
