/**
 * `npm start`: the services `stack.services` of the gateway config names (by default Concord's four
 * system APIs on 4001-4004, on embedded defaults: no server needed) and the gateway in front of them
 * on PORT (default server.port, 8080). Each service's port may be moved by <NAME>_PORT, and its URL
 * becomes the upstream of the same name unless UPSTREAM_<NAME>_URL says otherwise. A port that is
 * taken, or a port variable that is not a port, is reported as one line naming it, before anything
 * starts. Each part prints a line with its time as it comes up, then a banner says where things are.
 *
 * Only what checks the environment and the config is loaded before that check, so a mistake answers
 * in about a second; the gateway's and the services' code is loaded after it, and the two start side
 * by side: every port is known beforehand, so the gateway needs no service to be up to listen.
 */
import { dirname, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { CommandProcess } from '@concord/contracts/src/process/command-process.ts';
import type { RunningServices } from '@concord/service-stack/src/start-services.ts';
import { DEFAULT_CONFIG_PATH } from './default-config-path.ts';
import { hangupHandler, hasControllingTerminal } from './local-stack/terminal-hangup.ts';
import type { SystemApiName } from './config/stack-schema.ts';
import type { RunningGateway } from './main.ts';
import { portFromVariable, type StackPort } from './local-stack/stack-ports.ts';
import { readyBanner, stepLine, withoutPassword, type StartupStep } from './local-stack/startup-report.ts';

const source = process.env;
// Asked now: after a hangup the answer is no, and that is how a closed terminal is told from kill -HUP.
const startedOnTerminal = hasControllingTerminal();
const say = (line: string) => console.log(line);

function fail(lines: string[]): never {
  for (const line of lines) console.error(line);
  process.exit(1);
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

// The gateway's two ports first: nothing but this file is needed to refuse PORT=abc.
try {
  portFromVariable('PORT', source.PORT);
  portFromVariable('ADMIN_PORT', source.ADMIN_PORT);
} catch (err) {
  fail([message(err)]);
}

const { parseProcessEnv, upstreamEnvName } = await import('./config/env.ts');
const { parseConfig } = await import('./config/load-config.ts');
const { SYSTEM_APIS } = await import('./config/stack-schema.ts');
const { resolveStackPorts } = await import('./local-stack/stack-ports.ts');
const { findTakenPorts, freePort, takenPortLine } = await import('./local-stack/taken-ports.ts');

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
  fail([message(err)]);
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

// Port 0 is chosen now rather than by the listener: the gateway is told every upstream URL up front.
for (const entry of ports) if (entry.port === 0) entry.port = await freePort();
const isSystemApi = (p: StackPort) => (SYSTEM_APIS as readonly string[]).includes(p.name) && !config.stack.services[p.name]!.command;
const systemApiPorts = ports.filter(isSystemApi);
const commandPorts = ports.filter((p) => config.stack.services[p.name]!.command);
for (const entry of ports) env.upstreamUrls[upstreamEnvName(entry.name)] ??= `http://127.0.0.1:${entry.port}`;

const step = (name: string, where: string, ms: number) => say(stepLine({ name, where, ms } satisfies StartupStep));
say(`starting ${[...ports.map((p) => p.name), 'gateway'].join(', ')}`);

let services: RunningServices | undefined;
let dataDir: string | undefined;
const commands: CommandProcess[] = [];

async function startSystemApis(): Promise<void> {
  if (systemApiPorts.length === 0) return;
  // Loaded only when listed: a stack of other programs alone needs none of the system APIs' code.
  const { startServices } = await import('@concord/service-stack/src/start-services.ts');
  const { createServiceLogger } = await import('@concord/service-runtime/src/logging/service-logger.ts');
  const log = createServiceLogger({ service: 'concord-services', level: env.logLevel });
  services = await startServices({
    ports: Object.fromEntries(systemApiPorts.map((p) => [p.name, p.port])) as Record<SystemApiName, number>,
    databaseUrl: source.DATABASE_URL || undefined,
    natsUrl: source.NATS_URL || undefined,
    onError: (err, where) => log.error({ err, where }, `${where} failed`),
    onConnectionChange: (detail) => log.warn(detail),
    onStarted: (started) => {
      if (started.name === 'database') dataDir = started.where;
      step(started.name, started.where, started.ms);
    },
  });
}

async function startCommands(): Promise<void> {
  if (commandPorts.length === 0) return;
  const { startCommandProcess } = await import('@concord/contracts/src/process/command-process.ts');
  await Promise.all(
    commandPorts.map(async (entry) => {
      const started = performance.now();
      const service = config.stack.services[entry.name]!;
      commands.push(
        await startCommandProcess({
          name: entry.name,
          command: service.command!,
          cwd: dirname(configPath),
          readyPort: entry.port,
          readyTimeoutMs: service.readyTimeoutMs,
          // PORT is the program's own port here: the variable it is told to listen on.
          env: { ...source, PORT: String(entry.port) },
          log: say,
        }),
      );
      step(entry.name, `http://127.0.0.1:${entry.port}`, performance.now() - started);
    }),
  );
}

async function startFrontGateway(): Promise<RunningGateway> {
  const started = performance.now();
  const { startGateway } = await import('./main.ts');
  const running = await startGateway({ env, configPath, handleSignals: false, logBanner: false });
  step('gateway', `http://localhost:${running.port}`, performance.now() - started);
  return running;
}

const closeServices = async () => {
  for (const command of commands.reverse()) await command.close().catch(() => {});
  await services?.close();
};

/** Taken between the check and the listen: the same one line as the check's. */
function failureLine(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const port = (err as { port?: number }).port;
  const which = code === 'EADDRINUSE' ? [...ports, ...gatewayPorts].find((p) => p.port === port) : undefined;
  return which ? takenPortLine(which) : message(err);
}

const gatewayStarting = startFrontGateway();
const [servicesUp, commandsUp, gatewayUp] = await Promise.allSettled([startSystemApis(), startCommands(), gatewayStarting]);
const failed = [servicesUp, commandsUp, gatewayUp].find((r): r is PromiseRejectedResult => r.status === 'rejected');
if (failed || gatewayUp.status !== 'fulfilled') {
  if (gatewayUp.status === 'fulfilled') await gatewayUp.value.close().catch(() => {});
  await closeServices();
  fail([failureLine(failed?.reason)]);
}
const gateway = gatewayUp.value;

for (const line of readyBanner({
  port: gateway.port,
  adminUrl: gateway.adminUrl,
  totalMs: performance.now(),
  data: env.databaseUrl ? withoutPassword(env.databaseUrl) : dataDir,
  bus: env.natsUrl ? `NATS JetStream ${withoutPassword(env.natsUrl)}` : 'in-process (NATS_URL unset)',
  gatewayLines: gateway.current().startupBanner(`http://localhost:${gateway.port}`),
}))
  say(line);

let stopping = false;
function stop(): void {
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
}
// SIGHUP reloads the config, unless it is the terminal closing (terminal-hangup.ts).
process.on('SIGHUP', hangupHandler({ startedOnTerminal, reload: () => void gateway.reload(), stop }));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, stop);
