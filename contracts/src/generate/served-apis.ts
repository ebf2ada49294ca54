import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const GATEWAY_CONFIG = 'gateway/gateway.config.yaml';

/** An API version the gateway serves: its public base path and lifecycle status. */
export interface ServedApi {
  contract: string;
  basePath: string;
  status: string;
}

type Json = Record<string, unknown>;
const record = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});

/**
 * The API versions gateway/gateway.config.yaml serves to partners, by contract id: what the SDK is
 * generated for, under the base path the gateway routes (a contract's `servers` names a host the
 * gateway may not be, and a contract not in `apis:` is not reachable at all). A retired version
 * answers 410 only, so it is left out. The file is owned and validated by the gateway; here it is
 * read defensively, and a missing one means nothing is served.
 */
export function readServedApis(root: string, file: string = GATEWAY_CONFIG): Map<string, ServedApi> {
  const served = new Map<string, ServedApi>();
  let config: Json;
  try {
    config = record(parse(readFileSync(join(root, file), 'utf8')));
  } catch {
    return served;
  }
  for (const api of Array.isArray(config['apis']) ? config['apis'] : []) {
    const entry = record(api);
    const contract = entry['contract'];
    const basePath = entry['basePath'];
    if (typeof contract !== 'string' || typeof basePath !== 'string' || served.has(contract)) continue;
    const status = record(entry['lifecycle'])['status'];
    if (status === 'retired') continue;
    served.set(contract, { contract, basePath: basePath.replace(/\/+$/, ''), status: typeof status === 'string' ? status : 'current' });
  }
  return served;
}
