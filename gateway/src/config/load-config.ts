/**
 * Reads gateway.config.yaml into a validated GatewayConfig. A broken file never half-loads: it fails
 * with the file, the line and what is wrong, so start-up stops and a reload keeps the old config.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { upstreamEnvName, type GatewayProcessEnv } from './env.ts';
import { gatewayConfigSchema, upstreamSchema, type GatewayConfig } from './schema.ts';
import { readSecret, type SecretReader, type SecretSource } from './secret.ts';

export interface ConfigProblem {
  line: number;
  column: number;
  /** `apis[1].lifecycle.sunset` */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly file: string;
  readonly problems: ConfigProblem[];

  constructor(file: string, problems: ConfigProblem[]) {
    super(
      `Invalid gateway config ${file}:\n${problems.map((p) => `  ${file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n')}`,
    );
    this.name = this.constructor.name;
    this.file = file;
    this.problems = problems;
  }
}

type PathKey = string | number;

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('');
}

/** The position of the deepest node of `path` that exists; an unknown key points at the key itself. */
function locate(doc: Document, lineCounter: LineCounter, path: PathKey[], unknownKey?: string): { line: number; column: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (!node || !range) continue;
    let offset = range[0];
    if (unknownKey !== undefined && depth === path.length && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === unknownKey);
      if (pair && isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
    }
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  }
  return { line: 1, column: 1 };
}

function toProblems(issues: z.core.$ZodIssue[], doc: Document, lineCounter: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((k): k is PathKey => typeof k === 'string' || typeof k === 'number');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ ...locate(doc, lineCounter, path, key), path: formatPath([...path, key]), message: 'is not a known setting here' });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the first branch's reasons rather than "invalid input".
      problems.push(
        ...toProblems(
          issue.errors[0]!.map((e) => ({ ...e, path: [...issue.path, ...e.path] })),
          doc,
          lineCounter,
        ),
      );
      continue;
    }
    problems.push({ ...locate(doc, lineCounter, path), path: formatPath(path), message: issue.message });
  }
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The secret references of one upstream's `auth`, by their path under `upstreams.<name>.auth`. */
function secretReferences(auth: NonNullable<GatewayConfig['upstreams'][string]['auth']>): [string, SecretSource][] {
  const refs: [string, unknown][] =
    auth.type === 'header'
      ? [['value', auth.value]]
      : auth.type === 'basic'
        ? [
            ['username', auth.username],
            ['password', auth.password],
          ]
        : [
            ['clientId', auth.clientId],
            ['clientSecret', auth.clientSecret],
          ];
  return refs.filter((r): r is [string, SecretSource] => typeof r[1] === 'object' && r[1] !== null);
}

/**
 * Reads every secret the upstreams refer to, once per (re)load: a variable that is not set or a file
 * that cannot be read is a problem at its line, like any other, and a reload picks up a rotated file.
 */
function readUpstreamSecrets(config: GatewayConfig, reader: SecretReader, doc: Document, lineCounter: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [name, upstream] of Object.entries(config.upstreams)) {
    if (!upstream.auth) continue;
    for (const [key, source] of secretReferences(upstream.auth)) {
      try {
        source.secret = readSecret(source, reader);
      } catch (err) {
        const path = ['upstreams', name, 'auth', key, source.env !== undefined ? 'env' : 'file'];
        problems.push({ ...locate(doc, lineCounter, path), path: formatPath(path), message: (err as Error).message });
      }
    }
  }
  return problems;
}

export type ConfigEnv = Pick<GatewayProcessEnv, 'upstreamUrls' | 'port'> & Partial<Pick<GatewayProcessEnv, 'variable'>>;

/**
 * Parse and validate config text; `file` names the source in errors and is where relative secret
 * files are found. Without `env`, secrets from environment variables cannot be read (tests that
 * need them pass parseProcessEnv({...})).
 */
export function parseConfig(text: string, file: string, env?: ConfigEnv): GatewayConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { line: pos.line, column: pos.col, path: '', message: e.message.split('\n')[0] ?? e.message };
      }),
    );
  }
  const result = gatewayConfigSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) throw new ConfigError(file, toProblems(result.error.issues, doc, lineCounter));
  const secretProblems = readUpstreamSecrets(result.data, { variable: env?.variable, baseDir: dirname(file) }, doc, lineCounter);
  if (secretProblems.length) throw new ConfigError(file, secretProblems);
  const config = withKeyFileResolved(result.data, dirname(file));
  return env ? applyEnvOverrides(config, env, file) : config;
}

/** The issuer's key file is named relative to the config file, like secret files. */
function withKeyFileResolved(config: GatewayConfig, baseDir: string): GatewayConfig {
  const { keyFile } = config.security.issuer;
  if (!keyFile || isAbsolute(keyFile)) return config;
  return { ...config, security: { ...config.security, issuer: { ...config.security.issuer, keyFile: resolve(baseDir, keyFile) } } };
}

/** PORT and UPSTREAM_<NAME>_URL win over the file; an invalid override is an error like any other. */
export function applyEnvOverrides(config: GatewayConfig, env: ConfigEnv, file: string): GatewayConfig {
  const upstreams = { ...config.upstreams };
  const problems: ConfigProblem[] = [];
  for (const [name, upstream] of Object.entries(upstreams)) {
    const variable = upstreamEnvName(name);
    const url = env.upstreamUrls[variable];
    if (url === undefined) continue;
    const checked = upstreamSchema.shape.url.safeParse(url);
    if (!checked.success) problems.push({ line: 0, column: 0, path: variable, message: `${url} is not an http(s) URL` });
    else upstreams[name] = { ...upstream, url };
  }
  if (problems.length) throw new ConfigError(file, problems);
  return { ...config, upstreams, server: { ...config.server, port: env.port ?? config.server.port } };
}

export async function loadConfigFile(file: string, env?: ConfigEnv): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ line: 0, column: 0, path: '', message: `cannot be read: ${(err as Error).message}` }]);
  }
  return parseConfig(text, file, env);
}
