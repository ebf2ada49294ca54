/**
 * The gateway in a process of its own, for tests that measure the process (its RSS): the real
 * start-up path (main.ts startGateway, @hono/node-server), the buffered log destination writing to
 * /dev/null, no signal handlers. Run with `node --import tsx gateway-child.ts <config.yaml>`; prints
 * one JSON line `{"url","pid"}` on stdout once it listens, and stops on SIGTERM.
 */
import { parseProcessEnv } from '../config/env.ts';
import { startGateway } from '../main.ts';
import { bufferedDestination, createGatewayLogger } from '../observability/logger.ts';

const configPath = process.argv[2];
if (!configPath) {
  console.error('usage: gateway-child.ts <config.yaml>');
  process.exit(2);
}
const running = await startGateway({
  configPath,
  env: parseProcessEnv({}),
  port: 0,
  hostname: '127.0.0.1',
  watchConfig: false,
  deps: { logger: createGatewayLogger({ destination: bufferedDestination('/dev/null') }), redis: undefined },
});
process.stdout.write(`${JSON.stringify({ url: running.url, pid: process.pid })}\n`);
process.once('SIGTERM', () => {
  void running.close().finally(() => process.exit(0));
});
