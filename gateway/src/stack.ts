/**
 * `npm start`: the services `stack.services` of the gateway config names (by default Concord's four
 * system APIs on 4001-4004, on embedded defaults: no server needed) and the gateway in front of them
 * on PORT (default server.port, 8080). Each service's port may be moved by <NAME>_PORT, and its URL
 * becomes the upstream of the same name unless UPSTREAM_<NAME>_URL says otherwise. A port that is
 * taken is reported as one line naming it and the variable that moves it, before anything starts.
 */
import { dirname, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { RunningServices } from '@concord/service-stack/src/start-services.ts';
import { parseProcessEnv, upstreamEnvName } from './config/env.ts';
import { parseConfig } from './config/load-config.ts';
import { SYSTEM_APIS, type SystemApiName } from './config/stack-schema.ts';
import { startCommandProcess, type CommandProcess } from '@concord/contracts/src/process/command-process.ts';
import { resolveStackPorts, type StackPort } from './local-stack/stack-ports.ts';
import { findTakenPorts, freePort, takenPortLine } from './local-stack/taken-ports.ts';
import { DEFAULT_CONFIG_PATH, startGateway } from './main.ts';

const source = process.env;

function fail(lines: string[]): never {
  for (const line of lines) console.error(line);
  process.exit(1);
}

let env: ReturnType<typeof parseProcessEnv>;
let config: ReturnType<typeof parseConfig>;
let configPath: string;
let ports: StackPort[];
try {
  env = parseProcessEnv(source);
  configPath = resolve(env.configPath ?? DEFAULT_CONFIG_PATH);
  config = parseConfig(await readFile(configPath, 'utf8'), configPath, env);
  ports = resolveStackPorts(config.stack, env.variable);
} catch (err) {
  fail([err instanceof Error ? err.message : String(err)]);
}

const gatewayPorts: StackPort[] = [
  { name: 'gateway', port: env.port ?? config.server.port, hostname: '0.0.0.0', variable: 'PORT' },
  {
    name: 'gateway admin',
    port: env.adminPort ?? config.server.admin.port,
    hostname: config.server.admin.hostname,
    variable: 'ADMIN_PORT',
  },
];
const taken = await findTakenPorts([...ports, ...gatewayPorts]);
if (taken.length > 0) fail(taken.map(takenPortLine));

const systemApiPorts = ports.filter((p) => (SYSTEM_APIS as readonly string[]).includes(p.name) && !config.stack.services[p.name]!.command);
const commandPorts = ports.filter((p) => config.stack.services[p.name]!.command);

let services: RunningServices | undefined;
const commands: CommandProcess[] = [];
const closeServices = async () => {
  for (const command of commands.reverse()) await command.close().catch(() => {});
  await services?.close();
};
const urls: Record<string, string> = {};
try {
  if (systemApiPorts.length > 0) {
    // Loaded only when listed: a stack of other programs alone needs none of the system APIs' code.
    const { startServices } = await import('@concord/service-stack/src/start-services.ts');
    services = await startServices({
      ports: Object.fromEntries(systemApiPorts.map((p) => [p.name, p.port])) as Record<SystemApiName, number>,
      databaseUrl: source.DATABASE_URL || undefined,
      natsUrl: source.NATS_URL || undefined,
    });
    Object.assign(urls, services.urls);
  }
  for (const entry of commandPorts) {
    const service = config.stack.services[entry.name]!;
    const port = entry.port === 0 ? await freePort() : entry.port;
    commands.push(
      await startCommandProcess({
        name: entry.name,
        command: service.command!,
        cwd: dirname(configPath),
        readyPort: port,
        readyTimeoutMs: service.readyTimeoutMs,
        env: { ...source, PORT: String(port) },
        log: (line) => console.log(line),
      }),
    );
    urls[entry.name] = `http://127.0.0.1:${port}`;
  }
} catch (err) {
  await closeServices();
  // Taken between the check and the listen: the same one line.
  const code = (err as NodeJS.ErrnoException).code;
  const port = (err as { port?: number }).port;
  const which = code === 'EADDRINUSE' ? ports.find((p) => p.port === port) : undefined;
  fail([which ? takenPortLine(which) : err instanceof Error ? err.message : String(err)]);
}

for (const [name, url] of Object.entries(urls)) env.upstreamUrls[upstreamEnvName(name)] ??= url;

let gateway: Awaited<ReturnType<typeof startGateway>>;
try {
  gateway = await startGateway({ env, configPath, handleSignals: false });
} catch (err) {
  await closeServices();
  const code = (err as NodeJS.ErrnoException).code;
  const port = (err as { port?: number }).port;
  const which = code === 'EADDRINUSE' ? gatewayPorts.find((p) => p.port === port) : undefined;
  fail([which ? takenPortLine(which) : err instanceof Error ? err.message : String(err)]);
}

console.log(
  `services: ${Object.entries(urls)
    .map(([n, u]) => `${n} ${u}`)
    .join(', ')}`,
);
console.log(`gateway:  http://localhost:${gateway.port}  (try: curl -i http://localhost:${gateway.port}/docs)`);

process.on('SIGHUP', () => void gateway.reload());
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    // The gateway first (it finishes in-flight requests), then the services behind it.
    void gateway
      .close()
      .then(() => closeServices())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}
