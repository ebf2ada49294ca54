import { processIo, UsageError, type Io } from './usage-error.ts';

export const USAGE = `usage: concord <command> [options]

commands:
  lint [paths...]            check contracts (default: every contract); file:line:col severity rule message
  generate [--check]         write contracts/generated/; --check exits 1 naming stale files
  diff <base> <head>         compare two contract files; exits 1 on a breaking change
  diff --base <git-ref>      compare every contract with the ref (versioning policy included)
  diff --rules               list the rule catalogue; [--format text|markdown|json] for every diff
  changelog --base <ref>     the changelog entry since the ref, to stdout; --write prepends it to CHANGELOG.md
  verify [--pacts <dir>]     pact-vs-contract check + provider verification of every pact; records results per pact
  can-i-deploy [--pacts <dir>]  the consumer x provider matrix; exits 1 where a pact is unverified or failing

exit codes: 0 clean, 1 findings, 2 usage error`;

type Command = (args: string[], io: Io) => Promise<number>;

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
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`concord: unknown command '${name}'\n${USAGE}`);
    return 2;
  }
  try {
    const command = await load();
    return await command(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`concord ${name}: ${err.message}\n${USAGE}`);
      return 2;
    }
    io.err(`concord ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
