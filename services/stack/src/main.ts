import { reaperConfigFromEnv } from '@concord/service-inventory/src/reaper-config.ts';
import { commitDeadlineFromEnv } from '@concord/service-orders/src/commit-deadline.ts';
import { runUntilSignal } from '@concord/service-runtime/src/process/run-until-signal.ts';
import { shutdownGraceMs } from '@concord/service-runtime/src/process/shutdown-grace.ts';
import { stackPortsFromEnv } from './stack-ports.ts';
import { startServices } from './start-services.ts';

// `npm run services`: the system APIs on their standard ports (or <NAME>_PORT), embedded unless told otherwise.
const env = process.env;
const graceMs = shutdownGraceMs(env);
const running = await startServices({
  ports: stackPortsFromEnv(env),
  hostname: env.HOST ?? '0.0.0.0',
  databaseUrl: env.DATABASE_URL || undefined,
  natsUrl: env.NATS_URL || undefined,
  stream: env.NATS_STREAM || undefined,
  subjectPrefix: env.NATS_SUBJECT_PREFIX || undefined,
  reaper: reaperConfigFromEnv(env),
  commitDeadlineMs: commitDeadlineFromEnv(env),
  onConnectionChange: (detail) => console.log(`[stack] ${detail}`),
});
for (const [name, url] of Object.entries(running.urls)) console.log(`${name} listening on ${url}`);
console.log(`database: ${env.DATABASE_URL ? 'PostgreSQL' : 'embedded (.data/)'}; bus: ${env.NATS_URL ? 'NATS JetStream' : 'in-process'}`);
runUntilSignal(async () => {
  await running.drain({ graceMs, log: (line) => console.log(`[stack] ${line}`) });
});
