import type { RuleCase } from './rule-cases-openapi.ts';
import { at, ops, params, prop, requestSchema, responseSchema, type Json } from './test-documents.ts';

const limit = (d: Json) => params(ops.list(d)).find((p) => p['name'] === 'limit') as Json;
const oauth = (tokenUrl: string, description = 'OAuth 2.') => ({
  type: 'oauth2',
  description,
  flows: { clientCredentials: { tokenUrl, scopes: { 'things:read': 'Read things.' } } },
});
const schemes = (d: Json) => at(d, 'components', 'securitySchemes');
const withSchemes: RuleCase['given'] = (d) =>
  void (d['components'] = {
    securitySchemes: { oauth2: oauth('https://auth.things.test/token'), bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  });

/** Fixture pairs for parameter serialization, readOnly/writeOnly across directions and security schemes. */
export const SERIALIZATION_SECURITY_CASES: RuleCase[] = [
  {
    id: 'request-parameter-serialization-changed',
    kind: 'openapi',
    triggers: (d) => void (limit(d)['explode'] = false),
    // Spelling out the default (query: style form, explode true) changes nothing on the wire.
    compatible: (d) => void Object.assign(limit(d), { style: 'form', explode: true }),
  },
  {
    id: 'request-parameter-empty-value-disallowed',
    kind: 'openapi',
    given: (d) => void (limit(d)['allowEmptyValue'] = true),
    triggers: (d) => delete limit(d)['allowEmptyValue'],
    compatible: (d) => void (limit(d)['description'] = 'Page size; may be empty.'),
  },
  {
    id: 'request-property-became-read-only',
    kind: 'openapi',
    triggers: (d) => void (prop(requestSchema(d), 'code')['readOnly'] = true),
    // writeOnly in a request is where it belongs: the request still carries it.
    compatible: (d) => void (prop(requestSchema(d), 'code')['writeOnly'] = true),
  },
  {
    id: 'response-property-became-write-only',
    kind: 'openapi',
    triggers: (d) => void (prop(responseSchema(d), 'nickname')['writeOnly'] = true),
    compatible: (d) => void (prop(responseSchema(d), 'nickname')['readOnly'] = true),
  },
  {
    id: 'security-scheme-changed',
    kind: 'openapi',
    given: withSchemes,
    triggers: (d) => void (schemes(d)['oauth2'] = oauth('https://login.things.test/oauth/token')),
    // A new description, or a change to a scheme no operation uses, asks nothing new of clients.
    compatible: (d) => {
      schemes(d)['oauth2'] = oauth('https://auth.things.test/token', 'OAuth 2 client credentials.');
      (schemes(d)['bearer'] as Json)['bearerFormat'] = 'opaque';
    },
  },
];
