import type { Edit, RuleCase } from './rule-cases-openapi.ts';
import { at, prop, requestSchema, responseSchema, type Json } from './test-documents.ts';

const none: Edit = () => {};
const req =
  (name: string, change: (p: Json) => void): Edit =>
  (d) =>
    change(prop(requestSchema(d), name));
const res =
  (name: string, change: (p: Json) => void): Edit =>
  (d) =>
    change(prop(responseSchema(d), name));
const set = (key: string, value: unknown) => (p: Json) => void (p[key] = value);
const unset = (key: string) => (p: Json) => void delete p[key];
const required =
  (schema: (d: Json) => Json, change: (list: string[]) => string[]): Edit =>
  (d) => {
    const s = schema(d);
    s['required'] = change(s['required'] as string[]);
  };
const addProp =
  (schema: (d: Json) => Json, name: string, isRequired: boolean): Edit =>
  (d) => {
    at(schema(d), 'properties')[name] = { type: 'number' };
    if (isRequired) (schema(d)['required'] as string[]).push(name);
  };
const alternatives = (schema: (d: Json) => Json) => (d: Json) => at(schema(d), 'properties', 'shape')['oneOf'] as Json[];
const triangle = { type: 'object', required: ['kind', 'base'], properties: { kind: { const: 'triangle' }, base: { type: 'number' } } };
const reorder =
  (schema: (d: Json) => Json): Edit =>
  (d) =>
    void alternatives(schema)(d).reverse();

export const SCHEMA_CASES: RuleCase[] = [
  // Request schemas: accepting less is breaking.
  {
    id: 'request-property-added-required',
    kind: 'openapi',
    triggers: addProp(requestSchema, 'weight', true),
    compatible: addProp(requestSchema, 'weight', false),
  },
  { id: 'request-property-added-optional', kind: 'openapi', triggers: addProp(requestSchema, 'weight', false), compatible: none },
  {
    id: 'request-property-made-required',
    kind: 'openapi',
    triggers: required(requestSchema, (r) => [...r, 'color']),
    compatible: req('color', set('description', 'The colour.')),
  },
  { id: 'request-property-made-optional', kind: 'openapi', triggers: required(requestSchema, () => []), compatible: none },
  {
    id: 'request-property-removed',
    kind: 'openapi',
    triggers: (d) => delete at(requestSchema(d), 'properties')['code'],
    compatible: req('code', set('description', 'A code.')),
  },
  {
    id: 'request-type-changed',
    kind: 'openapi',
    triggers: req('size', set('type', 'string')),
    compatible: req('size', set('type', 'number')),
  },
  {
    id: 'request-type-widened',
    kind: 'openapi',
    triggers: req('size', set('type', 'number')),
    compatible: req('size', set('type', ['integer'])),
  },
  {
    id: 'request-enum-value-removed',
    kind: 'openapi',
    triggers: req('color', set('enum', ['red'])),
    compatible: req('color', set('enum', ['green', 'red', 'blue'])),
  },
  {
    id: 'request-enum-value-added',
    kind: 'openapi',
    triggers: req('color', set('enum', ['red', 'green', 'blue'])),
    compatible: req('color', set('enum', ['green', 'red'])),
  },
  {
    id: 'request-max-lowered',
    kind: 'openapi',
    triggers: req('name', set('maxLength', 50)),
    compatible: req('name', set('maxLength', 200)),
  },
  { id: 'request-min-raised', kind: 'openapi', triggers: req('size', set('minimum', 1)), compatible: req('size', set('minimum', -1)) },
  {
    id: 'request-pattern-added',
    kind: 'openapi',
    triggers: req('code', set('pattern', '^[A-Z]+$')),
    compatible: req('code', set('description', 'A code.')),
  },
  {
    id: 'request-pattern-changed',
    kind: 'openapi',
    given: req('code', set('pattern', '^[A-Z]+$')),
    triggers: req('code', set('pattern', '^[A-Z0-9]+$')),
    compatible: req('code', unset('pattern')),
  },
  { id: 'request-format-changed', kind: 'openapi', triggers: req('email', set('format', 'email')), compatible: none },
  {
    id: 'request-constraint-relaxed',
    kind: 'openapi',
    triggers: req('name', set('maxLength', 200)),
    compatible: req('name', set('maxLength', 50)),
  },
  {
    id: 'request-alternative-removed',
    kind: 'openapi',
    triggers: (d) => void alternatives(requestSchema)(d).pop(),
    compatible: reorder(requestSchema),
  },
  {
    id: 'request-alternative-added',
    kind: 'openapi',
    triggers: (d) => void alternatives(requestSchema)(d).push(structuredClone(triangle)),
    compatible: reorder(requestSchema),
  },
  {
    id: 'request-additional-properties-restricted',
    kind: 'openapi',
    given: (d) => delete requestSchema(d)['additionalProperties'],
    triggers: (d) => void (requestSchema(d)['additionalProperties'] = false),
    compatible: (d) => void (requestSchema(d)['additionalProperties'] = true),
  },
  {
    id: 'request-default-changed',
    kind: 'openapi',
    triggers: req('size', set('default', 2)),
    compatible: req('size', set('description', 'How big.')),
  },

  // Response schemas: producing more is breaking.
  {
    id: 'response-property-removed',
    kind: 'openapi',
    triggers: (d) => delete at(responseSchema(d), 'properties')['nickname'],
    compatible: addProp(responseSchema, 'weight', false),
  },
  {
    id: 'response-property-made-optional',
    kind: 'openapi',
    triggers: required(responseSchema, (r) => r.filter((n) => n !== 'name')),
    compatible: required(responseSchema, (r) => [...r, 'nickname']),
  },
  { id: 'response-property-added', kind: 'openapi', triggers: addProp(responseSchema, 'weight', false), compatible: none },
  {
    id: 'response-property-made-required',
    kind: 'openapi',
    triggers: required(responseSchema, (r) => [...r, 'nickname']),
    compatible: none,
  },
  {
    id: 'response-type-changed',
    kind: 'openapi',
    triggers: res('size', set('type', ['integer', 'null'])),
    compatible: res('size', set('type', ['integer'])),
  },
  {
    id: 'response-type-narrowed',
    kind: 'openapi',
    given: res('nickname', set('type', ['string', 'null'])),
    triggers: res('nickname', set('type', 'string')),
    compatible: none,
  },
  {
    id: 'response-enum-value-added',
    kind: 'openapi',
    triggers: res('status', set('enum', ['active', 'archived', 'deleted'])),
    // The same values in another order (a removed one is breaking too: response-enum-value-removed).
    compatible: res('status', set('enum', ['archived', 'active'])),
  },
  { id: 'response-enum-value-removed', kind: 'openapi', triggers: res('status', set('enum', ['active'])), compatible: none },
  { id: 'response-format-changed', kind: 'openapi', triggers: res('created_at', set('format', 'date')), compatible: none },
  {
    id: 'response-constraint-relaxed',
    kind: 'openapi',
    triggers: res('name', set('maxLength', 200)),
    compatible: res('name', set('maxLength', 50)),
  },
  {
    id: 'response-constraint-tightened',
    kind: 'openapi',
    triggers: res('name', set('maxLength', 50)),
    compatible: res('name', set('maxLength', 200)),
  },
  {
    id: 'response-alternative-added',
    kind: 'openapi',
    triggers: (d) => void alternatives(responseSchema)(d).push(structuredClone(triangle)),
    compatible: reorder(responseSchema),
  },
  {
    id: 'response-alternative-removed',
    kind: 'openapi',
    triggers: (d) => void alternatives(responseSchema)(d).pop(),
    compatible: reorder(responseSchema),
  },
  { id: 'response-default-changed', kind: 'openapi', triggers: res('size', set('default', 5)), compatible: none },

  {
    id: 'property-deprecated',
    kind: 'openapi',
    triggers: res('nickname', set('deprecated', true)),
    compatible: res('nickname', (p) => Object.assign(p, { deprecated: true, 'x-sunset': '2027-01-01' })),
  },
  {
    id: 'property-deprecated-with-sunset',
    kind: 'openapi',
    triggers: res('nickname', (p) => Object.assign(p, { deprecated: true, 'x-sunset': '2027-01-01' })),
    compatible: res('nickname', set('deprecated', true)),
  },
];
