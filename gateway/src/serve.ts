/**
 * The gateway as a process: `tsx src/serve.ts` in development, `node dist/serve.js` once built
 * (build.ts). startGateway (main.ts) is the library; this file only starts it with the signal
 * handlers and turns a start-up failure (a config or contract that does not load, a port in use)
 * into one line naming the file and the problem, and exit code 1.
 */
import { startGateway } from './main.ts';

try {
  await startGateway({ handleSignals: true });
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
