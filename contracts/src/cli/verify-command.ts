import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseOptions } from '../diff/options.ts';
import { REPO_ROOT } from '../paths.ts';
import { createProviderRunner } from '../pact/configured-runner.ts';
import { DEFAULT_PROVIDERS_CONFIG } from '../pact/provider-contracts.ts';
import { loadProvidersConfig, PROVIDERS_FILE, type ProvidersConfig, ProvidersConfigError } from '../pact/providers-config.ts';
import { runVerification } from '../pact/run-verification.ts';
import { UsageError, type Io } from './usage-error.ts';

export const DEFAULT_PACTS_DIR = resolve(REPO_ROOT, 'pacts');

/**
 * `concord verify [--pacts <dir>] [--providers <providers.yaml>] [--format text|json]`: for every
 * pact, the pact-vs-contract check and verification against its provider as providers.yaml declares
 * it (default: the one in <dir>, else pacts/providers.yaml), recorded per pact (content hash,
 * provider version, result, time) in <dir>/verification-results.json. With PACT_BROKER_BASE_URL set,
 * pacts and results are published to the broker too. Exit 0 when every pact passed both, 1 otherwise.
 */
export async function verifyCommand(args: string[], io: Io): Promise<number> {
  const options = parseOptions('verify', args, ['pacts', 'providers', 'format'], []);
  if (options.positional.length) throw new UsageError(`verify takes no argument ${options.positional[0]}`);
  const pactsDir = resolve(options.values.get('pacts') ?? DEFAULT_PACTS_DIR);
  const beside = join(pactsDir, PROVIDERS_FILE);
  const providersFile = resolve(options.values.get('providers') ?? (existsSync(beside) ? beside : DEFAULT_PROVIDERS_CONFIG));
  let config: ProvidersConfig;
  try {
    config = loadProvidersConfig(providersFile);
  } catch (err) {
    if (err instanceof ProvidersConfigError) throw new UsageError(err.message);
    throw err;
  }
  // A module provider is TypeScript named at run time, outside the CLI's bundle: load it through tsx.
  if (Object.values(config.providers).some((p) => p.kind === 'module')) (await import('tsx/esm/api')).register();
  const runner = createProviderRunner(config, { log: io.err });
  const json = options.format === 'json';
  const result = await runVerification({ pactsDir, runner, log: json ? undefined : io.out });
  if (json) io.out(JSON.stringify({ ok: result.ok, results: result.records }, null, 2));
  else
    io.out(
      result.ok
        ? `verified ${result.records.length} pacts`
        : `${result.records.filter((r) => r.verification !== 'passed' || r.contractCheck !== 'passed').length} of ${result.records.length} pacts failed`,
    );
  return result.ok ? 0 : 1;
}
