import { readFile, writeFile } from 'node:fs/promises';
import { parseProcessEnv, upstreamEnvName } from '@concord/gateway/src/config/env.ts';
import { DEFAULT_CONFIG_PATH, startGateway, type RunningGateway } from '@concord/gateway/src/main.ts';
import pino from 'pino';
import { type Document, parseDocument } from 'yaml';

/** The committed gateway.config.yaml with `edit` applied, written where the gateway will read it. */
export async function writeGatewayConfig(file: string, edit: (doc: Document) => void = () => {}): Promise<Document> {
  const doc = parseDocument(await readFile(DEFAULT_CONFIG_PATH, 'utf8'));
  doc.setIn(['server', 'watchConfig'], false);
  edit(doc);
  await writeFile(file, doc.toString());
  return doc;
}

/**
 * startGateway in this process, as `npm start` runs it, on the config `file` with each upstream
 * pointed at `urls` (UPSTREAM_<NAME>_URL): loopback, a port the OS chooses, no Redis, the log
 * silent unless TEST_LOG_LEVEL says otherwise.
 */
export function startLocalGateway(file: string, urls: Record<string, string>): Promise<RunningGateway> {
  const env = parseProcessEnv(Object.fromEntries(Object.entries(urls).map(([name, url]) => [upstreamEnvName(name), url])));
  return startGateway({
    configPath: file,
    env,
    port: 0,
    hostname: '127.0.0.1',
    watchConfig: false,
    deps: { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), redis: undefined },
  });
}
