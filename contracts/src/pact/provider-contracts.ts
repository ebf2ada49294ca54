import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../paths.ts';

/** One OpenAPI contract a provider serves, and the path prefix it is served under. */
export interface ContractBinding {
  contract: string;
  basePath: string;
}

/** The system APIs serve their one contract at the root. */
const SERVICE_CONTRACTS: Record<string, ContractBinding[]> = {
  customers: [{ contract: 'customers.v2', basePath: '' }],
  orders: [{ contract: 'orders.v1', basePath: '' }],
  inventory: [{ contract: 'inventory.v1', basePath: '' }],
  webhooks: [{ contract: 'webhooks.v1', basePath: '' }],
};

export const GATEWAY_PROVIDER = 'concord-gateway';

/** The gateway serves what its config binds: every `apis[]` entry, contract at basePath. */
export function gatewayBindings(configFile = join(REPO_ROOT, 'gateway', 'gateway.config.yaml')): ContractBinding[] {
  const config = parse(readFileSync(configFile, 'utf8')) as { apis?: { contract?: string; basePath?: string }[] };
  return (config.apis ?? [])
    .filter((a) => a.contract)
    .map((a) => ({ contract: a.contract!, basePath: (a.basePath ?? '').replace(/\/+$/, '') }));
}

/** The contracts a provider (by its pact name) promises; undefined for a provider Concord does not know. */
export function providerContracts(provider: string): ContractBinding[] | undefined {
  if (provider === GATEWAY_PROVIDER) return gatewayBindings();
  return SERVICE_CONTRACTS[provider];
}
