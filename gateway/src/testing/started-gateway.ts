import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { parseProcessEnv } from '../config/env.ts';
import { type RunningGateway, startGateway } from '../main.ts';

export interface StartedGateway {
  gateway: RunningGateway;
  /** The file the config was written to: rewrite it and call `gateway.reload()` to reload. */
  configPath: string;
}

/**
 * A gateway started the way main.ts starts one, from `config` written as YAML into `dir` (under
 * `fileName`, default gateway.config.yaml; files the config names are found beside it): on a free
 * loopback port, without config watching, with a silent log and no Redis. `variables` is the
 * process environment it sees.
 */
export async function startGatewayFrom(
  dir: string,
  config: Record<string, unknown>,
  options: { variables?: Record<string, string>; fileName?: string } = {},
): Promise<StartedGateway> {
  const configPath = join(dir, options.fileName ?? 'gateway.config.yaml');
  await writeFile(configPath, stringify(config));
  const gateway = await startGateway({
    configPath,
    env: parseProcessEnv(options.variables ?? {}),
    port: 0,
    hostname: '127.0.0.1',
    watchConfig: false,
    deps: { logger: pino({ level: 'silent' }), redis: undefined },
  });
  return { gateway, configPath };
}
