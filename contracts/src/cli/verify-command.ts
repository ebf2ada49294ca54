import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseOptions } from '../diff/options.ts';
import { REPO_ROOT } from '../paths.ts';
import { runVerification, type ProviderRunner } from '../pact/run-verification.ts';
import { UsageError, type Io } from './usage-error.ts';

export const DEFAULT_PACTS_DIR = resolve(REPO_ROOT, 'pacts');
/** Where the providers live: they start the gateway and the services, which this workspace cannot import. */
export const DEFAULT_PROVIDERS_MODULE = resolve(REPO_ROOT, 'test/contract/providers/index.ts');

/**
 * `concord verify [--pacts <dir>] [--providers <module>] [--format text|json]`: for every pact, the
 * pact-vs-contract check and verification against the real provider started in-process, recorded
 * per pact (content hash, provider version, result, time) in <dir>/verification-results.json.
 * With PACT_BROKER_BASE_URL set, pacts and results are published to the broker too.
 * Exit 0 when every pact passed both, 1 otherwise.
 */
export async function verifyCommand(args: string[], io: Io): Promise<number> {
  const options = parseOptions('verify', args, ['pacts', 'providers', 'format'], []);
  if (options.positional.length) throw new UsageError(`verify takes no argument ${options.positional[0]}`);
  const pactsDir = resolve(options.values.get('pacts') ?? DEFAULT_PACTS_DIR);
  const runner = await loadRunner(options.values.get('providers') ?? DEFAULT_PROVIDERS_MODULE);
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

async function loadRunner(module: string): Promise<ProviderRunner> {
  // The runner is TypeScript named at run time, outside the CLI's bundle: load it through tsx.
  (await import('tsx/esm/api')).register();
  const loaded = (await import(pathToFileURL(resolve(module)).href)) as { providerRunner?: ProviderRunner };
  if (!loaded.providerRunner) throw new UsageError(`${module} exports no providerRunner`);
  return loaded.providerRunner;
}
