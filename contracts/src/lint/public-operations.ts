import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

export const GATEWAY_CONFIG = 'gateway/gateway.config.yaml';

type Json = Record<string, unknown>;
const record = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});
const publicOf = (holder: unknown): boolean | undefined => {
  const value = record(record(holder)['policies'])['public'];
  return typeof value === 'boolean' ? value : undefined;
};

/** Which operations of one contract the gateway serves without authentication. */
export interface PublicPolicy {
  isPublic(operationId: string | undefined): boolean;
}

/**
 * Reads `public: true` from gateway/gateway.config.yaml the way the gateway applies policies: an
 * operation's own `policies` win over its API's, which win over `defaults`. The file is owned and
 * validated by the gateway; a missing or unreadable one means nothing is public.
 */
export async function readPublicPolicies(root: string): Promise<Map<string, PublicPolicy>> {
  const policies = new Map<string, PublicPolicy>();
  let config: Json;
  try {
    config = record(parse(await readFile(join(root, GATEWAY_CONFIG), 'utf8')));
  } catch {
    return policies;
  }
  const fallback = publicOf(config['defaults']) ?? false;
  for (const api of Array.isArray(config['apis']) ? config['apis'] : []) {
    const entry = record(api);
    const contract = entry['contract'];
    if (typeof contract !== 'string') continue;
    const apiPublic = publicOf(entry) ?? fallback;
    const operations = record(entry['operations']);
    policies.set(contract, {
      isPublic: (operationId) => (operationId !== undefined ? publicOf(operations[operationId]) : undefined) ?? apiPublic,
    });
  }
  return policies;
}
