import { z } from 'zod';

/**
 * The `security` block of gateway.config.yaml: authentication, the built-in token issuer, partners,
 * plans and rate limits. Every field has a default so
 * `security: {}` (or no block at all) runs the embedded default: the built-in issuer, the demo
 * partner, in-memory rate limits.
 */

/** Asymmetric JWS algorithms only: `none` and HMAC are never accepted. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

const seconds = z.number().int().positive();

const limitSchema = z
  .object({
    /** Requests admitted per window. */
    points: z.number().int().positive(),
    /** The window, in seconds (fixed window, starting at the first request). */
    windowSeconds: seconds,
  })
  .strict();
export type LimitConfig = z.infer<typeof limitSchema>;

const authSchema = z
  .object({
    /** `iss` the gateway accepts (and the built-in issuer writes). AUTH_ISSUER overrides. */
    issuer: z.string().min(1).default('urn:concord:gateway'),
    /** `aud` the gateway accepts (and the built-in issuer writes). AUTH_AUDIENCE overrides. */
    audience: z.string().min(1).default('urn:concord:api'),
    /** An external identity provider's JWKS; when set, its tokens are verified instead of the built-in issuer's. AUTH_JWKS_URL overrides. */
    jwksUrl: z.url().optional(),
    algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS)).min(1).default(['RS256', 'PS256', 'ES256', 'EdDSA']),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    /** Tokens longer than this (in bytes of the compact serialization) are refused unparsed. */
    maxTokenBytes: z.number().int().min(256).max(65536).default(8192),
    /** A token whose `iat` is older than this is refused (optional). */
    maxTokenAgeSeconds: seconds.optional(),
    jwks: z
      .object({
        /** Background refresh period; keys are served stale when a refresh fails. */
        refreshIntervalMs: z.number().int().min(50).default(300_000),
        /** Minimum time between re-fetches triggered by an unknown `kid`. */
        cooldownMs: z.number().int().min(0).default(30_000),
        timeoutMs: z.number().int().min(50).default(5_000),
      })
      .strict()
      .default({ refreshIntervalMs: 300_000, cooldownMs: 30_000, timeoutMs: 5_000 }),
    /** Verified tokens are cached until they expire; this bounds the cache (LRU). */
    verifiedTokenCacheSize: z.number().int().min(0).default(10_000),
    /** Claims the client id is read from, first present wins. */
    clientIdClaims: z.array(z.string()).min(1).default(['client_id', 'azp', 'sub']),
    /** Plan for clients an external IdP vouches for but `partners` does not list; unset refuses them (403). */
    unknownClientPlan: z.string().optional(),
    /**
     * Contract security schemes the gateway cannot verify (http basic, mutualTLS, ...), by scheme
     * name. Without an entry such a scheme stops start-up; `not-accepted` serves the operation's
     * other alternatives and never satisfies one that needs it.
     */
    contractSchemes: z
      .record(z.string(), z.enum(['not-accepted']))
      .default({})
      .describe('Contract security schemes the gateway cannot verify, by name: not-accepted'),
  })
  .strict();

const issuerSchema = z
  .object({
    tokenTtlSeconds: seconds.max(86_400).default(3600),
    algorithm: z.enum(['ES256', 'RS256', 'EdDSA']).default('ES256'),
    /** Rotate the signing key this often; retired public keys stay published until their last token expires. */
    rotateEverySeconds: seconds.optional(),
    keyFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'PEM file of PKCS#8 private keys (relative to this config file) that every worker and replica signs with: the first signs, the others stay published and accepted. Rotate by putting a new key first and reloading; required with more than one worker or replica',
      ),
    lockout: z
      .object({
        failures: z.number().int().min(1).default(5).describe('Failed authentications in a row before a client id is locked'),
        baseSeconds: seconds.default(1).describe('The first lock; each further failure doubles it'),
        maxSeconds: seconds.default(900).describe('The longest lock'),
      })
      .strict()
      .prefault({})
      .describe('Per-client-id lockout on POST /oauth/token (shared through Redis when REDIS_URL is set)'),
    verification: z
      .object({
        concurrency: z
          .number()
          .int()
          .min(1)
          .default(2)
          .describe('scrypt verifications at once (libuv has 4 threads, shared with files and DNS)'),
        queueLimit: z
          .number()
          .int()
          .min(0)
          .default(64)
          .describe('Verifications waiting; past it the token endpoint answers 503 with Retry-After'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((issuer) => !(issuer.keyFile && issuer.rotateEverySeconds), {
    path: ['rotateEverySeconds'],
    message: 'keys from keyFile are rotated by the operator (a new key first in the file, then a reload); remove rotateEverySeconds',
  });

const hashedSecretSchema = z
  .string()
  .regex(
    /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/,
    'must be a hash from `concord partner add` or `concord partner rotate-secret`',
  );

const apiKeyHashSchema = z
  .string()
  .regex(/^sha256:[A-Za-z0-9_-]{43}$/, 'must be a hash from `concord partner add-key`, never the key itself');

const partnerSchema = z
  .object({
    clientId: z.string().regex(/^[A-Za-z0-9._~-]{3,128}$/),
    name: z.string().min(1),
    plan: z.string().min(1),
    /** API names (`customers`, `orders`, ...) the partner may call. */
    apis: z.array(z.string().min(1)).default([]),
    /** Scopes the partner may be granted. */
    scopes: z.array(z.string().min(1)).default([]),
    /** Hashed client secrets; more than one while a secret is being rotated. */
    secrets: z.array(hashedSecretSchema).default([]),
    /** Hashed API keys (for operations whose contract accepts an apiKey scheme); more than one while a key is being rotated. */
    apiKeys: z.array(apiKeyHashSchema).default([]),
    enabled: z.boolean().default(true),
  })
  .strict();
export type PartnerConfig = z.infer<typeof partnerSchema>;

const planSchema = z
  .object({
    rateLimit: limitSchema,
    /** A longer budget (e.g. per day), counted alongside the rate limit. */
    quota: limitSchema.optional(),
    /** Per-operation limits (by operationId) that replace `rateLimit` for that operation. */
    operations: z.record(z.string(), limitSchema).default({}),
  })
  .strict();
export type PlanConfig = z.infer<typeof planSchema>;

const rateLimitSchema = z
  .object({
    /** `auto`: Redis when the gateway has one (REDIS_URL), else memory. */
    store: z.enum(['auto', 'memory', 'redis']).default('auto'),
    keyPrefix: z.string().min(1).default('concord:rl'),
    /** When Redis is down: admit with a per-replica in-memory limiter (`fail-open`) or answer 503 (`fail-closed`). */
    onStoreDown: z.enum(['fail-open', 'fail-closed']).default('fail-open'),
    /** A Redis call slower than this counts as the store being down. */
    storeTimeoutMs: z.number().int().min(10).default(2000),
    /** Per client IP, for operations without a partner (public operations). */
    perIp: limitSchema.default({ points: 60, windowSeconds: 60 }),
    /** Per client IP on POST /oauth/token. */
    tokenEndpoint: limitSchema.default({ points: 20, windowSeconds: 60 }),
    /** Removed: kept only to say what replaces it (see the refinement below). */
    trustForwardedFor: z.unknown().optional().describe('Removed: use server.trustedProxies'),
  })
  .strict()
  .superRefine((rateLimit, ctx) => {
    if (rateLimit.trustForwardedFor !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['trustForwardedFor'],
        message:
          'is replaced by server.trustedProxies: list the addresses of the proxies in front of the gateway (e.g. trustedProxies: [10.0.0.0/8]); the client is then the rightmost X-Forwarded-For address that is not one of them',
      });
    }
  });

const demoSchema = z
  .object({
    /** Add the demo partner and print its credentials at start (refused when NODE_ENV=production). */
    enabled: z.boolean().default(true),
    clientId: z.string().default('demo-partner'),
    plan: z.string().default('demo'),
  })
  .strict();

const DEMO_PLAN_NAME = 'demo';
const DEMO_PLAN: PlanConfig = { rateLimit: { points: 100, windowSeconds: 60 }, operations: {} };

export const securityConfigSchema = z
  .object({
    auth: authSchema.default(authSchema.parse({})),
    issuer: issuerSchema.default(issuerSchema.parse({})),
    partners: z.array(partnerSchema).default([]),
    plans: z.record(z.string(), planSchema).default({}),
    rateLimit: rateLimitSchema.default(rateLimitSchema.parse({})),
    demo: demoSchema.default(demoSchema.parse({})),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    const keys = new Map<string, string>();
    config.partners.forEach((partner, index) => {
      partner.apiKeys.forEach((hash, k) => {
        const owner = keys.get(hash);
        if (owner !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['partners', index, 'apiKeys', k], message: `this API key is already ${owner}'s` });
        }
        keys.set(hash, partner.clientId);
      });
      if (seen.has(partner.clientId)) {
        ctx.addIssue({ code: 'custom', path: ['partners', index, 'clientId'], message: `duplicate clientId "${partner.clientId}"` });
      }
      seen.add(partner.clientId);
      if (!(partner.plan in config.plans) && partner.plan !== DEMO_PLAN_NAME) {
        ctx.addIssue({
          code: 'custom',
          path: ['partners', index, 'plan'],
          message: `unknown plan "${partner.plan}" (plans: ${Object.keys(config.plans).join(', ')})`,
        });
      }
    });
    if (config.auth.unknownClientPlan && !(config.auth.unknownClientPlan in config.plans)) {
      ctx.addIssue({ code: 'custom', path: ['auth', 'unknownClientPlan'], message: `unknown plan "${config.auth.unknownClientPlan}"` });
    }
    if (config.demo.enabled && config.demo.plan !== DEMO_PLAN_NAME && !(config.demo.plan in config.plans)) {
      ctx.addIssue({ code: 'custom', path: ['demo', 'plan'], message: `unknown plan "${config.demo.plan}"` });
    }
  })
  // The demo partner's default plan exists even when `plans` lists only real ones.
  .transform((config) => (config.plans[DEMO_PLAN_NAME] ? config : { ...config, plans: { ...config.plans, [DEMO_PLAN_NAME]: DEMO_PLAN } }));

export type SecurityConfig = z.infer<typeof securityConfigSchema>;
export type SecurityConfigInput = z.input<typeof securityConfigSchema>;

/** Applies AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE (parsed once into GatewayProcessEnv.auth). */
export function applySecurityEnv(
  config: SecurityConfig,
  env: { jwksUrl?: string | undefined; issuer?: string | undefined; audience?: string | undefined },
): SecurityConfig {
  const auth = { ...config.auth };
  if (env.jwksUrl) auth.jwksUrl = env.jwksUrl;
  if (env.issuer) auth.issuer = env.issuer;
  if (env.audience) auth.audience = env.audience;
  return { ...config, auth };
}
