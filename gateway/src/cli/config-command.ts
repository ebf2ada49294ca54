/**
 * `concord config check [file]`: what start-up validates, without starting. The config is parsed
 * and the gateway built exactly as startGateway does (contracts, route table, security schemes,
 * partners, upstream credentials), then closed again; nothing listens and no store is connected.
 */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { buildGateway } from '../app.ts';
import { parseProcessEnv } from '../config/env.ts';
import { parseConfig } from '../config/load-config.ts';
import { DEFAULT_CONFIG_PATH } from '../main.ts';
import { CliUsageError, type CliIo } from './cli-io.ts';

export async function configCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'check')
    throw new CliUsageError(action ? `unknown action '${action}' (config check [file])` : 'config needs an action: check');
  const unknown = rest.find((a) => a.startsWith('-'));
  if (unknown) throw new CliUsageError(`config check takes no option ${unknown}`);
  if (rest.length > 1) throw new CliUsageError(`config check takes one file, not ${rest.length}`);
  const env = parseProcessEnv(process.env);
  const file = resolve(rest[0] ?? env.configPath ?? DEFAULT_CONFIG_PATH);
  // Named as the user would type it: relative inside the working directory, absolute outside it.
  const near = relative(process.cwd(), file);
  const shown = near && !near.startsWith('..') ? near : file;

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    io.err(`${shown}:1:1 cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return 1;
  }
  try {
    const config = parseConfig(text, shown, env);
    // No Redis: the check must not depend on (or touch) the stores a running gateway uses.
    const built = buildGateway(config, {
      env: { ...env, redisUrl: undefined },
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
      now: Date.now,
      fetch: globalThis.fetch,
    });
    const operations = built.routes.routes.length;
    const partners = config.security.partners.length;
    await built.close();
    io.out(`${shown}: valid (${config.apis.length} APIs, ${operations} operations, ${partners} partners)`);
    return 0;
  } catch (err) {
    // Start-up errors already name their place (file:line:col ...); the first line of a multi-line
    // one is a heading, the rest are the problems.
    io.err(err instanceof Error ? err.message : String(err));
    return 1;
  }
}
