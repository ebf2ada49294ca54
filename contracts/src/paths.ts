import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { documentKind } from './lint/document-kind.ts';

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

/** `<api>.v<major>` in YAML or JSON: both are how OpenAPI and AsyncAPI documents are written. */
const CONTRACT_FILE = /^([a-z][a-z0-9-]*\.v[0-9]+)\.(?:yaml|yml|json)$/;
const CONTRACT_EXTENSIONS = ['yaml', 'yml', 'json'] as const;
const DOCUMENT_FILE = /\.(?:ya?ml|json)$/i;

export interface ContractDirs {
  openapi?: string;
  asyncapi?: string;
}

function contractDirs(dirs: ContractDirs) {
  return [
    ['openapi', dirs.openapi ?? OPENAPI_DIR],
    ['asyncapi', dirs.asyncapi ?? ASYNCAPI_DIR],
  ] as const;
}

export function listContracts(dirs: ContractDirs = {}): ContractFile[] {
  const found: ContractFile[] = [];
  for (const [kind, dir] of contractDirs(dirs)) {
    for (const name of readdirSync(dir).sort()) {
      const match = CONTRACT_FILE.exec(name);
      if (match?.[1]) found.push({ id: match[1], kind, path: join(dir, name) });
    }
  }
  return found;
}

/** The source file of contract `id` in `dir`, whichever extension it has; undefined when none. */
export function contractSourceFile(dir: string, id: string): string | undefined {
  return CONTRACT_EXTENSIONS.map((ext) => join(dir, `${id}.${ext}`)).find((file) => existsSync(file));
}

/**
 * Why contract files in the contract directories would be skipped or clash, one line each naming the
 * file: an OpenAPI or AsyncAPI document whose name is not `<api>.v<major>.yaml` (it would silently
 * not exist for generate, the gateway and the portal), and two files of one contract id. YAML and
 * JSON files that are not documents (parts a contract `$ref`s) are left alone.
 */
export function contractFileProblems(dirs: ContractDirs = {}): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const [kind, dir] of contractDirs(dirs)) {
    const byId = new Map<string, string>();
    for (const name of readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort()) {
      const path = join(dir, name);
      const id = CONTRACT_FILE.exec(name)?.[1];
      if (id) {
        const other = byId.get(id);
        if (other) problems.push({ path, message: `${id} is also ${other}: keep one file per contract` });
        else byId.set(id, name);
        continue;
      }
      // Only files the name rule skips are read: a well-named contract can be megabytes.
      const found = DOCUMENT_FILE.test(name) ? documentKindOf(path) : undefined;
      if (!found) continue;
      if (found !== kind) {
        problems.push({
          path,
          message: `an ${SPEC_NAMES[found]} document among the ${SPEC_NAMES[kind]} contracts: move it to the ${found} directory`,
        });
        continue;
      }
      const suggestion = name
        .replace(DOCUMENT_FILE, '')
        .toLowerCase()
        .replace(/[^a-z0-9.-]+/g, '-');
      problems.push({
        path,
        message: `an ${SPEC_NAMES[kind]} document whose name is not <api>.v<major>.yaml (or .yml, .json; lower case, e.g. ${/\.v\d+$/.test(suggestion) ? suggestion : `${suggestion}.v1`}.yaml), so no command would see it: rename it`,
      });
    }
  }
  return problems;
}

const SPEC_NAMES: Record<ContractKind, string> = { openapi: 'OpenAPI', asyncapi: 'AsyncAPI' };

/** Which spec a file is a whole document of, as lint tells them apart; undefined for parts and unreadable files. */
function documentKindOf(path: string): ContractKind | undefined {
  try {
    return documentKind(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
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
