/**
 * `concord partner add|rotate-secret|add-key|hash-key`: partner credentials for gateway.config.yaml.
 * The secret or key is printed once, to stdout, and stored nowhere; what goes into the config (and
 * into git) is its hash, printed as the snippet to paste under `security.partners`.
 */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { generateApiKey, hashApiKey, isApiKeyShaped } from '../partners/api-key.ts';
import { generateClientSecret, hashClientSecret } from '../partners/client-secret.ts';
import { CliUsageError, type CliIo } from './cli-io.ts';

const CLIENT_ID = /^[A-Za-z0-9._~-]{3,128}$/;
const MIN_SECRET_LENGTH = 16;

function parse(
  label: string,
  args: string[],
  options: Record<string, { type: 'string' }>,
): { values: Record<string, string | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | undefined>, positionals };
  } catch (err) {
    // parseArgs' messages are long and name its own API; one line in the CLI's words instead.
    const option = /'([^']+)'/.exec(err instanceof Error ? err.message : '')?.[1];
    throw new CliUsageError(option ? `${label} takes no option ${option.split(' ')[0]}` : `${label}: ${String(err)}`);
  }
}

function clientIdOf(positionals: string[], action: string): string {
  const [clientId, extra] = positionals;
  if (!clientId) throw new CliUsageError(`${action} needs a client id`);
  if (extra !== undefined) throw new CliUsageError(`${action} takes one client id, not '${extra}' too`);
  if (!CLIENT_ID.test(clientId)) throw new CliUsageError(`client id '${clientId}' must be 3-128 of A-Z a-z 0-9 . _ ~ -`);
  return clientId;
}

function secretOf(given: string | undefined): string {
  if (given === undefined) return generateClientSecret();
  if (given.length < MIN_SECRET_LENGTH) {
    throw new CliUsageError(
      `a client secret must be at least ${MIN_SECRET_LENGTH} characters (this one has ${given.length}); omit --secret to have one generated`,
    );
  }
  return given;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A YAML list item indented to sit under `security:\n  partners:`. */
function partnerSnippet(entry: Record<string, unknown>): string {
  return stringify([entry], { flow: false })
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

export async function partnerCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case 'add': {
      const { values, positionals } = parse('add', rest, {
        name: { type: 'string' },
        plan: { type: 'string' },
        apis: { type: 'string' },
        scopes: { type: 'string' },
        secret: { type: 'string' },
      });
      const clientId = clientIdOf(positionals, 'add');
      if (!values.plan) throw new CliUsageError('add needs --plan <plan> (a plan under security.plans)');
      const secret = secretOf(values.secret);
      const entry = {
        clientId,
        name: values.name ?? clientId,
        plan: values.plan,
        apis: list(values.apis),
        scopes: list(values.scopes),
        secrets: [await hashClientSecret(secret)],
      };
      if (values.secret === undefined)
        io.out(`client secret for ${clientId} (shown once; give it to the partner, it is stored nowhere): ${secret}`);
      io.out('');
      io.out('gateway.config.yaml, under security.partners:');
      io.out(partnerSnippet(entry));
      return 0;
    }
    case 'rotate-secret': {
      const { values, positionals } = parse('rotate-secret', rest, { secret: { type: 'string' } });
      const clientId = clientIdOf(positionals, 'rotate-secret');
      const secret = secretOf(values.secret);
      const hash = await hashClientSecret(secret);
      if (values.secret === undefined)
        io.out(`new client secret for ${clientId} (shown once; give it to the partner, it is stored nowhere): ${secret}`);
      io.out('');
      io.out(`gateway.config.yaml, add to the secrets of ${clientId} (remove the old hash once the partner has switched):`);
      io.out(`      secrets:\n        - '${hash}'`);
      return 0;
    }
    case 'add-key': {
      const { positionals } = parse('add-key', rest, {});
      const clientId = clientIdOf(positionals, 'add-key');
      const key = generateApiKey();
      io.out(`API key for ${clientId} (shown once; give it to the partner, it is stored nowhere): ${key}`);
      io.out('');
      io.out(`gateway.config.yaml, add to the apiKeys of ${clientId} (keep the old hash until the partner has switched):`);
      io.out(`      apiKeys:\n        - '${hashApiKey(key)}'`);
      return 0;
    }
    case 'hash-key': {
      const { positionals } = parse('hash-key', rest, {});
      const [key] = positionals;
      if (!key || positionals.length > 1 || !isApiKeyShaped(key))
        throw new CliUsageError('hash-key takes one key, ck_live_ and 43 characters');
      io.out(hashApiKey(key));
      return 0;
    }
    default:
      throw new CliUsageError(
        action
          ? `unknown action '${action}' (add, rotate-secret, add-key, hash-key)`
          : 'partner needs an action: add, rotate-secret, add-key or hash-key',
      );
  }
}
