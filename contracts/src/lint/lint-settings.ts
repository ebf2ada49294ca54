import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { PublicPolicy } from './public-operations.ts';

/** Redocly's rule setting: a severity, or a severity with the rule's options. */
export type RuleSetting = 'off' | 'warn' | 'error' | ({ severity?: 'off' | 'warn' | 'error' } & Record<string, unknown>);
export type Rules = Record<string, RuleSetting>;

/** What a team configured in `redocly.yaml` (Redocly's own format), as far as lint reads it. */
export interface LintSettings {
  file?: string;
  extends?: string[];
  rules: Rules;
  /** Per-API overrides (`apis: { name@v1: { root, extends, rules } }`), by absolute root path. */
  apis: Array<{ root: string; extends?: string[]; rules: Rules }>;
}

export const LINT_SETTINGS_FILE = 'redocly.yaml';

type Json = Record<string, unknown>;
const record = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : undefined;

/** Reads `<root>/redocly.yaml` when there is one; none means Concord's default ruleset alone. */
export async function readLintSettings(root: string): Promise<LintSettings> {
  const file = join(root, LINT_SETTINGS_FILE);
  if (!existsSync(file)) return { rules: {}, apis: [] };
  let config: Json;
  try {
    config = record(parse(await readFile(file, 'utf8')));
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const apis = Object.values(record(config['apis'])).flatMap((value) => {
    const api = record(value);
    if (typeof api['root'] !== 'string') return [];
    return [{ root: resolve(dirname(file), api['root']), extends: list(api['extends']), rules: record(api['rules']) as Rules }];
  });
  return { file, extends: list(config['extends']), rules: record(config['rules']) as Rules, apis };
}

const severityOf = (setting: RuleSetting | undefined): string | undefined => (typeof setting === 'string' ? setting : setting?.severity);

/**
 * The ruleset for one contract: Concord's defaults, then the team's `rules`, then the API's own.
 * Operations the gateway serves without authentication are `security-defined` exceptions.
 */
export function rulesFor(
  path: string,
  settings: LintSettings,
  defaults: Rules,
  publicOperations: Array<{ path: string; method: string }>,
): { extends: string[]; rules: Rules } {
  const api = settings.apis.find((a) => a.root === resolve(path));
  const rules: Rules = { ...defaults, ...settings.rules, ...api?.rules };
  const security = rules['security-defined'];
  const severity = severityOf(security);
  if (publicOperations.length && severity !== 'off') {
    const options = typeof security === 'object' ? security : {};
    const exceptions = Array.isArray(options['exceptions']) ? options['exceptions'] : [];
    rules['security-defined'] = {
      ...options,
      severity: (severity ?? 'error') as 'warn' | 'error',
      exceptions: [...exceptions, ...publicOperations.map((o) => ({ path: o.path, methods: [o.method] }))],
    };
  }
  return { extends: api?.extends ?? settings.extends ?? ['recommended'], rules };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** (path, method) of each operation of `document` that `policy` makes public. */
export function publicOperationsOf(document: unknown, policy: PublicPolicy | undefined): Array<{ path: string; method: string }> {
  if (!policy) return [];
  const out: Array<{ path: string; method: string }> = [];
  for (const [path, item] of Object.entries(record(record(document)['paths']))) {
    for (const method of METHODS) {
      const operation = record(item)[method];
      if (operation === undefined) continue;
      const id = record(operation)['operationId'];
      if (policy.isPublic(typeof id === 'string' ? id : undefined)) out.push({ path, method });
    }
  }
  return out;
}
