import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The contracts workspace, found by Node's package resolution rather than from this file's own
 * location: the CLI works from any directory, and the gateway's bundle (gateway/dist, where this
 * module is inlined) still finds the contract files it serves.
 */
export const CONTRACTS_DIR = dirname(createRequire(import.meta.url).resolve('@concord/contracts/package.json'));
export const REPO_ROOT = resolve(CONTRACTS_DIR, '..');
export const OPENAPI_DIR = join(CONTRACTS_DIR, 'openapi');
export const ASYNCAPI_DIR = join(CONTRACTS_DIR, 'asyncapi');
export const GENERATED_DIR = join(CONTRACTS_DIR, 'generated');

export type ContractKind = 'openapi' | 'asyncapi';

export interface ContractFile {
  /** `customers.v2` */
  id: string;
  kind: ContractKind;
  path: string;
}

const CONTRACT_FILE = /^([a-z][a-z0-9-]*\.v[0-9]+)\.ya?ml$/;

export function listContracts(dirs: { openapi?: string; asyncapi?: string } = {}): ContractFile[] {
  const found: ContractFile[] = [];
  for (const [kind, dir] of [
    ['openapi', dirs.openapi ?? OPENAPI_DIR],
    ['asyncapi', dirs.asyncapi ?? ASYNCAPI_DIR],
  ] as const) {
    for (const name of readdirSync(dir).sort()) {
      const match = CONTRACT_FILE.exec(name);
      if (match?.[1]) found.push({ id: match[1], kind, path: join(dir, name) });
    }
  }
  return found;
}

/** Paths in messages are relative to where the user stands, so they can be clicked in a terminal. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/** `customers.v2` -> `CustomersV2`; `events.v1` -> `EventsV1`. */
export function pascalId(id: string): string {
  return id
    .split(/[.-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
