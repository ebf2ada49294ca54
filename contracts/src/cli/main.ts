import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.ts';
import { COMMAND_HELP, commandHelp, USAGE } from './command-help.ts';
import { processIo, UsageError, type Io } from './usage-error.ts';

export { USAGE };

type Command = (args: string[], io: Io) => Promise<number>;

/**
 * The gateway's commands (config, partner) are TypeScript of another workspace, which this one
 * cannot import: loaded at run time through tsx, from the repository the CLI belongs to.
 */
async function gatewayCommand(module: string, exported: string): Promise<Command> {
  (await import('tsx/esm/api')).register();
  const loaded = (await import(pathToFileURL(join(REPO_ROOT, 'gateway/src/cli', module)).href)) as Record<string, Command>;
  const command = loaded[exported];
  if (!command) throw new Error(`gateway/src/cli/${module} exports no ${exported}`);
  return command;
}

/**
 * Each command is imported when it runs: the toolchains behind them (Redocly, the AsyncAPI parser,
 * openapi-typescript, Pact) take seconds to load, and a command needs at most two of them.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  lint: async () => (await import('./lint-command.ts')).lintCommand,
  generate: async () => (await import('./generate-command.ts')).generateCommand,
  diff: async () => (await import('./diff-command.ts')).diffCommand,
  changelog: async () => (await import('./changelog-command.ts')).changelogCommand,
  verify: async () => (await import('./verify-command.ts')).verifyCommand,
  'can-i-deploy': async () => (await import('./can-i-deploy-command.ts')).canIDeployCommand,
  map: async () => (await import('./map-command.ts')).mapCommand,
  config: () => gatewayCommand('config-command.ts', 'configCommand'),
  partner: () => gatewayCommand('partner-command.ts', 'partnerCommand'),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'contracts/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  // Pact's libraries report usage to Pact's servers unless told not to; nothing here leaves the machine.
  process.env.PACT_DO_NOT_TRACK ??= 'true';
  const [name, ...args] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out(`concord ${version()}`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  const help = COMMAND_HELP[name];
  if (!load || !help) {
    io.err(`concord: unknown command '${name}'\n${USAGE}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(commandHelp(help));
    return 0;
  }
  try {
    const command = await load();
    return await command(args, io);
  } catch (err) {
    // By name too: the gateway's commands run from their own copy of UsageError (loaded through tsx).
    if (err instanceof UsageError || (err instanceof Error && err.name === 'UsageError')) {
      io.err(`concord ${name}: ${err.message}\nusage: concord ${help.synopsis} (concord ${name} --help for more)`);
      return 2;
    }
    io.err(`concord ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
