import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Caps on the public listener's client connections, in the spirit of nginx's limit_conn and Envoy's
 * overload manager: a total (Node's server.maxConnections, which closes a socket past it at once)
 * and a per-client-address count, so one address cannot hold the sockets everyone else needs.
 * Connections from addresses that `exempt` accepts (trusted proxies, which carry many clients each)
 * count toward the total only. Refusals and open connections are Prometheus metrics.
 */
export interface ConnectionLimitOptions {
  maxConnections: number;
  maxPerAddress: number;
  exempt?: (address: string) => boolean;
  registry: Registry;
}

export interface ConnectionLoad {
  open: number;
  max: number;
}

export interface ConnectionLimits {
  load(): ConnectionLoad;
}

function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function limitConnections(server: Server, options: ConnectionLimitOptions): ConnectionLimits {
  const { maxConnections, maxPerAddress, registry } = options;
  const exempt = options.exempt ?? (() => false);
  const refused = metric(
    registry,
    'concord_connections_refused_total',
    () =>
      new Counter({
        name: 'concord_connections_refused_total',
        help: 'Client connections closed on arrival: over the total cap (max_connections) or over one address cap (per_address)',
        labelNames: ['reason'] as const,
        registers: [registry],
      }),
  );
  let open = 0;
  metric(
    registry,
    'concord_open_connections',
    () =>
      new Gauge({
        name: 'concord_open_connections',
        help: 'Open client connections on the public listener',
        registers: [registry],
        collect() {
          this.set(open);
        },
      }),
  );

  server.maxConnections = maxConnections;
  // Node closes the socket itself past maxConnections and says so with 'drop'.
  server.on('drop', () => refused.inc({ reason: 'max_connections' }));

  const perAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    if (!exempt(address)) {
      const count = (perAddress.get(address) ?? 0) + 1;
      if (count > maxPerAddress) {
        refused.inc({ reason: 'per_address' });
        socket.destroy();
        return;
      }
      perAddress.set(address, count);
      socket.once('close', () => {
        const left = perAddress.get(address)! - 1;
        if (left === 0) perAddress.delete(address);
        else perAddress.set(address, left);
      });
    }
    open++;
    socket.once('close', () => open--);
  });

  return { load: () => ({ open, max: maxConnections }) };
}

/**
 * The total cap when the config names none: the file-descriptor limit minus a reserve for what the
 * gateway opens itself (every upstream pool at its size, Redis, logs, DNS), so inbound sockets can
 * never take the descriptors an upstream call needs.
 */
export function defaultMaxConnections(fdLimit: number | undefined, upstreamConnections: number): number {
  const reserve = upstreamConnections + 256;
  if (fdLimit === undefined) return 10_000;
  return Math.max(64, fdLimit - reserve);
}
