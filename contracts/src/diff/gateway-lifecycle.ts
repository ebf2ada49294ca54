import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The part of an `apis:` entry in gateway/gateway.config.yaml that the versioning policy reads. */
export interface Lifecycle {
  status?: string;
  deprecation?: string;
  sunset?: string;
  successor?: string;
}

export const GATEWAY_CONFIG = 'gateway/gateway.config.yaml';

const text = (value: unknown) => (typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : undefined);

/**
 * Lifecycles by contract id (`customers.v1`). The gateway config is owned and validated by the
 * gateway; here it is read defensively, so a missing, half-written or differently shaped file
 * means "no sunset known" (the strict side of the policy) rather than a crash.
 */
export async function readLifecycles(root: string): Promise<Map<string, Lifecycle>> {
  const found = new Map<string, Lifecycle>();
  let document: unknown;
  try {
    document = parse(await readFile(join(root, GATEWAY_CONFIG), 'utf8'));
  } catch {
    return found;
  }
  const apis = typeof document === 'object' && document !== null && 'apis' in document ? document.apis : undefined;
  if (!Array.isArray(apis)) return found;
  for (const api of apis as unknown[]) {
    if (typeof api !== 'object' || api === null) continue;
    const entry = api as Record<string, unknown>;
    const contract = text(entry['contract']);
    const lifecycle = entry['lifecycle'];
    if (!contract || typeof lifecycle !== 'object' || lifecycle === null) continue;
    const l = lifecycle as Record<string, unknown>;
    found.set(contract, {
      status: text(l['status']),
      deprecation: text(l['deprecation']),
      sunset: text(l['sunset']),
      successor: text(l['successor']),
    });
  }
  return found;
}
