import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { parseProcessEnv } from '@concord/gateway/src/config/env.ts';
import { startGateway, type RunningGateway } from '@concord/gateway/src/main.ts';

const CONFIG = fileURLToPath(new URL('../../gateway/gateway.config.yaml', import.meta.url));

/**
 * The repository's own gateway, in process on a free port, for the portal it serves: no upstream is
 * called. `production` is how partners meet it (no demo partner); otherwise it runs as in development.
 */
export function startPortalGateway(mode: 'development' | 'production'): Promise<RunningGateway> {
  return startGateway({
    configPath: CONFIG,
    env: parseProcessEnv(mode === 'production' ? { NODE_ENV: 'production' } : {}),
    port: 0,
    hostname: '127.0.0.1',
    watchConfig: false,
    deps: { logger: pino({ level: 'silent' }) },
  });
}
