import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../paths.ts';
import { loadProvidersConfig, PROVIDERS_FILE, type ProvidersConfig } from './providers-config.ts';

/** One OpenAPI contract a provider serves, and the path prefix it is served under. */
export interface ContractBinding {
  contract: string;
  basePath: string;
}

/** The repository's provider configuration: pacts/providers.yaml. */
export const DEFAULT_PROVIDERS_CONFIG = join(REPO_ROOT, 'pacts', PROVIDERS_FILE);

/** A gateway serves what its config binds: every `apis[]` entry, contract at basePath. */
export function gatewayBindings(configFile: string): ContractBinding[] {
  const config = parse(readFileSync(configFile, 'utf8')) as { apis?: { contract?: string; basePath?: string }[] };
  return (config.apis ?? [])
    .filter((a) => a.contract)
    .map((a) => ({ contract: a.contract!, basePath: (a.basePath ?? '').replace(/\/+$/, '') }));
}

/**
 * The contracts each provider (by its pact name) promises, as its providers.yaml entry declares them:
 * a list, or every API a gateway config serves. Undefined for a provider the file does not name.
 */
export function providerContracts(config: ProvidersConfig = loadProvidersConfig(DEFAULT_PROVIDERS_CONFIG)) {
  return (provider: string): ContractBinding[] | undefined => {
    const entry = config.providers[provider];
    if (!entry) return undefined;
    return entry.contracts.kind === 'gateway' ? gatewayBindings(entry.contracts.configFile) : entry.contracts.bindings;
  };
}
