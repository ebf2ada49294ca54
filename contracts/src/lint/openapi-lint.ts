import { createConfig, getLineColLocation, lint, type Config } from '@redocly/openapi-core';
import { displayPath } from '../paths.ts';
import type { Finding } from './finding.ts';
import { concordLintPlugin, PATH_AMBIGUOUS_RULE } from './path-ambiguity-rule.ts';

/**
 * Redocly's `recommended` ruleset, with the rules Concord relies on raised to errors: the gateway
 * routes by operationId, enforces each operation's security, and validates every path parameter.
 */
const RULES = {
  'operation-operationId': 'error',
  'operation-operationId-unique': 'error',
  'security-defined': 'error',
  'path-parameters-defined': 'error',
  'no-unresolved-refs': 'error',
  struct: 'error',
  'no-invalid-media-type-examples': 'error',
  'no-invalid-schema-examples': 'error',
  'operation-4xx-problem-details-rfc7807': 'warn',
  // The gateway refuses operations it cannot route apart (path-ambiguity-rule.ts); lint says so first.
  [PATH_AMBIGUOUS_RULE]: 'error',
} as const;

export function createOpenApiLintConfig(): Promise<Config> {
  return createConfig({ extends: ['recommended'], rules: RULES }, { plugins: [concordLintPlugin] });
}

export async function lintOpenApi(path: string, config?: Config): Promise<Finding[]> {
  const problems = await lint({ ref: path, config: config ?? (await createOpenApiLintConfig()) });
  return problems.map((p) => {
    const location = p.location[0];
    const lc = location ? getLineColLocation(location) : undefined;
    return {
      file: displayPath(lc?.source.absoluteRef ?? path),
      line: lc?.start.line ?? 1,
      col: lc?.start.col ?? 1,
      severity: p.severity === 'error' ? 'error' : 'warning',
      rule: p.ruleId,
      message: p.message.replace(/\s+/g, ' ').trim(),
    } satisfies Finding;
  });
}
