/**
 * The process environment the gateway reads, parsed once into one typed object (main.ts) and passed
 * in GatewayDeps; nothing else reads process.env. AUTH_* are consumed by the security section.
 */
import { z } from 'zod';
import { parsePort, portVariableProblem } from '../local-stack/stack-ports.ts';

const optionalUrl = z.url().optional();
/** By `npm start`'s rule (parsePort), so both refuse the same values; the message is describeProblem's. */
const optionalPort = z
  .string()
  .transform((raw, ctx) => {
    const port = parsePort(raw);
    if (port === undefined) ctx.addIssue({ code: 'custom', message: 'not a port' });
    return port ?? z.NEVER;
  })
  .optional();

const processEnvSchema = z.object({
  PORT: optionalPort,
  ADMIN_PORT: optionalPort,
  GATEWAY_CONFIG: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  NODE_ENV: z.string().optional(),
  REDIS_URL: optionalUrl,
  NATS_URL: optionalUrl,
  DATABASE_URL: z.string().min(1).optional(),
  AUTH_JWKS_URL: optionalUrl,
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
});

export interface GatewayProcessEnv {
  port: number | undefined;
  /** The operator listener's port (ADMIN_PORT); server.admin.port otherwise. */
  adminPort: number | undefined;
  /** Path of gateway.config.yaml (GATEWAY_CONFIG). */
  configPath: string | undefined;
  logLevel: z.infer<typeof processEnvSchema>['LOG_LEVEL'];
  nodeEnv: string | undefined;
  redisUrl: string | undefined;
  natsUrl: string | undefined;
  databaseUrl: string | undefined;
  auth: { jwksUrl: string | undefined; issuer: string | undefined; audience: string | undefined };
  /** Every UPSTREAM_<NAME>_URL by variable name; see upstreamEnvName. */
  upstreamUrls: Record<string, string>;
  /**
   * Any variable by name, for the secrets the config refers to (`{ env: NAME }`, config/secret.ts).
   * A function, not a record, so that no copy of the environment travels with the deps or a log line.
   */
  variable(name: string): string | undefined;
}

/** `customers` -> `UPSTREAM_CUSTOMERS_URL`, `order-history` -> `UPSTREAM_ORDER_HISTORY_URL`. */
export function upstreamEnvName(upstream: string): string {
  return `UPSTREAM_${upstream.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
}

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

const PORT_VARIABLES = new Set(['PORT', 'ADMIN_PORT']);
const URL_VARIABLES = new Set(['REDIS_URL', 'NATS_URL', 'AUTH_JWKS_URL']);

/**
 * What is wrong with one variable, in the operator's terms rather than the schema's. Ports and levels
 * are quoted back; a URL is not, because it may carry a password.
 */
function describeProblem(name: string, value: string | undefined, schemaMessage: string): string {
  // The words `npm start` uses for the same mistake.
  if (PORT_VARIABLES.has(name)) return portVariableProblem(name, value ?? '');
  if (name === 'LOG_LEVEL')
    return `LOG_LEVEL=${JSON.stringify(value)} is not a level: use one of ${processEnvSchema.shape.LOG_LEVEL.unwrap().options.join(', ')}`;
  if (URL_VARIABLES.has(name)) return `${name} is not a URL (for example redis://127.0.0.1:6379)`;
  return `${name}: ${schemaMessage}`;
}

export function parseProcessEnv(source: Record<string, string | undefined>): GatewayProcessEnv {
  // Empty strings are how shells unset things; treat them as absent.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = processEnvSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((i) => {
      const name = String(i.path[0] ?? '');
      return describeProblem(name, cleaned[name], i.message);
    });
    throw new EnvError(`Invalid environment: ${[...new Set(problems)].join('; ')}`);
  }
  const env = result.data;
  const upstreamUrls: Record<string, string> = {};
  for (const [name, value] of Object.entries(cleaned)) {
    if (/^UPSTREAM_[A-Z0-9_]+_URL$/.test(name) && value) upstreamUrls[name] = value;
  }
  return {
    port: env.PORT,
    adminPort: env.ADMIN_PORT,
    configPath: env.GATEWAY_CONFIG,
    logLevel: env.LOG_LEVEL,
    nodeEnv: env.NODE_ENV,
    redisUrl: env.REDIS_URL,
    natsUrl: env.NATS_URL,
    databaseUrl: env.DATABASE_URL,
    auth: { jwksUrl: env.AUTH_JWKS_URL, issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE },
    upstreamUrls,
    variable: (name) => cleaned[name],
  };
}
