import { runUntilSignal } from '@concord/service-runtime/src/process/run-until-signal.ts';
import { startServices } from './start-services.ts';

// `npm run services`: the three system APIs on their standard ports, embedded unless told otherwise.
const env = process.env;
const running = await startServices({
  ports: { customers: 4001, orders: 4002, inventory: 4003, webhooks: 4004 },
  hostname: env.HOST ?? '0.0.0.0',
  databaseUrl: env.DATABASE_URL || undefined,
  natsUrl: env.NATS_URL || undefined,
});
for (const [name, url] of Object.entries(running.urls)) console.log(`${name} listening on ${url}`);
console.log(`database: ${env.DATABASE_URL ? 'PostgreSQL' : 'embedded (.data/)'}; bus: ${env.NATS_URL ? 'NATS JetStream' : 'in-process'}`);
runUntilSignal(() => running.close());
