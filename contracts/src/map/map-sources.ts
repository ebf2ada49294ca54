import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { listContracts } from '../paths.ts';
import { type PactFile, readPactDir } from '../pact/pact-file.ts';
import { readResults, type VerificationResults } from '../pact/verification-results.ts';

/** An OpenAPI contract as the map reads it: its id, its `info.version` and its paths. */
export interface OpenApiSummary {
  id: string;
  version: string;
  paths: string[];
}

/** Everything the map is derived from, read from one repository checkout. */
export interface MapSources {
  /** gateway/gateway.config.yaml as parsed (or the gateway's loaded config): read defensively. */
  gatewayConfig: unknown;
  openapi: OpenApiSummary[];
  /** The AsyncAPI documents (contracts/asyncapi/*.yaml), parsed, by contract id. */
  asyncapi: { id: string; document: unknown }[];
  pacts: PactFile[];
  results: VerificationResults;
}

export const MAP_GATEWAY_CONFIG = 'gateway/gateway.config.yaml';

function readYaml(file: string): unknown {
  return parse(readFileSync(file, 'utf8'));
}

function summarise(id: string, document: unknown): OpenApiSummary {
  const doc = (document ?? {}) as { info?: { version?: unknown }; paths?: Record<string, unknown> };
  return { id, version: String(doc.info?.version ?? ''), paths: Object.keys(doc.paths ?? {}) };
}

/**
 * The sources of `root` (a repository checkout): its contracts, its gateway config (unless one is
 * given: the gateway passes the config it runs) and its pacts with their recorded verification.
 * A missing pacts/ folder means no pacts; a missing gateway config means no APIs are served.
 */
export function readMapSources(root: string, options: { gatewayConfig?: unknown } = {}): MapSources {
  const contracts = listContracts({ openapi: join(root, 'contracts/openapi'), asyncapi: join(root, 'contracts/asyncapi') });
  const configFile = join(root, MAP_GATEWAY_CONFIG);
  const gatewayConfig = options.gatewayConfig ?? (existsSync(configFile) ? readYaml(configFile) : {});
  const pactsDir = join(root, 'pacts');
  const hasPacts = existsSync(pactsDir);
  return {
    gatewayConfig,
    openapi: contracts.filter((c) => c.kind === 'openapi').map((c) => summarise(c.id, readYaml(c.path))),
    asyncapi: contracts.filter((c) => c.kind === 'asyncapi').map((c) => ({ id: c.id, document: readYaml(c.path) })),
    pacts: hasPacts ? readPactDir(pactsDir) : [],
    results: hasPacts ? readResults(pactsDir) : { results: {} },
  };
}
