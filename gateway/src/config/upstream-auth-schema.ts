/**
 * `upstreams.<name>.auth`: the gateway's own credential for a system API that wants one (a
 * third-party or legacy API). The partner's credential never goes upstream; this one does, on every
 * attempt. Secrets are references (`{ env }` or `{ file }`, see secret.ts), never inline.
 */
import { z } from 'zod';
import { GATEWAY_SET_HEADERS } from '../upstream/credential-headers.ts';
import { secretSourceSchema } from './secret.ts';

/** RFC 9110 token characters: what a header field name may be made of. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const headerAuthSchema = z
  .object({
    type: z.literal('header'),
    name: z
      .string()
      .regex(HEADER_NAME, 'must be a header field name')
      .refine((n) => !GATEWAY_SET_HEADERS.has(n.toLowerCase()), 'is a header the gateway sets itself')
      .describe('The header the upstream reads its key from, e.g. X-Api-Key or Authorization'),
    value: secretSourceSchema.describe('The whole header value (include a scheme such as "Token " if the upstream wants one)'),
  })
  .strict();

const basicAuthSchema = z
  .object({
    type: z.literal('basic'),
    // RFC 7617: the user-id may not contain a colon. Not a secret by itself, so it may be inline.
    username: z
      .string()
      .min(1)
      .refine((u) => !u.includes(':'), 'may not contain ":"')
      .or(secretSourceSchema)
      .describe('User name: inline, or { env } / { file }'),
    password: secretSourceSchema,
  })
  .strict();

const loopbackHost = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

const clientCredentialsSchema = z
  .object({
    type: z.literal('oauth2ClientCredentials'),
    tokenUrl: z
      .url({ protocol: /^https?$/ })
      .refine((u) => u.startsWith('https:') || loopbackHost(new URL(u)), 'must be https (plain http only to a loopback host)')
      .describe('The token endpoint (RFC 6749 section 4.4)'),
    clientId: z.string().min(1).or(secretSourceSchema).describe('Client id: inline, or { env } / { file }'),
    clientSecret: secretSourceSchema,
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope token')).default([]),
    /** Some providers (Auth0, Okta custom servers) want the API named in the request. */
    audience: z.string().min(1).optional(),
    clientAuthentication: z
      .enum(['basic', 'post'])
      .default('basic')
      .describe('client_secret_basic (HTTP Basic) or client_secret_post (in the form body)'),
    refreshBeforeExpirySeconds: z
      .number()
      .int()
      .min(0)
      .default(60)
      .describe('Fetch the next token this long before the current one expires (at most half its lifetime)'),
    timeoutMs: z.number().int().positive().default(5_000).describe('Whole token request; a slower answer is 502 upstream-auth-failed'),
  })
  .strict();

export const upstreamAuthSchema = z
  .discriminatedUnion('type', [headerAuthSchema, basicAuthSchema, clientCredentialsSchema])
  .describe("The gateway's own credential for this upstream: header, basic or oauth2ClientCredentials");

export type UpstreamAuthConfig = z.infer<typeof upstreamAuthSchema>;
export type HeaderAuthConfig = z.infer<typeof headerAuthSchema>;
export type BasicAuthConfig = z.infer<typeof basicAuthSchema>;
export type ClientCredentialsConfig = z.infer<typeof clientCredentialsSchema>;
