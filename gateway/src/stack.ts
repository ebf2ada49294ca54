/**
 * `npm start`: the three system APIs and the gateway in front of them, in one process, on embedded
 * defaults (no server needed). Services listen on their standard ports (4001-4003); the gateway on
 * PORT (default 8080) with each upstream URL pointed at the service that was just started, unless
 * UPSTREAM_<NAME>_URL says otherwise.
 */
import { startServices } from '@concord/service-stack/src/start-services.ts';
import { parseProcessEnv, upstreamEnvName } from './config/env.ts';
import { startGateway } from './main.ts';

const source = process.env;
const services = await startServices({
  ports: { customers: 4001, orders: 4002, inventory: 4003, webhooks: 4004 },
  databaseUrl: source.DATABASE_URL || undefined,
  natsUrl: source.NATS_URL || undefined,
});

const env = parseProcessEnv(source);
for (const [name, url] of Object.entries(services.urls)) {
  env.upstreamUrls[upstreamEnvName(name)] ??= url;
}

let gateway: Awaited<ReturnType<typeof startGateway>>;
try {
  gateway = await startGateway({ env, handleSignals: false });
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await services.close();
  process.exit(1);
}

console.log(
  `services: ${Object.entries(services.urls)
    .map(([n, u]) => `${n} ${u}`)
    .join(', ')}`,
);
console.log(`gateway:  http://localhost:${gateway.port}  (try: curl -i http://localhost:${gateway.port}/v2/customers)`);

process.on('SIGHUP', () => void gateway.reload());
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    // The gateway first (it finishes in-flight requests), then the services behind it.
    void gateway
      .close()
      .then(() => services.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}
