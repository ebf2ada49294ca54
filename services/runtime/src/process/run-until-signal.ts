/**
 * Waits for SIGTERM or SIGINT, runs `shutdown` once, and exits 0 (1 if shutdown failed). A second
 * signal while shutting down exits at once, so a stuck shutdown can still be interrupted.
 */
export function runUntilSignal(shutdown: () => Promise<void>, log: (line: string) => void = console.log): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log(`${signal} received, shutting down`);
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('shutdown failed', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
