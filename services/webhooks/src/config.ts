import { defaultRetryPolicy, parseSchedule, type RetryPolicy } from './dispatcher/retry-schedule.ts';

export interface WebhooksConfig {
  port: number;
  host: string;
  production: boolean;
  /**
   * Refuse endpoints on private or internal addresses (SSRF guard), at registration and at every
   * delivery. On in every mode; a developer with a receiver on loopback opts out explicitly with
   * WEBHOOKS_ALLOW_PRIVATE_NETWORKS=1, and the service says so loudly at start-up.
   */
  blockPrivateNetworks: boolean;
  /** Hosts refused whatever they resolve to (WEBHOOKS_BLOCKED_HOSTS, comma-separated): the platform's own names. */
  blockedHosts: string[];
  databaseUrl?: string;
  /** Embedded store directory (default `.data/webhooks`). */
  dataDir?: string;
  /** Database schema (default `webhooks`); tests use a private one. */
  dbSchema?: string;
  natsUrl?: string;
  /** JetStream stream (default the runtime's `CONCORD_EVENTS`) and subject prefix (default `concord`). */
  natsStream?: string;
  natsSubjectPrefix?: string;
  /** Run the dispatcher in this process (default); `WEBHOOKS_DISPATCHER=off` serves the API only. */
  dispatcher: boolean;
  retry: RetryPolicy;
  timeoutMs: number;
  perEndpointConcurrency: number;
  maxInFlight: number;
  leaseMs: number;
  disableAfterMs: number;
  secretOverlapMs: number;
  pollIntervalMs: number;
}

function duration(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const [ms] = parseSchedule(raw);
  if (ms === undefined || parseSchedule(raw).length !== 1) throw new Error(`${name} must be one duration such as 500ms, 15s, 24h`);
  return ms;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not ${JSON.stringify(raw)}`);
  return n;
}

const DAY = 24 * 3600_000;

/** Printed at start-up whenever the SSRF guard is off, so nobody runs that way unawares. */
export const PRIVATE_NETWORKS_ALLOWED_WARNING =
  '\n*** WEBHOOKS_ALLOW_PRIVATE_NETWORKS=1: webhook endpoints on private, loopback and metadata addresses are ALLOWED (SSRF guard off). Never in production. ***\n';

/** Every setting from the environment, checked at start-up so a typo fails loudly, not at 3 a.m. */
export function loadWebhooksConfig(env: NodeJS.ProcessEnv = process.env): WebhooksConfig {
  const timeoutMs = duration(env, 'WEBHOOKS_TIMEOUT', 15_000);
  return {
    // Its own variable only: under `npm start` PORT is the gateway's.
    port: integer(env, 'WEBHOOKS_PORT', 4004),
    host: env.HOST ?? '0.0.0.0',
    production: env.NODE_ENV === 'production',
    blockPrivateNetworks: env.WEBHOOKS_ALLOW_PRIVATE_NETWORKS !== '1',
    blockedHosts: (env.WEBHOOKS_BLOCKED_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.WEBHOOKS_DATA_DIR || undefined,
    dbSchema: env.WEBHOOKS_DB_SCHEMA || undefined,
    natsUrl: env.NATS_URL || undefined,
    natsStream: env.NATS_STREAM || undefined,
    natsSubjectPrefix: env.NATS_SUBJECT_PREFIX || undefined,
    dispatcher: env.WEBHOOKS_DISPATCHER !== 'off',
    retry: {
      ...defaultRetryPolicy,
      scheduleMs: env.WEBHOOKS_RETRY_SCHEDULE ? parseSchedule(env.WEBHOOKS_RETRY_SCHEDULE) : defaultRetryPolicy.scheduleMs,
      jitter: env.WEBHOOKS_RETRY_JITTER ? Number(env.WEBHOOKS_RETRY_JITTER) : defaultRetryPolicy.jitter,
    },
    timeoutMs,
    perEndpointConcurrency: integer(env, 'WEBHOOKS_ENDPOINT_CONCURRENCY', 8) || 1,
    maxInFlight: integer(env, 'WEBHOOKS_MAX_IN_FLIGHT', 512) || 1,
    leaseMs: duration(env, 'WEBHOOKS_LEASE', Math.max(60_000, 2 * timeoutMs)),
    disableAfterMs: duration(env, 'WEBHOOKS_DISABLE_AFTER', 5 * DAY),
    secretOverlapMs: duration(env, 'WEBHOOKS_SECRET_OVERLAP', DAY),
    pollIntervalMs: duration(env, 'WEBHOOKS_POLL_INTERVAL', 250),
  };
}
