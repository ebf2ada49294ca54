/**
 * The catalogue of contract-change rules. Ids are stable: CI configurations, PR comments and the
 * changelog quote them, so a rule is renamed only by adding a new id. The level is fixed per id;
 * where the same edit matters differently (deprecated with or without a sunset) there are two ids.
 *
 * Direction decides most levels: a request that accepts less breaks the clients that send it, a
 * response that may contain more breaks the clients that read it. A published event is a response
 * for its subscribers.
 */
export type Level = 'breaking' | 'warning' | 'info';
export const LEVELS: readonly Level[] = ['breaking', 'warning', 'info'];

export type RuleScope =
  | 'contract'
  | 'operation'
  | 'parameter'
  | 'request body'
  | 'request schema'
  | 'response'
  | 'response schema'
  | 'schema'
  | 'security'
  | 'event';

export interface Rule {
  id: string;
  level: Level;
  scope: RuleScope;
  explanation: string;
}

export const RULES = [
  // Versioning policy, checked by `diff --base` across the repository.
  {
    id: 'policy-breaking-change-needs-new-version',
    level: 'breaking',
    scope: 'contract',
    explanation: 'A published major version changed incompatibly; ship the change as a new version file (customers.v3.yaml) instead.',
  },
  {
    id: 'policy-version-removed-before-sunset',
    level: 'breaking',
    scope: 'contract',
    explanation: 'A version file was removed before its sunset date in gateway/gateway.config.yaml (or it has none).',
  },
  {
    id: 'version-removed-after-sunset',
    level: 'info',
    scope: 'contract',
    explanation: 'A version file was removed after its sunset date passed.',
  },
  { id: 'version-added', level: 'info', scope: 'contract', explanation: 'A new contract or major version file was added.' },

  // Paths and operations.
  { id: 'path-removed', level: 'breaking', scope: 'operation', explanation: 'A path and every operation on it were removed.' },
  { id: 'path-added', level: 'info', scope: 'operation', explanation: 'A new path was added.' },
  {
    id: 'operation-removed',
    level: 'breaking',
    scope: 'operation',
    explanation: 'An operation was removed from a path that still exists.',
  },
  { id: 'operation-added', level: 'info', scope: 'operation', explanation: 'A new operation was added to an existing path.' },
  {
    id: 'operation-id-changed',
    level: 'warning',
    scope: 'operation',
    explanation: 'The operationId changed: generated clients rename the method and policies attached to it detach.',
  },
  {
    id: 'operation-deprecated',
    level: 'info',
    scope: 'operation',
    explanation: 'An operation was marked deprecated, without a sunset date.',
  },
  {
    id: 'operation-deprecated-with-sunset',
    level: 'warning',
    scope: 'operation',
    explanation: 'An operation was marked deprecated with a sunset date (`x-sunset`): clients must migrate by then.',
  },

  // Parameters (always sent by the client, so always request direction).
  {
    id: 'request-parameter-added-required',
    level: 'breaking',
    scope: 'parameter',
    explanation: 'A new required parameter: existing requests lack it.',
  },
  { id: 'request-parameter-added-optional', level: 'info', scope: 'parameter', explanation: 'A new optional parameter.' },
  { id: 'request-parameter-made-required', level: 'breaking', scope: 'parameter', explanation: 'An optional parameter became required.' },
  { id: 'request-parameter-made-optional', level: 'info', scope: 'parameter', explanation: 'A required parameter became optional.' },
  {
    id: 'request-parameter-removed',
    level: 'breaking',
    scope: 'parameter',
    explanation: 'A parameter was removed: clients still sending it are rejected or silently ignored.',
  },
  {
    id: 'request-parameter-renamed',
    level: 'breaking',
    scope: 'parameter',
    explanation: 'A query, header or cookie parameter was renamed (same location and schema, new name).',
  },
  {
    id: 'request-path-parameter-renamed',
    level: 'info',
    scope: 'parameter',
    explanation: 'A path parameter was renamed: the URL clients send is unchanged.',
  },
  {
    id: 'request-parameter-location-changed',
    level: 'breaking',
    scope: 'parameter',
    explanation: 'A parameter moved to another location (e.g. from query to header).',
  },
  { id: 'request-parameter-deprecated', level: 'info', scope: 'parameter', explanation: 'A parameter was marked deprecated.' },
  {
    id: 'request-parameter-serialization-changed',
    level: 'breaking',
    scope: 'parameter',
    explanation: "A parameter's `style` or `explode` changed: the same value is now written differently (`ids=1,2` vs `ids=1&ids=2`).",
  },
  {
    id: 'request-parameter-empty-value-disallowed',
    level: 'breaking',
    scope: 'parameter',
    explanation: 'A query parameter no longer allows an empty value (`allowEmptyValue` removed): `?flag=` is rejected.',
  },

  // Request bodies and media types.
  {
    id: 'request-body-added-required',
    level: 'breaking',
    scope: 'request body',
    explanation: 'An operation without a request body now requires one.',
  },
  {
    id: 'request-body-added-optional',
    level: 'info',
    scope: 'request body',
    explanation: 'An operation accepts a new, optional request body.',
  },
  { id: 'request-body-made-required', level: 'breaking', scope: 'request body', explanation: 'An optional request body became required.' },
  {
    id: 'request-body-removed',
    level: 'warning',
    scope: 'request body',
    explanation: 'The request body was removed: what clients send is now ignored or rejected.',
  },
  {
    id: 'request-media-type-removed',
    level: 'breaking',
    scope: 'request body',
    explanation: 'A request media type is no longer accepted.',
  },
  { id: 'request-media-type-added', level: 'info', scope: 'request body', explanation: 'A new request media type is accepted.' },

  // Request schemas (bodies, parameters, consumed events): accepting less is breaking.
  {
    id: 'request-property-added-required',
    level: 'breaking',
    scope: 'request schema',
    explanation: 'A new required request property: existing requests lack it.',
  },
  { id: 'request-property-added-optional', level: 'info', scope: 'request schema', explanation: 'A new optional request property.' },
  {
    id: 'request-property-made-required',
    level: 'breaking',
    scope: 'request schema',
    explanation: 'An optional request property became required.',
  },
  {
    id: 'request-property-made-optional',
    level: 'info',
    scope: 'request schema',
    explanation: 'A required request property became optional.',
  },
  {
    id: 'request-property-removed',
    level: 'breaking',
    scope: 'request schema',
    explanation: 'A request property was removed: clients still sending it are rejected or silently ignored.',
  },
  {
    id: 'request-type-changed',
    level: 'breaking',
    scope: 'request schema',
    explanation: "A request value's type was narrowed or changed: values clients send may be rejected.",
  },
  { id: 'request-type-widened', level: 'info', scope: 'request schema', explanation: 'A request value accepts more types.' },
  {
    id: 'request-enum-value-removed',
    level: 'breaking',
    scope: 'request schema',
    explanation: 'A request enum lost a value (or an enum was introduced).',
  },
  { id: 'request-enum-value-added', level: 'info', scope: 'request schema', explanation: 'A request enum accepts a new value.' },
  {
    id: 'request-max-lowered',
    level: 'breaking',
    scope: 'request schema',
    explanation: 'A request maximum (value, length, items, properties) was lowered or added.',
  },
  {
    id: 'request-min-raised',
    level: 'breaking',
    scope: 'request schema',
    explanation: 'A request minimum (value, length, items, properties) was raised or added.',
  },
  { id: 'request-pattern-added', level: 'breaking', scope: 'request schema', explanation: 'A request string must now match a pattern.' },
  {
    id: 'request-pattern-changed',
    level: 'warning',
    scope: 'request schema',
    explanation: 'A request pattern changed: it may reject values the old one accepted.',
  },
  {
    id: 'request-format-changed',
    level: 'breaking',
    scope: 'request schema',
    explanation: "A request string's format was added or changed.",
  },
  {
    id: 'request-constraint-relaxed',
    level: 'info',
    scope: 'request schema',
    explanation: 'A request constraint (bound, pattern, format) was relaxed or removed.',
  },
  {
    id: 'request-alternative-removed',
    level: 'breaking',
    scope: 'request schema',
    explanation: 'A oneOf/anyOf alternative of a request was removed.',
  },
  {
    id: 'request-alternative-added',
    level: 'info',
    scope: 'request schema',
    explanation: 'A request accepts a new oneOf/anyOf alternative.',
  },
  {
    id: 'request-additional-properties-restricted',
    level: 'breaking',
    scope: 'request schema',
    explanation: 'A request object no longer accepts properties it does not list (`additionalProperties: false`).',
  },
  {
    id: 'request-default-changed',
    level: 'warning',
    scope: 'request schema',
    explanation: 'A request default changed: clients that omit the value get different behaviour.',
  },

  // Responses.
  { id: 'response-success-status-removed', level: 'breaking', scope: 'response', explanation: 'A 1xx/2xx/3xx response was removed.' },
  {
    id: 'response-error-status-removed',
    level: 'warning',
    scope: 'response',
    explanation: 'A 4xx/5xx or default response was removed from the contract.',
  },
  {
    id: 'response-success-status-added',
    level: 'warning',
    scope: 'response',
    explanation: 'A new 1xx/2xx/3xx response: clients may not handle it.',
  },
  { id: 'response-error-status-added', level: 'info', scope: 'response', explanation: 'A new 4xx/5xx or default response was documented.' },
  { id: 'response-media-type-removed', level: 'breaking', scope: 'response', explanation: 'A response media type is no longer produced.' },
  { id: 'response-media-type-added', level: 'info', scope: 'response', explanation: 'A response may be produced in a new media type.' },
  { id: 'response-header-removed', level: 'breaking', scope: 'response', explanation: 'A response header is no longer sent.' },
  { id: 'response-header-added', level: 'info', scope: 'response', explanation: 'A new response header.' },

  // Response schemas (responses, published events): producing more is breaking.
  { id: 'response-property-removed', level: 'breaking', scope: 'response schema', explanation: 'A response property was removed.' },
  {
    id: 'request-property-became-read-only',
    level: 'breaking',
    scope: 'request schema',
    explanation: 'A request property became `readOnly`: clients that send it are rejected or silently ignored.',
  },
  {
    id: 'response-property-became-write-only',
    level: 'breaking',
    scope: 'response schema',
    explanation: 'A response property became `writeOnly`: it is no longer returned to clients that read it.',
  },
  {
    id: 'response-property-made-optional',
    level: 'breaking',
    scope: 'response schema',
    explanation: 'A required response property became optional: clients may not find it.',
  },
  {
    id: 'response-property-added',
    level: 'info',
    scope: 'response schema',
    explanation: 'A new response property (clients must ignore fields they do not know).',
  },
  {
    id: 'response-property-made-required',
    level: 'info',
    scope: 'response schema',
    explanation: 'An optional response property is now always present.',
  },
  {
    id: 'response-type-changed',
    level: 'breaking',
    scope: 'response schema',
    explanation: 'A response value may now have a type it could not have before.',
  },
  { id: 'response-type-narrowed', level: 'info', scope: 'response schema', explanation: 'A response value has fewer possible types.' },
  {
    id: 'response-enum-value-added',
    level: 'breaking',
    scope: 'response schema',
    explanation: 'A response enum gained a value (or lost its enum) that clients do not know.',
  },
  {
    id: 'response-enum-value-removed',
    level: 'breaking',
    scope: 'response schema',
    explanation:
      "A response enum lost a value: code written against the old list (a generated SDK's union type, a switch over it) no longer compiles, and a client waiting for that value waits for ever.",
  },
  {
    id: 'response-format-changed',
    level: 'warning',
    scope: 'response schema',
    explanation: "A response string's format changed or was removed: parsers relying on it may fail.",
  },
  {
    id: 'response-constraint-relaxed',
    level: 'warning',
    scope: 'response schema',
    explanation: 'A response bound or pattern was relaxed: values may exceed what clients expect.',
  },
  {
    id: 'response-constraint-tightened',
    level: 'info',
    scope: 'response schema',
    explanation: 'A response bound, pattern or format was tightened or added.',
  },
  {
    id: 'response-alternative-added',
    level: 'breaking',
    scope: 'response schema',
    explanation: 'A response may be a new oneOf/anyOf alternative that clients do not know.',
  },
  {
    id: 'response-alternative-removed',
    level: 'info',
    scope: 'response schema',
    explanation: 'A oneOf/anyOf alternative is no longer produced.',
  },
  { id: 'response-default-changed', level: 'info', scope: 'response schema', explanation: 'A response default changed.' },

  // Either direction.
  { id: 'property-deprecated', level: 'info', scope: 'schema', explanation: 'A property was marked deprecated, without a sunset date.' },
  {
    id: 'property-deprecated-with-sunset',
    level: 'warning',
    scope: 'schema',
    explanation: 'A property was marked deprecated with a sunset date (`x-sunset`).',
  },

  // Security.
  {
    id: 'security-scheme-added',
    level: 'breaking',
    scope: 'security',
    explanation: 'An operation requires a security scheme it did not require before.',
  },
  {
    id: 'security-scope-added',
    level: 'breaking',
    scope: 'security',
    explanation: 'An operation requires a scope existing tokens may lack.',
  },
  {
    id: 'security-scheme-changed',
    level: 'breaking',
    scope: 'security',
    explanation:
      'A security scheme an operation uses changed how clients authenticate: its type, HTTP scheme, bearer format, API key name or location, OpenID Connect URL, an OAuth flow or its token/authorization URL.',
  },
  { id: 'security-scheme-removed', level: 'info', scope: 'security', explanation: 'An operation no longer requires a security scheme.' },
  { id: 'security-scope-removed', level: 'info', scope: 'security', explanation: 'An operation no longer requires a scope.' },

  // AsyncAPI channels and messages (payloads use the schema rules above).
  { id: 'channel-removed', level: 'breaking', scope: 'event', explanation: 'An AsyncAPI channel was removed.' },
  { id: 'channel-added', level: 'info', scope: 'event', explanation: 'A new AsyncAPI channel.' },
  { id: 'channel-address-changed', level: 'breaking', scope: 'event', explanation: "A channel's address (the NATS subject) changed." },
  { id: 'message-removed', level: 'breaking', scope: 'event', explanation: 'A message was removed from a channel.' },
  { id: 'message-added', level: 'info', scope: 'event', explanation: 'A new message on a channel.' },
] as const satisfies readonly Rule[];

export type RuleId = (typeof RULES)[number]['id'];

const BY_ID = new Map<string, Rule>(RULES.map((r) => [r.id, r]));

export function ruleById(id: RuleId): Rule {
  const rule = BY_ID.get(id);
  if (!rule) throw new Error(`unknown rule ${id}`);
  return rule;
}
