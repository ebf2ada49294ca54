import pino, { type DestinationStream } from 'pino';
import { build as prettyStream } from 'pino-pretty';

/** Where a process's log lines go: its stdout, or a test's file descriptor. */
export interface LogOutput {
  fd: number;
  /** Whether a person is reading: stdout of a terminal (`process.stdout.isTTY`). */
  isTTY?: boolean;
}

/**
 * Readable, coloured lines (time, level, message, fields) for a person at a terminal; JSON, one
 * object a line, for anything else (a pipe, a file, a collector), which is what machines parse.
 * Pretty-printing runs in this process, not in a transport's worker thread: a development stack
 * starts no extra thread for it. `json` is the JSON destination to use (stdout, synchronous, by default).
 */
export function logDestination(
  output: LogOutput,
  json: () => DestinationStream = () => pino.destination({ dest: output.fd, sync: true }),
): DestinationStream {
  if (!output.isTTY) return json();
  return prettyStream({
    destination: output.fd,
    sync: true,
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // Which process said it leads the message; the field itself would repeat under every line.
    messageFormat: '{if service}[{service}] {end}{msg}',
    ignore: 'pid,hostname,service',
  });
}
