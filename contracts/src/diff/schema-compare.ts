import { fingerprintPlain } from './schema-fingerprint.ts';
import { flatten, isSchemaObject, typesOf, type Schema } from './schema-flatten.ts';
import { compareKeywords, locate, type SchemaScope } from './schema-keywords.ts';

export { locate, type Direction, type SchemaScope } from './schema-keywords.ts';

/** Pairs of (base, head) schemas on the current descent; a pair met again is a recursive schema. */
type Stack = ReadonlyArray<readonly [unknown, unknown]>;

const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

/**
 * Reports every difference between two dereferenced schemas that matters to the side `scope`
 * names. Shared subschemas are compared again at every place they occur, so each operation gets
 * its own report; only a pair already being compared on the same descent is skipped.
 */
export function compareSchemas(base: unknown, head: unknown, scope: SchemaScope, path = '', stack: Stack = []): void {
  if (base === head) return;
  if (stack.some(([b, h]) => b === base && h === head)) return;
  const inner: Stack = [...stack, [base, head]];
  const baseAlts = flatten(base);
  const headAlts = flatten(head);
  const [onlyBase, onlyHead] = [baseAlts[0], headAlts[0]];
  if (baseAlts.length === 1 && headAlts.length === 1 && onlyBase && onlyHead) {
    compareAlternative(onlyBase, onlyHead, scope, path, inner);
    return;
  }
  compareUnions(baseAlts, headAlts, scope, path, inner);
}

/** A short name for an alternative in a report: its title, its discriminating constant, or its type. */
export function describeAlternative(schema: Schema): string {
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
function compareUnions(baseAlts: Schema[], headAlts: Schema[], scope: SchemaScope, path: string, stack: Stack): void {
  const headLeft = headAlts.map((schema) => ({ schema, print: fingerprintPlain(schema) }));
  const baseLeft: Schema[] = [];
  for (const schema of baseAlts) {
    const print = fingerprintPlain(schema);
    const same = headLeft.findIndex((h) => h.print === print);
    if (same >= 0) headLeft.splice(same, 1);
    else baseLeft.push(schema);
  }
  const req = scope.direction === 'request';
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
      compareAlternative(schema, match.schema, scope, join(path, `(${describeAlternative(schema)})`), stack);
    } else {
      scope.report(
        req ? 'request-alternative-removed' : 'response-alternative-removed',
        locate(scope, path),
        `alternative ${describeAlternative(schema)} was removed`,
      );
    }
  }
  for (const { schema } of headLeft) {
    scope.report(
      req ? 'request-alternative-added' : 'response-alternative-added',
      locate(scope, path),
      `new alternative ${describeAlternative(schema)}`,
    );
  }
}

function propertiesOf(schema: Schema): Record<string, unknown> {
  return isSchemaObject(schema['properties']) ? schema['properties'] : {};
}

function requiredOf(schema: Schema): Set<string> {
  return new Set(Array.isArray(schema['required']) ? schema['required'].filter((r): r is string => typeof r === 'string') : []);
}

/** readOnly properties are never sent by clients, writeOnly ones never returned to them. */
function travels(schema: unknown, direction: SchemaScope['direction']): boolean {
  const plain = flatten(schema)[0] ?? {};
  return direction === 'request' ? plain['readOnly'] !== true : plain['writeOnly'] !== true;
}

function compareAlternative(base: Schema, head: Schema, scope: SchemaScope, path: string, stack: Stack): void {
  if (!compareKeywords(base, head, scope, path)) return;
  compareProperties(base, head, scope, path, stack);
  if (scope.direction === 'request' && base['additionalProperties'] !== false && head['additionalProperties'] === false) {
    scope.report(
      'request-additional-properties-restricted',
      locate(scope, path),
      `${path ? `\`${path}\`` : 'the body'} no longer accepts unlisted properties`,
    );
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const [b, h] = [base[key], head[key]];
    if (isSchemaObject(b) && isSchemaObject(h)) compareSchemas(b, h, scope, key === 'items' ? `${path}[]` : join(path, '*'), stack);
  }
}

function compareProperties(base: Schema, head: Schema, scope: SchemaScope, path: string, stack: Stack): void {
  const [bProps, hProps] = [propertiesOf(base), propertiesOf(head)];
  const [bReq, hReq] = [requiredOf(base), requiredOf(head)];
  const names = [...new Set([...Object.keys(bProps), ...Object.keys(hProps)])];
  const req = scope.direction === 'request';
  for (const name of names) {
    const p = join(path, name);
    const loc = locate(scope, p);
    const [b, h] = [bProps[name], hProps[name]];
    if (b === undefined && h !== undefined) {
      if (!travels(h, scope.direction)) continue;
      if (req)
        scope.report(
          hReq.has(name) ? 'request-property-added-required' : 'request-property-added-optional',
          loc,
          `new ${hReq.has(name) ? 'required' : 'optional'} property \`${p}\``,
        );
      else scope.report('response-property-added', loc, `new property \`${p}\``);
      continue;
    }
    if (h === undefined) {
      if (travels(b, scope.direction))
        scope.report(req ? 'request-property-removed' : 'response-property-removed', loc, `property \`${p}\` was removed`);
      continue;
    }
    if (!travels(b, scope.direction) && !travels(h, scope.direction)) continue;
    if (!bReq.has(name) && hReq.has(name))
      scope.report(req ? 'request-property-made-required' : 'response-property-made-required', loc, `property \`${p}\` became required`);
    if (bReq.has(name) && !hReq.has(name))
      scope.report(req ? 'request-property-made-optional' : 'response-property-made-optional', loc, `property \`${p}\` became optional`);
    reportDeprecation(b, h, scope, p);
    compareSchemas(b, h, scope, p, stack);
  }
}

function reportDeprecation(base: unknown, head: unknown, scope: SchemaScope, path: string): void {
  const [b, h] = [flatten(base)[0] ?? {}, flatten(head)[0] ?? {}];
  if (b['deprecated'] === true || h['deprecated'] !== true) return;
  const sunset = h['x-sunset'];
  if (typeof sunset === 'string')
    scope.report('property-deprecated-with-sunset', locate(scope, path), `property \`${path}\` is deprecated, sunset ${sunset}`);
  else scope.report('property-deprecated', locate(scope, path), `property \`${path}\` is deprecated`);
}
