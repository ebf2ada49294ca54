export interface ReaperConfig {
  /** A reservation whose order is not committed this long after it was made is released. */
  ttlMs: number;
  /** How often the leader looks for expired reservations (and others try to become leader). */
  intervalMs: number;
}

function ms(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number of milliseconds, got ${raw}`);
  return value;
}

/**
 * INVENTORY_RESERVATION_TTL_MS (default 60 s) and INVENTORY_REAPER_INTERVAL_MS (default 5 s).
 * The TTL must stay well above orders' commit deadline (ORDERS_COMMIT_DEADLINE_MS, 10 s) plus
 * any clock skew between the two services, or a slow commit could meet the reaper.
 */
export function reaperConfigFromEnv(env: NodeJS.ProcessEnv): ReaperConfig {
  return { ttlMs: ms(env, 'INVENTORY_RESERVATION_TTL_MS', 60_000), intervalMs: ms(env, 'INVENTORY_REAPER_INTERVAL_MS', 5_000) };
}
