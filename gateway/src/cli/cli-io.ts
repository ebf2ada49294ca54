/**
 * What the `concord` CLI (contracts/src/cli/main.ts) hands the gateway's commands, which it loads
 * from this workspace at run time. The CLI recognises a usage error by its name, since this class
 * is not the CLI's own: it prints the message with the command's usage and exits 2.
 */
export type { Io as CliIo } from '@concord/contracts/src/cli/usage-error.ts';

export class CliUsageError extends Error {
  override readonly name = 'UsageError';
}
