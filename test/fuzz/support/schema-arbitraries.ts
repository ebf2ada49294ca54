/**
 * fast-check arbitraries from the contracts' JSON Schemas (2020-12, as OpenAPI 3.1 uses them), in
 * two kinds, as Schemathesis generates them:
 * - `validValue`: what the schema accepts, leaning on its edges: the shortest and the longest
 *   strings, emoji (two UTF-16 units, one code point: a length counted the wrong way shows),
 *   NUL and lone surrogates (valid JSON strings no database can store), the bounds of numbers;
 * - `hostileValue`: valid but in one place: there the wrong type, just out of range, a huge or
 *   negative number, an extra member (`__proto__`, a NUL name), a missing required one.
 * Only what the contracts use is understood (type, enum, const, anyOf/oneOf/allOf, properties,
 * required, additionalProperties, items, min/max of every kind, pattern, format, uniqueItems).
 */
import fc from 'fast-check';
import type { JsonSchema } from '@concord/contracts/src/document/openapi-document.ts';

type Schema = Record<string, unknown>;

/**
 * Values known to exist, by member name (`customer_id`, `sku` ...): an object member of that name
 * takes one now and then, so a valid request can reach past "no such customer" to the work.
 */
export type ValueHints = Readonly<Record<string, readonly string[]>>;
type ValueOf = (schema: JsonSchema | undefined, hints: ValueHints, depth: number) => fc.Arbitrary<unknown>;

/**
 * How deep values nest before only what the schema requires is generated (optional members left
 * out, arrays empty where allowed). Published contracts are recursive (Discord's components hold
 * components, Stripe's objects expand into objects): arbitraries are built eagerly, so without a
 * bound a schema that contains itself would never finish building.
 */
const OPTIONAL_DEPTH = 3;
/** Past this, even required members stop: a schema that requires itself has no finite value anyway. */
const MAX_DEPTH = 10;
/** Optional members an object below the top holds at most (all of them at the top). */
const FEW_OPTIONAL = 3;
/** The longest string drawn below the top; the top reaches every `maxLength`. */
const NESTED_MAX_LENGTH = 1024;

/**
 * The top two levels (a body and its members' values), where our own contracts' fields live: there
 * arbitraries are built at once, strings reach their `maxLength`, arrays hold up to four items and
 * now and then their `maxItems`. Below, published contracts' reuse makes each of those a blow-up.
 */
const nearTop = (depth: number) => depth < 2;

/** Strings no data store can keep, though any JSON Schema `string` accepts them. */
export const NUL = 'nul\u0000byte';
export const LONE_SURROGATE = 'lone\ud800surrogate';
const EMOJI = '😀';

/** Hosts that never resolve (RFC 2606), so a webhook endpoint the fuzz creates is never called. */
const URI_SAMPLES = ['https://hooks.example.invalid/concord', 'https://a.invalid/', 'https://x.invalid/p?q=1'];
const FORMAT_SAMPLES: Record<string, fc.Arbitrary<string>> = {
  'date-time': fc
    .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  date: fc.date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  // fast-check's emailAddress() covers RFC 5322 corners the contracts' `email` format refuses.
  email: fc.oneof(
    fc
      .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]$/), fc.stringMatching(/^[a-z0-9]{1,12}$/))
      .map(([local, domain]) => `${local}@${domain}.example`),
    fc.constantFrom('a@b.co', 'UPPER.Case@Example.COM'),
  ),
  uri: fc.oneof(
    fc.constantFrom(...URI_SAMPLES),
    fc.webPath().map((p) => `https://fuzz.invalid${p.startsWith('/') ? p : `/${p}`}`),
  ),
  'uri-reference': fc.constantFrom('/x', 'relative/path', 'https://example.invalid/a'),
  'json-pointer': fc.constantFrom('', '/body', '/body/a~1b/0'),
  uuid: fc.uuid(),
};

function asSchema(schema: JsonSchema | undefined): Schema {
  if (schema === undefined || schema === true) return {};
  if (schema === false) return { not: {} };
  return schema;
}

function typesOf(s: Schema): string[] {
  if (Array.isArray(s.type)) return s.type as string[];
  if (typeof s.type === 'string') return [s.type];
  if (s.properties || s.required) return ['object'];
  if (s.items) return ['array'];
  return [];
}

/** allOf parts merged into one schema: the contracts use it only to extend an object. */
function mergeAllOf(s: Schema): Schema {
  if (!Array.isArray(s.allOf)) return s;
  const parts = [s, ...(s.allOf as JsonSchema[]).map((p) => mergeAllOf(asSchema(p)))];
  const merged: Schema = { type: 'object', properties: {}, required: [] };
  for (const part of parts) {
    Object.assign(merged.properties as Schema, part.properties ?? {});
    (merged.required as string[]).push(...((part.required as string[] | undefined) ?? []));
    if (part.additionalProperties === false) merged.additionalProperties = false;
  }
  return merged;
}

const codePoints = (text: string) => [...text].length;

function validString(s: Schema, depth: number): fc.Arbitrary<string> {
  const min = (s.minLength as number | undefined) ?? 0;
  const max = Math.min(
    (s.maxLength as number | undefined) ?? 200,
    nearTop(depth) ? Number.POSITIVE_INFINITY : Math.max(min, NESTED_MAX_LENGTH),
  );
  const fits = (text: string) => codePoints(text) >= min && codePoints(text) <= max;
  const format = s.format as string | undefined;
  if (typeof s.pattern === 'string') {
    const pattern = new RegExp(s.pattern, 'u');
    return fc.stringMatching(pattern).filter(fits);
  }
  if (format !== undefined && FORMAT_SAMPLES[format]) return FORMAT_SAMPLES[format]!.filter(fits);
  const fill = (unit: string) => unit.repeat(Math.max(min, 1)).slice(0, unit.length * max);
  const edges = [
    fill('a'),
    'x'.repeat(max),
    EMOJI.repeat(max),
    `${'é'.repeat(Math.max(0, max - 1))}e\u0301`.slice(0, max),
    NUL,
    LONE_SURROGATE,
    ' '.repeat(Math.max(min, 1)),
    '\u202eRTL',
  ].filter(fits);
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, 40), unit: 'grapheme' }).filter(fits) },
    { weight: 1, arbitrary: fc.constantFrom(...(edges.length > 0 ? edges : [fill('a')])) },
  );
}

function validNumber(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const exclusiveMin = s.exclusiveMinimum as number | undefined;
  const exclusiveMax = s.exclusiveMaximum as number | undefined;
  const min = (s.minimum as number | undefined) ?? (exclusiveMin !== undefined ? exclusiveMin + 1 : -(2 ** 31));
  const max = (s.maximum as number | undefined) ?? (exclusiveMax !== undefined ? exclusiveMax - 1 : 2 ** 31);
  const inner = integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc.oneof({ weight: 3, arbitrary: inner }, { weight: 1, arbitrary: fc.constantFrom(min, max) });
}

function hinted(name: string, arbitrary: fc.Arbitrary<unknown>, hints: ValueHints): fc.Arbitrary<unknown> {
  const known = hints[name];
  return known && known.length > 0 ? fc.oneof(fc.constantFrom(...known), arbitrary) : arbitrary;
}

/**
 * A member's or item's arbitrary: built at once near the top, where our own contracts live, and on
 * use below, where a published contract's schemas (reused by dozens of objects, each with dozens of
 * members) would otherwise be built for every path through them before a single value is drawn.
 */
function nested(build: () => fc.Arbitrary<unknown>, depth: number): fc.Arbitrary<unknown> {
  return nearTop(depth) ? build() : fc.constant(undefined).chain(build);
}

function validObject(s: Schema, value: ValueOf, hints: ValueHints, depth: number): fc.Arbitrary<Schema> {
  if (depth >= MAX_DEPTH) return fc.constant({});
  const properties = (s.properties as Record<string, JsonSchema> | undefined) ?? {};
  const required = ((s.required as string[] | undefined) ?? []).filter((name) => name in properties);
  const member = ([name, sub]: [string, JsonSchema]): [string, fc.Arbitrary<unknown>] => [
    name,
    hinted(
      name,
      nested(() => value(sub, hints, depth + 1), depth),
      hints,
    ),
  ];
  const minProperties = (s.minProperties as number | undefined) ?? 0;
  const extra = s.additionalProperties;
  const entries = Object.entries(properties).filter(([name]) => depth < OPTIONAL_DEPTH || required.includes(name));
  // Below the top, a few optional members per value: a published contract's objects have dozens,
  // and every one of them holding every member multiplies a value's size by each level.
  if (depth > 0 && entries.length - required.length > FEW_OPTIONAL && minProperties <= required.length) {
    const optional = entries.filter(([name]) => !required.includes(name)).map(([name]) => name);
    return fc.subarray(optional, { maxLength: FEW_OPTIONAL }).chain((chosen) =>
      fc.record(Object.fromEntries(entries.filter(([name]) => required.includes(name) || chosen.includes(name)).map(member)), {
        requiredKeys: required,
      }),
    ) as fc.Arbitrary<Schema>;
  }
  const members = entries.map(member);
  // `minProperties` is met by construction, never by filtering: a map with no declared members
  // (Discord's `additionalProperties` maps) would otherwise filter forever.
  const declared = entries.map(([name]) => name);
  const requiredKeys =
    extra === false ? [...new Set([...required, ...declared])].slice(0, Math.max(required.length, minProperties)) : required;
  const record = fc.record(Object.fromEntries(members), { requiredKeys }) as fc.Arbitrary<Schema>;
  if (extra === false || minProperties <= requiredKeys.length) return record;
  const extraValue =
    typeof extra === 'object' ? nested(() => value(extra as JsonSchema, hints, depth + 1), depth) : fc.jsonValue({ maxDepth: 1 });
  return fc.tuple(record, fc.array(extraValue, { minLength: minProperties, maxLength: minProperties })).map(([object, values]) => {
    const out: Schema = { ...object };
    for (let i = 0; Object.keys(out).length < minProperties; i++) out[`extra_${i}`] = values[i];
    return out;
  });
}

function validArray(s: Schema, value: ValueOf, hints: ValueHints, depth: number): fc.Arbitrary<unknown[]> {
  const minLength = (s.minItems as number | undefined) ?? 0;
  if ((depth >= OPTIONAL_DEPTH && minLength === 0) || depth >= MAX_DEPTH) return fc.constant([]);
  const maxItems = (s.maxItems as number | undefined) ?? 5;
  // The longest array a schema allows only now and then: one is enough to find a limit. Nested
  // arrays hold one item at most, or a published contract's values grow by a power of the depth.
  const maxLength = Math.max(minLength, Math.min(maxItems, nearTop(depth) ? 4 : 1));
  const items = nested(() => value(s.items as JsonSchema | undefined, hints, depth + 1), depth);
  const sized = s.uniqueItems
    ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
    : fc.array(items, { minLength, maxLength });
  // The full-length array near the top only, and of a size a request can carry: a contract's
  // `maxItems: 1521` of objects with 150 KB strings would be a 200 MB body.
  if (maxItems <= maxLength || s.uniqueItems || !nearTop(depth) || maxItems > 100) return sized;
  return fc.oneof({ weight: 5, arbitrary: sized }, { weight: 1, arbitrary: fc.array(items, { minLength: maxItems, maxLength: maxItems }) });
}

/** A value the schema accepts; now and then one of its own `examples`, as Schemathesis also uses them. */
export function validValue(schema: JsonSchema | undefined, hints: ValueHints = {}, depth = 0): fc.Arbitrary<unknown> {
  const s = mergeAllOf(asSchema(schema));
  if (s.const !== undefined) return fc.constant(s.const);
  // An empty enum has no valid value: what is sent is refused, as it must be.
  if (Array.isArray(s.enum)) return s.enum.length > 0 ? fc.constantFrom(...(s.enum as unknown[])) : fc.string({ maxLength: 8 });
  const generated = generatedValue(s, hints, depth);
  const examples = s.examples as unknown[] | undefined;
  if (!Array.isArray(examples) || examples.length === 0) return generated;
  return fc.oneof({ weight: 3, arbitrary: generated }, { weight: 1, arbitrary: fc.constantFrom(...examples) });
}

function generatedValue(s: Schema, hints: ValueHints, depth: number): fc.Arbitrary<unknown> {
  const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (alternatives)
    return fc.oneof(
      ...alternatives.map((alt) => validValue({ ...s, anyOf: undefined, oneOf: undefined, ...asSchema(alt) }, hints, depth + 1)),
    );
  const types = typesOf(s);
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(
    ...types.map((type): fc.Arbitrary<unknown> => {
      switch (type) {
        case 'string':
          return validString(s, depth);
        case 'integer':
          return validNumber(s, true);
        case 'number':
          return validNumber(s, false);
        case 'boolean':
          return fc.boolean();
        case 'null':
          return fc.constant(null);
        case 'array':
          return validArray(s, validValue, hints, depth);
        default:
          return validObject(s, validValue, hints, depth);
      }
    }),
  );
}

/** Values of every JSON type, some huge or odd: one of them is the wrong type for any schema. */
const WRONG_TYPES: unknown[] = [0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, true, null, '', '1', [], [1], {}, { a: 1 }];

/** Just outside what the schema allows, where it has a bound. */
function outOfRange(s: Schema): unknown[] {
  const out: unknown[] = [];
  const types = typesOf(s);
  if (types.includes('string')) {
    if (typeof s.minLength === 'number' && s.minLength > 0) out.push('x'.repeat(s.minLength - 1));
    out.push('x'.repeat(((s.maxLength as number | undefined) ?? 10_000) + 1));
    if (typeof s.pattern === 'string' || s.format) out.push('not-matching value', `${NUL}`);
  }
  if (types.includes('integer') || types.includes('number')) {
    if (typeof s.minimum === 'number') out.push(s.minimum - 1, -(2 ** 63));
    if (typeof s.maximum === 'number') out.push(s.maximum + 1, 1e300);
    if (types.includes('integer')) out.push(1.5);
  }
  if (types.includes('array')) {
    if (typeof s.minItems === 'number' && s.minItems > 0) out.push([]);
  }
  return out;
}

/**
 * What the schema refuses, in one place only (so the rest of the request is valid and the answer
 * says something about that place): a member of the wrong type or out of range, an extra member,
 * a missing required one, an array item that is wrong, too few items, or the whole value wrong.
 */
export function hostileValue(schema: JsonSchema | undefined, hints: ValueHints = {}, depth = 0): fc.Arbitrary<unknown> {
  const s = mergeAllOf(asSchema(schema));
  const wholly = fc.constantFrom(...WRONG_TYPES, ...outOfRange(s));
  if (depth >= OPTIONAL_DEPTH) return wholly;
  const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (alternatives) {
    const each = alternatives.map((alt) => hostileValue({ ...s, anyOf: undefined, oneOf: undefined, ...asSchema(alt) }, hints, depth + 1));
    return fc.oneof(...each);
  }
  const types = typesOf(s);
  if (types.includes('object') && s.properties) {
    const properties = s.properties as Record<string, JsonSchema>;
    const names = Object.keys(properties);
    const required = ((s.required as string[] | undefined) ?? []).filter((name) => names.includes(name));
    const valid = validObject(s, validValue, hints, depth);
    // `properties: {}` is legal: then there is no member to spoil, only the extra and whole-value cases.
    const oneMember = names.length
      ? [
          {
            weight: 4,
            arbitrary: fc
              .constantFrom(...names)
              .chain((name) =>
                fc.tuple(valid, hostileValue(properties[name], hints, depth + 1)).map(([object, value]) => ({ ...object, [name]: value })),
              ),
          },
        ]
      : [];
    return fc.oneof(
      ...oneMember,
      {
        weight: 1,
        arbitrary: fc
          .tuple(valid, fc.constantFrom('unexpected_field', '__proto__', 'constructor', '\u0000', '\ud800'))
          // A computed key: `__proto__` becomes a member of its own, as JSON.parse makes it.
          .map(([object, name]) => ({ ...object, [name]: { polluted: true } })),
      },
      ...(required.length > 0
        ? [
            {
              weight: 1,
              arbitrary: fc.tuple(valid, fc.constantFrom(...required)).map(([object, name]) => {
                const copy = { ...object };
                delete copy[name];
                return copy;
              }),
            },
          ]
        : []),
      { weight: 1, arbitrary: wholly },
    );
  }
  if (types.includes('array')) {
    const oneItem = fc
      .tuple(
        validArray({ ...s, minItems: Math.max(1, (s.minItems as number | undefined) ?? 0) }, validValue, hints, depth),
        fc.nat(),
        hostileValue(s.items as JsonSchema, hints, depth + 1),
      )
      .map(([items, at, value]) => items.map((item, i) => (i === at % items.length ? value : item)));
    return fc.oneof({ weight: 3, arbitrary: oneItem }, { weight: 1, arbitrary: wholly });
  }
  // A scalar: now and then a valid one, so a value next to the wrong one is still exercised.
  return fc.oneof({ weight: 1, arbitrary: validValue(s, hints, depth) }, { weight: 4, arbitrary: wholly });
}
