import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * The gateway's pino logger: JSON lines, ISO timestamps, and credentials redacted wherever they
 * appear in a logged object (headers, bodies, errors), so a token never reaches the logs.
 */
export const REDACT_PATHS = [
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["proxy-authorization"]',
  'headers["x-api-key"]',
  '*.authorization',
  '*.cookie',
  '*["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  'client_secret',
  '*.client_secret',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'password',
  '*.password',
];

export interface GatewayLoggerOptions {
  /** LOG_LEVEL; info by default. */
  level?: string;
  /** Where lines go (stdout by default); tests pass a stream to read them. */
  destination?: DestinationStream;
  base?: LoggerOptions['base'];
}

/** pino's isoTime, formatted once per millisecond rather than once per line. */
let lastMs = -1;
let lastTime = '';
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/** Unwritten log bytes the buffered destination holds at most; past it new lines are dropped. */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

export interface BufferedDestinationOptions {
  /** Bytes held while the destination is slower than the logging (LOG_BUFFER_MAX_BYTES by default). */
  maxLength?: number;
  /** Told once each time lines start being dropped; stderr by default. */
  onDropping?: (maxLength: number) => void;
}

/**
 * Where the gateway's lines go in production and in the bench: a buffered sonic-boom that collects
 * lines and writes them asynchronously once 4 KiB are waiting (or every 250 ms, so a quiet gateway's
 * lines still show up), instead of one synchronous write(2) per line (~6 % of the CPU under load,
 * the access log's line on every request). pino flushes it synchronously when the process exits, and
 * `flushLogger` before a graceful shutdown completes. Tests that read lines pass their own stream.
 *
 * Bounded: when stdout is slower than the log rate (a blocked pipe, a stalled collector), at most
 * maxLength bytes wait; later lines are dropped (sonic-boom's 'drop') rather than held in memory
 * without limit, and one line on stderr says so each time dropping starts. A SIGKILL loses what is
 * waiting: normally under 4 KiB (minLength) or 250 ms of lines, at worst maxLength.
 */
export function bufferedDestination(dest: string | number = 1, options: BufferedDestinationOptions = {}): DestinationStream {
  const maxLength = options.maxLength ?? LOG_BUFFER_MAX_BYTES;
  const onDropping =
    options.onDropping ??
    ((max: number) => process.stderr.write(`concord-gateway: ${max} bytes of log lines are waiting to be written; dropping new lines\n`));
  const stream = pino.destination({ dest, sync: false, minLength: 4096, periodicFlush: 250, maxLength });
  let dropping = false;
  stream.on('drop', () => {
    if (dropping) return;
    dropping = true;
    onDropping(maxLength);
  });
  // A completed write means the destination is draining again: the next drop is news.
  stream.on('write', () => {
    dropping = false;
  });
  return stream;
}

/** Writes out whatever the logger's destination still buffers; resolves once written (or failed). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush(() => resolve());
    } catch {
      resolve();
    }
  });
}

export function createGatewayLogger(options: GatewayLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: options.base ?? { service: 'concord-gateway' },
    timestamp: isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/**
 * The access log's logger: the same destination, level and base fields, without redaction. An
 * access-log line carries no headers, bodies or tokens (access-log.ts builds it field by field),
 * and pino's wildcard redaction of every line was ~5% of the gateway's CPU under load. Everything
 * else keeps logging through the redacting logger.
 */
export function accessLogger(logger: Logger): Logger {
  return logger.child({}, { redact: [] });
}
