/** SHUTDOWN_GRACE_MS: how long a draining process lets in-flight requests finish; default 10 s. */
export function shutdownGraceMs(env: NodeJS.ProcessEnv): number {
  const raw = env.SHUTDOWN_GRACE_MS;
  if (raw === undefined || raw === '') return 10_000;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`SHUTDOWN_GRACE_MS must be a whole number of milliseconds, got ${raw}`);
  return ms;
}
