import { createServer } from 'node:net';
import type { StackPort } from './stack-ports.ts';

/** Whether something already listens on the port (binding it fails with EADDRINUSE). */
export function isPortTaken(port: number, hostname: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(true) : reject(err)));
    probe.listen({ port, host: hostname, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/** The line `npm start` prints for a port that is taken: the port, who wanted it, and how to move it. */
export function takenPortLine(taken: StackPort): string {
  return `port ${taken.port} (${taken.name}) is taken: set ${taken.variable} to another port (0 picks a free one)`;
}

/**
 * Every taken port of the list, before anything is started: the user learns of all of them at once,
 * and nothing half-starts. (Port 0 is never taken.)
 */
export async function findTakenPorts(ports: StackPort[]): Promise<StackPort[]> {
  const taken: StackPort[] = [];
  for (const entry of ports) if (entry.port !== 0 && (await isPortTaken(entry.port, entry.hostname))) taken.push(entry);
  return taken;
}

/** A free port on the loopback interface, for a program that must be told its port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
