import { pathToFileURL } from 'node:url';
import { startCommandProcess, type CommandProcess } from '../process/command-process.ts';
import type { PactFile } from './pact-file.ts';
import { providerContracts } from './provider-contracts.ts';
import type { ProviderDefinition, ProviderStartOptions } from './provider-definition.ts';
import type { ModuleProvider, ProvidersConfig, ProviderToken, UrlProvider } from './providers-config.ts';
import type { ProviderRunner } from './run-verification.ts';
import { startStateSetupServer } from './state-setup-server.ts';
import { verifyPactFile, type InteractionFailure, type VerifyPactOptions } from './verify-pact.ts';

export interface ConfiguredRunnerOptions {
  /** Passed to every module provider's start (tests of the verification itself). */
  variant?: ProviderStartOptions;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

/**
 * `concord verify`'s providers, as providers.yaml declares them: each pact's provider is started
 * (a module in-process, or a command) or reached where it already runs, verified, and stopped.
 */
export function createProviderRunner(config: ProvidersConfig, options: ConfiguredRunnerOptions = {}): ProviderRunner {
  const contractsOf = providerContracts(config);
  return {
    providers: () => Object.keys(config.providers),
    contracts: contractsOf,
    async verify(pact, verifyOptions) {
      const entry = config.providers[pact.provider];
      if (!entry) throw new Error(`${config.file} names no provider ${pact.provider}`);
      const failures =
        entry.kind === 'module'
          ? await verifyModule(entry, pact, verifyOptions, options)
          : await verifyUrl(entry, pact, verifyOptions, options);
      return { passed: failures.length === 0, failures };
    },
  };
}

function unknownStateFailure(provider: string, state: string): InteractionFailure {
  return { interaction: `(provider state "${state}")`, mismatch: `${provider} has no handler for the provider state "${state}"` };
}

async function verifyModule(
  entry: ModuleProvider,
  pact: PactFile,
  verifyOptions: VerifyPactOptions,
  options: ConfiguredRunnerOptions,
): Promise<InteractionFailure[]> {
  const loaded = (await import(pathToFileURL(entry.module).href)) as { provider?: ProviderDefinition };
  if (!loaded.provider) throw new Error(`${entry.module} (provider ${entry.name}) exports no provider`);
  const started = await loaded.provider.start(options.variant);
  try {
    const states = await startStateSetupServer(started.stateHandlers);
    try {
      const failures = await verifyPactFile(
        pact.file,
        {
          name: entry.name,
          ...(started.baseUrl ? { baseUrl: started.baseUrl } : {}),
          stateSetupUrl: states.url,
          ...(started.messageProviders ? { messageProviders: started.messageProviders } : {}),
          headers: started.requestHeaders?.() ?? {},
        },
        verifyOptions,
      );
      for (const state of new Set(states.unknownStates())) failures.push(unknownStateFailure(entry.name, state));
      return failures;
    } finally {
      await states.close();
    }
  } finally {
    await started.close();
  }
}

async function verifyUrl(
  entry: UrlProvider,
  pact: PactFile,
  verifyOptions: VerifyPactOptions,
  options: ConfiguredRunnerOptions,
): Promise<InteractionFailure[]> {
  const states = [...new Set(pact.interactions.flatMap((i) => (i.providerStates ?? []).map((s) => s.name)))];
  if (states.length > 0 && !entry.stateSetupUrl)
    // Without a setup URL the verifier skips states silently and checks data nobody set up.
    return states.map((state) => ({
      interaction: `(provider state "${state}")`,
      mismatch: `the pact needs provider states, but ${entry.name} in providers.yaml has no stateSetupUrl`,
    }));
  let command: CommandProcess | undefined;
  if (entry.command) {
    const ready = new URL(entry.readyUrl);
    command = await startCommandProcess({
      name: entry.name,
      command: entry.command,
      cwd: entry.cwd,
      readyPort: Number(ready.port || (ready.protocol === 'https:' ? 443 : 80)),
      readyTimeoutMs: entry.readyTimeoutMs,
      env: options.env ?? process.env,
      log: options.log ?? (() => {}),
    });
  }
  try {
    const headers = { ...entry.headers };
    if (entry.token) headers['authorization'] = `Bearer ${await fetchToken(entry.token, options.fetch ?? fetch)}`;
    return await verifyPactFile(
      pact.file,
      { name: entry.name, baseUrl: entry.baseUrl, ...(entry.stateSetupUrl ? { stateSetupUrl: entry.stateSetupUrl } : {}), headers },
      verifyOptions,
    );
  } finally {
    await command?.close();
  }
}

/** OAuth 2.0 client credentials (RFC 6749 section 4.4), the client authenticated with HTTP Basic. */
async function fetchToken(token: ProviderToken, fetchImpl: typeof fetch): Promise<string> {
  const basic = Buffer.from(`${encodeURIComponent(token.clientId)}:${encodeURIComponent(token.clientSecret)}`).toString('base64');
  const res = await fetchImpl(token.url, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(token.scope ? { scope: token.scope } : {}) }),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string };
  if (!res.ok || !body.access_token) throw new Error(`no token from ${token.url}: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}
