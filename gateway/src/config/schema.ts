/**
 * The schema of gateway.config.yaml, defined once: zod validates it at start-up and on reload, and
 * `z.toJSONSchema` publishes it (gateway.config.schema.json) so editors complete and check it.
 *
 * Shape: KrakenD-like (everything about one public API version in one `apis` item), Zuplo-like
 * (policies attach per operationId under `operations`), Envoy-Gateway-like (policies split by
 * concern: validation, upstream, limits, cors, and the security/resilience/observability blocks).
 */
import { z } from 'zod';
import { openApiContracts } from '@concord/contracts/generated/index.ts';
import { observabilityConfigSchema, resilienceConfigSchema } from './resilience-schema.ts';
import { securityConfigSchema } from './security-schema.ts';
import { stackConfigSchema } from './stack-schema.ts';
import { HEADER_NAME, upstreamAuthSchema } from './upstream-auth-schema.ts';
import { CREDENTIAL_HEADERS } from '../upstream/credential-headers.ts';
import { parseCidr } from '../listener/trusted-proxies.ts';

export const CONTRACT_IDS = Object.keys(openApiContracts).sort() as [string, ...string[]];
/** Adapter names the gateway knows; see src/adapters and docs/adapters.md. */
export const ADAPTER_NAMES = ['customers-v1-from-v2'] as const;
export type AdapterName = (typeof ADAPTER_NAMES)[number];
/** The public contract each adapter serves; checked here so a wrong pairing names its line. */
const ADAPTER_CONTRACTS: Record<(typeof ADAPTER_NAMES)[number], string[]> = { 'customers-v1-from-v2': ['customers.v1'] };

const isoDate = z.iso
  .date()
  .or(z.iso.datetime({ offset: true }))
  .describe('ISO 8601 date (2026-01-31) or date-time with offset');
const positiveMs = z.number().int().positive();

export const validationModeSchema = z.enum(['off', 'report', 'enforce']).describe('off: skip; report: log and count; enforce: refuse');
export type ValidationMode = z.infer<typeof validationModeSchema>;

/** Policies attach to an API (every operation) and are overridden per operationId, member by member. */
export const policiesSchema = z
  .object({
    validation: z
      .object({
        request: validationModeSchema.describe('Requests that break the contract: enforce answers 400/415 (default enforce)'),
        response: validationModeSchema.describe('Upstream responses that break the contract: enforce answers 502 (default report)'),
        maxValidatedBytes: z
          .number()
          .int()
          .positive()
          .describe(
            'Largest upstream JSON body buffered to validate or adapt (default 1048576). Over it: streamed unvalidated and counted under report; 502 with an adapter or under enforce',
          ),
      })
      .partial()
      .strict(),
    timeoutMs: positiveMs.describe('Whole upstream call, from sending to the response headers; overrides the upstream default'),
    bodyLimitBytes: z.number().int().positive().describe('Largest request body accepted (413 above it)'),
    public: z.boolean().describe('Served without authentication on purpose'),
  })
  .partial()
  .strict();
export type PoliciesConfig = z.infer<typeof policiesSchema>;

export const corsSchema = z
  .object({
    allowOrigins: z.array(z.string().min(1)).min(1).describe('Exact origins (https://app.example) or "*"'),
    allowHeaders: z.array(z.string().min(1)).default(['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'traceparent']),
    exposeHeaders: z
      .array(z.string().min(1))
      .default([
        'x-request-id',
        'traceparent',
        'location',
        'deprecation',
        'sunset',
        'link',
        'ratelimit',
        'ratelimit-policy',
        'retry-after',
      ]),
    allowCredentials: z.boolean().default(false),
    maxAgeSeconds: z.number().int().nonnegative().default(600),
  })
  .strict();
export type CorsConfig = z.infer<typeof corsSchema>;

export const lifecycleSchema = z
  .object({
    status: z.enum(['current', 'deprecated', 'retired']),
    deprecation: isoDate.optional().describe('When the version was deprecated (Deprecation header, RFC 9745)'),
    sunset: isoDate.optional().describe('When the version stops answering (Sunset header, RFC 8594); 410 after it'),
    successor: z.enum(CONTRACT_IDS).optional().describe('The contract id that replaces this version (Link rel="successor-version")'),
  })
  .strict();
export type LifecycleConfig = z.infer<typeof lifecycleSchema>;

export const apiSchema = z
  .object({
    contract: z.enum(CONTRACT_IDS).describe('Contract id in contracts/generated (openApiContracts)'),
    basePath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, 'must start with / and have no trailing /, e.g. /v1')
      .describe('Public path prefix of the contract paths, e.g. /v2'),
    upstream: z.string().min(1).describe('A key of `upstreams`'),
    adapter: z.enum(ADAPTER_NAMES).optional().describe("Serve this version from another version's system API"),
    lifecycle: lifecycleSchema.default({ status: 'current' }),
    cors: corsSchema.optional(),
    policies: policiesSchema.default({}),
    operations: z
      .record(z.string(), z.object({ policies: policiesSchema.default({}) }).strict())
      .default({})
      .describe('Overrides by operationId'),
  })
  .strict();
export type ApiConfig = z.infer<typeof apiSchema>;

export const upstreamSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).describe('Base URL of the system API; a path in it prefixes every contract path'),
    connectTimeoutMs: positiveMs.default(2_000),
    timeoutMs: positiveMs.default(10_000).describe('Default whole-call timeout (504 after it)'),
    connections: z.number().int().positive().default(64).describe('Keep-alive connections in the pool'),
    keepAliveTimeoutMs: positiveMs.default(4_000),
    forwardHeaders: z
      .array(
        z
          .string()
          .regex(HEADER_NAME, 'must be a header field name')
          .refine(
            (h) => !CREDENTIAL_HEADERS.has(h.toLowerCase()),
            "carries the client's credentials, which never go upstream; give the upstream its own with `auth`",
          ),
      )
      .default([])
      .describe('Request headers forwarded in addition to the built-in allow-list (never authorization, cookie, proxy-authorization)'),
    auth: upstreamAuthSchema.optional(),
  })
  .strict();
export type UpstreamConfig = z.infer<typeof upstreamSchema>;

export const adminListenerSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8081).describe('The operator listener: /metrics, /readyz (ADMIN_PORT overrides)'),
    hostname: z.string().min(1).default('127.0.0.1').describe('Loopback by default: operator endpoints are not for the internet'),
    publicOperatorEndpoints: z
      .boolean()
      .optional()
      .describe('Also serve /metrics and /readyz on the public port; default: outside NODE_ENV=production only'),
  })
  .strict();

export const serverSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8080),
    shutdownGraceMs: positiveMs.default(10_000).describe('How long in-flight requests may finish on shutdown or reload'),
    watchConfig: z.boolean().default(true).describe('Reload when the config file changes (SIGHUP always reloads)'),
    headersTimeoutMs: positiveMs
      .default(10_000)
      .describe('A client must send its request headers within this long, or its socket is closed (slowloris)'),
    requestTimeoutMs: positiveMs.default(30_000).describe('A client must send its whole request within this long (408 after it)'),
    keepAliveTimeoutMs: positiveMs.default(5_000).describe('An idle keep-alive connection is closed after this long'),
    maxConnections: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Open client connections at most; default: the file-descriptor limit minus a reserve for upstream calls'),
    maxConnectionsPerIp: z
      .number()
      .int()
      .positive()
      .default(256)
      .describe('Open connections at most from one client address (trusted proxies are exempt)'),
    trustedProxies: z
      .array(
        z.string().superRefine((range, ctx) => {
          const parsed = parseCidr(range);
          if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
        }),
      )
      .default([])
      .describe('Proxies (CIDR) whose X-Forwarded-For / Forwarded is believed: the client is the rightmost address not in them'),
    admin: adminListenerSchema.prefault({}),
    workers: z
      .union([z.number().int().min(1).max(1024), z.literal('auto')])
      .default(1)
      .describe(
        'Processes serving the port (node:cluster); auto: one per available core. More than 1 needs REDIS_URL and, with the built-in issuer, security.issuer.keyFile',
      ),
    replicas: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe(
        'Gateway instances (machines, containers) that serve this config side by side. More than 1 needs REDIS_URL and, with the built-in issuer, security.issuer.keyFile',
      ),
  })
  .strict();

export const gatewayConfigSchema = z
  .object({
    $schema: z.string().optional(),
    server: serverSchema.prefault({}),
    upstreams: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and -'), upstreamSchema),
    defaults: z
      .object({ policies: policiesSchema.default({}) })
      .strict()
      .default({ policies: {} })
      .describe('Policies of every API'),
    apis: z.array(apiSchema).min(1),
    // Defaulted here, once: every consumer reads a complete block.
    security: securityConfigSchema.prefault({}),
    resilience: resilienceConfigSchema.prefault({}),
    observability: observabilityConfigSchema.prefault({}),
    stack: stackConfigSchema.prefault({}).describe('What npm start runs beside the gateway; the gateway alone ignores it'),
  })
  .strict()
  .superRefine(checkReferences);

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** What a JSON Schema cannot say: names that must refer to each other. */
function checkReferences(config: { upstreams: Record<string, UpstreamConfig>; apis: ApiConfig[] }, ctx: z.RefinementCtx): void {
  const contractsServed = new Set(config.apis.map((a) => a.contract));
  const seenPrefix = new Map<string, number>();
  // METHOD + public path (parameter names erased) -> the API item serving it.
  const served = new Map<string, number>();
  config.apis.forEach((api, i) => {
    if (!(api.upstream in config.upstreams)) {
      ctx.addIssue({
        code: 'custom',
        path: ['apis', i, 'upstream'],
        message: `unknown upstream "${api.upstream}"; define it under upstreams (${Object.keys(config.upstreams).join(', ')})`,
      });
    }
    const document = openApiContracts[api.contract];
    const operationIds = new Set(
      Object.values(document?.paths ?? {}).flatMap((item) => Object.values(item).map((op) => (op as { operationId?: string }).operationId)),
    );
    for (const id of Object.keys(api.operations)) {
      if (!operationIds.has(id))
        ctx.addIssue({ code: 'custom', path: ['apis', i, 'operations', id], message: `${api.contract} has no operation "${id}"` });
    }
    if (api.adapter && !ADAPTER_CONTRACTS[api.adapter].includes(api.contract)) {
      ctx.addIssue({
        code: 'custom',
        path: ['apis', i, 'adapter'],
        message: `${api.adapter} serves ${ADAPTER_CONTRACTS[api.adapter].join(', ')}, not ${api.contract}`,
      });
    }
    const { status, deprecation, sunset, successor } = api.lifecycle;
    if (status === 'deprecated' && (!deprecation || !sunset)) {
      ctx.addIssue({
        code: 'custom',
        path: ['apis', i, 'lifecycle'],
        message: 'a deprecated version needs both `deprecation` and `sunset` dates',
      });
    }
    if (deprecation && sunset && Date.parse(sunset) <= Date.parse(deprecation)) {
      ctx.addIssue({ code: 'custom', path: ['apis', i, 'lifecycle', 'sunset'], message: 'must be after the deprecation date' });
    }
    if (successor && !contractsServed.has(successor)) {
      ctx.addIssue({
        code: 'custom',
        path: ['apis', i, 'lifecycle', 'successor'],
        message: `successor ${successor} is not served by any item of apis`,
      });
    }
    for (const [path, item] of Object.entries(document?.paths ?? {})) {
      for (const method of Object.keys(item)) {
        if (method === 'parameters' || method === 'summary' || method === 'description') continue;
        const route = `${method.toUpperCase()} ${api.basePath}${path.replace(/\{[^}]+\}/g, '{}')}`;
        const other = served.get(route);
        if (other !== undefined && other !== i) {
          ctx.addIssue({
            code: 'custom',
            path: ['apis', i, 'basePath'],
            message: `${route} is also served by apis[${other}] (${config.apis[other]!.contract}); use another basePath`,
          });
          break;
        }
        served.set(route, i);
      }
    }
    const key = `${api.basePath} ${api.contract}`;
    const prior = seenPrefix.get(key);
    if (prior !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['apis', i, 'contract'],
        message: `${api.contract} is already served at ${api.basePath} by apis[${prior}]`,
      });
    seenPrefix.set(key, i);
  });
}
