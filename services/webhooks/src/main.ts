import { loadWebhooksConfig, PRIVATE_NETWORKS_ALLOWED_WARNING } from './config.ts';
import { startWebhooksService } from './service.ts';

/** Process entry: `npm start -w @concord/service-webhooks` (port 4004). */
const config = loadWebhooksConfig();
if (!config.blockPrivateNetworks) console.warn(PRIVATE_NETWORKS_ALLOWED_WARNING);
const service = await startWebhooksService(config);
console.log(
  `webhooks listening on ${service.url} (store: ${config.databaseUrl ? 'PostgreSQL' : 'embedded'}, bus: ${config.natsUrl ? 'NATS JetStream' : 'in-process'}, dispatcher: ${config.dispatcher ? 'on' : 'off'})`,
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`webhooks: ${signal}, stopping`);
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  await service.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
