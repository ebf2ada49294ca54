import pino, { type DestinationStream, type Logger } from 'pino';
import { logDestination } from '@concord/contracts/src/logging/log-destination.ts';

/**
 * The system APIs' logger: pino with the service's name on every line, pretty at a terminal and JSON
 * otherwise (logDestination). `destination` replaces stdout (tests).
 */
export function createServiceLogger(options: { service: string; level?: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? logDestination({ fd: 1, isTTY: process.stdout.isTTY }),
  );
}
