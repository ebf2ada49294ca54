/**
 * What each command says about itself: a one-line summary for `concord --help` and the full help
 * for `concord <command> --help`. Kept apart from the commands so that help never loads the
 * toolchain behind a command (Redocly, Pact, the gateway take seconds to import).
 */
export interface CommandHelp {
  /** `lint [paths...]`: the command and its arguments, as the overview lists it. */
  synopsis: string;
  summary: string;
  /** The rest of `concord <command> --help`: options, examples, exit codes. */
  details: string;
}

export const COMMAND_HELP: Record<string, CommandHelp> = {
  lint: {
    synopsis: 'lint [paths...]',
    summary: 'check contracts (default: every contract); file:line:col severity rule message',
    details: `Lints OpenAPI and AsyncAPI documents (JSON or YAML) with Concord's ruleset, overridden by a
redocly.yaml at the repository root. Operations gateway/gateway.config.yaml makes public need no security.

arguments:
  paths...        contract files; default: every contract in contracts/openapi and contracts/asyncapi

examples:
  concord lint
  concord lint contracts/openapi/orders.v1.yaml

exit codes: 0 no errors (warnings are printed), 1 errors found, 2 usage error or unreadable file`,
  },
  generate: {
    synopsis: 'generate [--check]',
    summary: 'write contracts/generated/; --check exits 1 naming stale files',
    details: `Generates types, typed servers and clients, the event catalogue and the partner SDK from the contracts.

options:
  --check         write nothing; exit 1 naming every generated file that differs from the contracts

exit codes: 0 written (or up to date), 1 stale files (--check), 2 usage error`,
  },
  diff: {
    synopsis: 'diff <base> <head> | --base <ref>',
    summary: 'compare contracts and classify every change; exits 1 on a breaking change',
    details: `Compares two versions of a contract and classifies each change as breaking, warning or info.

forms:
  diff <base-file> <head-file>   two files
  diff --base <git-ref>          every contract against the same file at the ref (versioning policy included)
  diff --rules                   the rule catalogue

options:
  --format text|markdown|json    output format (default text)

examples:
  concord diff --base origin/main
  concord diff old.yaml new.yaml --format json

exit codes: 0 no breaking change, 1 breaking change, 2 usage error or unparsable contract`,
  },
  changelog: {
    synopsis: 'changelog --base <ref> [--write]',
    summary: 'the changelog entry since the ref, to stdout; --write prepends it to CHANGELOG.md',
    details: `Writes the changelog entry for every contract change since the ref.

options:
  --base <git-ref>   required: the ref to compare with
  --write            prepend the entry to CHANGELOG.md instead of printing it

exit codes: 0 done, 2 usage error`,
  },
  verify: {
    synopsis: 'verify [--pacts <dir>] [--providers <providers.yaml>]',
    summary: 'pact-vs-contract check + provider verification of every pact; records results per pact',
    details: `Checks every pact against the contracts and verifies it against its provider as providers.yaml declares
it (how it starts, its base URL, its provider-state setup URL), recording the result per pact in
<dir>/verification-results.json (and on a Pact Broker when PACT_BROKER_BASE_URL is set).

options:
  --pacts <dir>             the pacts (default: pacts/)
  --providers <file>        the providers (default: providers.yaml in <dir>, else pacts/providers.yaml)
  --format text|json    output format (default text)

exit codes: 0 every pact passed, 1 a pact failed, 2 usage error`,
  },
  'can-i-deploy': {
    synopsis: 'can-i-deploy [--pacts <dir>]',
    summary: 'the consumer x provider matrix; exits 1 where a pact is unverified or failing',
    details: `Prints the consumer x provider matrix from the recorded verification results.

options:
  --pacts <dir>        the pacts (default: pacts/)
  --format text|json   output format (default text)

exit codes: 0 every pact verified for its current content, 1 otherwise, 2 usage error`,
  },
  map: {
    synopsis: 'map [--format json|mermaid|dot]',
    summary: 'the integration map: partners, API versions, system APIs, events, consumers, pacts',
    details: `Prints the static integration map derived from the contracts, gateway/gateway.config.yaml and pacts/:
partners -> API versions (with lifecycle) -> system APIs (and adapters), services -> events -> consumers
(AsyncAPI receive operations and message pacts) and partners' webhooks, and consumer -> provider pacts. Each
edge names its contract version and the pact verification \`concord verify\` recorded. The gateway serves the
same map with live health on every edge at /map and /map.html on its admin listener.

options:
  --format json|mermaid|dot   output format (default json)
  --root <dir>                the repository to read (default: the one this CLI belongs to)

examples:
  concord map --format mermaid > map.mmd
  concord map --format dot | dot -Tsvg > map.svg

exit codes: 0 printed, 2 usage error`,
  },
  config: {
    synopsis: 'config check [file]',
    summary: 'everything the gateway validates at start-up, without starting it; file:line:col per problem',
    details: `Validates a gateway configuration the way start-up does: the YAML and its schema, the contracts it serves
(route conflicts, security schemes, media types), partners, plans and upstream credentials.

arguments:
  file            the config (default: $GATEWAY_CONFIG, else gateway/gateway.config.yaml)

exit codes: 0 valid, 1 problems (one file:line:col line each), 2 usage error`,
  },
  partner: {
    synopsis: 'partner add|rotate-secret|add-key ...',
    summary: 'new partner credentials: prints the secret or key once and the config snippet with its hash',
    details: `Creates partner credentials. The secret or key is printed once and stored nowhere; the config holds only
its hash (paste the printed snippet under security.partners in gateway.config.yaml).

forms:
  partner add <client-id> [--name <name>] [--plan <plan>] [--apis a,b] [--scopes x,y] [--secret <secret>]
                             a new partner with a client secret (generated unless given; at least 16 characters)
  partner rotate-secret <client-id> [--secret <secret>]
                             a second secret for an existing partner; remove the old hash once it has switched
  partner add-key <client-id>
                             an API key (ck_live_...) for operations whose contract accepts an apiKey scheme
  partner hash-key <key>     the hash of a key (a leaked one, say), to find it in the config

exit codes: 0 printed, 2 usage error`,
  },
};

export const USAGE = `usage: concord <command> [options]

commands:
${Object.values(COMMAND_HELP)
  .map((c) => `  ${c.synopsis.padEnd(36)} ${c.summary}`)
  .join('\n')}

concord <command> --help   help for one command
concord --version          the version

exit codes: 0 clean, 1 findings, 2 usage error`;

/** `concord <command> --help`. */
export function commandHelp(help: CommandHelp): string {
  return `usage: concord ${help.synopsis}\n\n${help.summary}\n\n${help.details}`;
}
