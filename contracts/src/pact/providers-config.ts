import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { ContractBinding } from './provider-contracts.ts';

/** The file beside the pacts that says how each provider is started and reached. */
export const PROVIDERS_FILE = 'providers.yaml';

/** A bearer token for every replayed request, from an OAuth 2.0 client-credentials token endpoint. */
export interface ProviderToken {
  url: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}

/** What the contract check holds a provider's pacts to. */
export type ProviderContracts = { kind: 'list'; bindings: ContractBinding[] } | { kind: 'gateway'; configFile: string };

interface ProviderCommon {
  name: string;
  contracts: ProviderContracts;
}

/**
 * A provider built into this repository: a module (path relative to providers.yaml) whose `provider`
 * export starts it in-process, with its state handlers and, for events, its message producers.
 */
export interface ModuleProvider extends ProviderCommon {
  kind: 'module';
  module: string;
}

/**
 * Any other provider, reached over HTTP the way Pact itself does it: interactions replayed at
 * `baseUrl`, provider states set up by POSTing `{ consumer, state, params, action }` to
 * `stateSetupUrl` (Pact's providerStatesSetupUrl convention). Started by `command` (in the directory
 * of providers.yaml, stopped afterwards) when it is not already running.
 */
export interface UrlProvider extends ProviderCommon {
  kind: 'url';
  baseUrl: string;
  stateSetupUrl?: string;
  command?: string;
  /** Where the command is ready: default baseUrl. */
  readyUrl: string;
  readyTimeoutMs: number;
  cwd: string;
  headers: Record<string, string>;
  token?: ProviderToken;
}

export type ProviderConfig = ModuleProvider | UrlProvider;

export interface ProvidersConfig {
  file: string;
  providers: Record<string, ProviderConfig>;
}

export class ProvidersConfigError extends Error {}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const KEYS = new Set([
  'module',
  'baseUrl',
  'stateSetupUrl',
  'command',
  'readyUrl',
  'readyTimeoutMs',
  'headers',
  'token',
  'contracts',
  'gatewayConfig',
]);

/**
 * Reads providers.yaml. Every string may name environment variables as `${NAME}` (a secret stays out
 * of the file); a variable that is not set, an unknown key, or a provider without a way to reach it
 * is an error naming the provider and the file.
 */
export function loadProvidersConfig(file: string, env: Record<string, string | undefined> = process.env): ProvidersConfig {
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ProvidersConfigError(`${file}: ${(err as Error).message}`);
  }
  const dir = dirname(file);
  const raw = isRecord(document) ? document['providers'] : undefined;
  if (!isRecord(raw)) throw new ProvidersConfigError(`${file}: expected a map under providers:`);
  const providers: Record<string, ProviderConfig> = {};
  for (const [name, value] of Object.entries(raw)) {
    const where = `${file}: providers.${name}`;
    if (!isRecord(value)) throw new ProvidersConfigError(`${where}: expected a map`);
    for (const key of Object.keys(value)) if (!KEYS.has(key)) throw new ProvidersConfigError(`${where}.${key}: unknown key`);
    const text = (key: string): string | undefined => {
      const v = value[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v === '') throw new ProvidersConfigError(`${where}.${key}: expected a non-empty string`);
      return expand(v, env, `${where}.${key}`);
    };
    const contracts = contractsOf(value, dir, where);
    const module = text('module');
    if (module !== undefined) {
      providers[name] = { kind: 'module', name, module: resolve(dir, module), contracts };
      continue;
    }
    const baseUrl = text('baseUrl');
    if (baseUrl === undefined) throw new ProvidersConfigError(`${where}: give a baseUrl (where interactions are replayed) or a module`);
    const headers = value['headers'] ?? {};
    if (!isRecord(headers) || Object.values(headers).some((h) => typeof h !== 'string'))
      throw new ProvidersConfigError(`${where}.headers: expected a map of header names to strings`);
    const token = value['token'];
    if (token !== undefined && !isRecord(token))
      throw new ProvidersConfigError(`${where}.token: expected { url, clientId, clientSecret, scope }`);
    const timeout = value['readyTimeoutMs'] ?? 30_000;
    if (typeof timeout !== 'number' || timeout <= 0) throw new ProvidersConfigError(`${where}.readyTimeoutMs: expected a positive number`);
    const stateSetupUrl = text('stateSetupUrl');
    const command = text('command');
    providers[name] = {
      kind: 'url',
      name,
      baseUrl,
      ...(stateSetupUrl !== undefined ? { stateSetupUrl } : {}),
      ...(command !== undefined ? { command } : {}),
      readyUrl: text('readyUrl') ?? baseUrl,
      readyTimeoutMs: timeout,
      cwd: dir,
      headers: Object.fromEntries(Object.entries(headers).map(([h, v]) => [h, expand(v as string, env, `${where}.headers.${h}`)])),
      ...(token ? { token: tokenOf(token, env, `${where}.token`) } : {}),
      contracts,
    };
  }
  return { file, providers };
}

function contractsOf(value: Json, dir: string, where: string): ProviderContracts {
  const gateway = value['gatewayConfig'];
  const list = value['contracts'];
  if (gateway !== undefined && list !== undefined) throw new ProvidersConfigError(`${where}: give contracts or gatewayConfig, not both`);
  if (typeof gateway === 'string') return { kind: 'gateway', configFile: resolve(dir, gateway) };
  if (gateway !== undefined) throw new ProvidersConfigError(`${where}.gatewayConfig: expected the path of a gateway config`);
  if (list === undefined) return { kind: 'list', bindings: [] };
  if (!Array.isArray(list)) throw new ProvidersConfigError(`${where}.contracts: expected a list of { contract, basePath }`);
  return {
    kind: 'list',
    bindings: list.map((item, i) => {
      const entry = typeof item === 'string' ? { contract: item } : item;
      if (!isRecord(entry) || typeof entry['contract'] !== 'string')
        throw new ProvidersConfigError(`${where}.contracts[${i}]: expected a contract id or { contract, basePath }`);
      const basePath = typeof entry['basePath'] === 'string' ? entry['basePath'].replace(/\/+$/, '') : '';
      return { contract: entry['contract'], basePath };
    }),
  };
}

function tokenOf(token: Json, env: Record<string, string | undefined>, where: string): ProviderToken {
  const field = (key: string, required: boolean): string | undefined => {
    const v = token[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') throw new ProvidersConfigError(`${where}.${key}: expected a non-empty string`);
    return expand(v, env, `${where}.${key}`);
  };
  const scope = field('scope', false);
  return {
    url: field('url', true)!,
    clientId: field('clientId', true)!,
    clientSecret: field('clientSecret', true)!,
    ...(scope ? { scope } : {}),
  };
}

function expand(value: string, env: Record<string, string | undefined>, where: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined || v === '') throw new ProvidersConfigError(`${where}: the environment variable ${name} is not set`);
    return v;
  });
}
