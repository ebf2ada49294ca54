import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { contractIdOf } from '../diff/contract-diff.ts';
import { documentKind, type DocumentKind } from '../lint/document-kind.ts';
import { formatFinding, type Finding } from '../lint/finding.ts';
import { publicOperationsOf, readLintSettings, rulesFor, type LintSettings } from '../lint/lint-settings.ts';
import { readPublicPolicies, type PublicPolicy } from '../lint/public-operations.ts';
import { contractFileProblems, displayPath, listContracts, REPO_ROOT } from '../paths.ts';
import { UsageError, type Io } from './usage-error.ts';

/** The repository the user stands in (nearest `.git` above the working directory), else Concord's own. */
function repositoryRootOf(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return REPO_ROOT;
  }
}

async function read(path: string): Promise<{ text: string; kind: DocumentKind }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  const kind = documentKind(text);
  if (!kind) throw new UsageError(`${path} is neither an OpenAPI nor an AsyncAPI document (no top-level \`openapi\` or \`asyncapi\` key)`);
  return { text, kind };
}

async function lintOne(
  path: string,
  file: { text: string; kind: DocumentKind },
  settings: LintSettings,
  policies: Map<string, PublicPolicy>,
): Promise<Finding[]> {
  if (file.kind === 'asyncapi') {
    // Loaded only when an AsyncAPI contract is linted: the parser takes a while to import.
    const { lintAsyncApi } = await import('../lint/asyncapi-lint.ts');
    return lintAsyncApi(path);
  }
  const { createOpenApiLintConfig, DEFAULT_RULES, lintOpenApi } = await import('../lint/openapi-lint.ts');
  const policy = policies.get(contractIdOf(path));
  const publicOperations = policy ? publicOperationsOf(parse(file.text), policy) : [];
  const config = await createOpenApiLintConfig(rulesFor(path, settings, DEFAULT_RULES as never, publicOperations));
  return lintOpenApi(path, config);
}

/**
 * `concord lint [paths...]`: exit 1 on any error, 0 when clean (warnings are printed, not fatal).
 * The ruleset is Concord's, overridden by a `redocly.yaml` at the root of the repository the user
 * stands in; operations gateway/gateway.config.yaml makes public need no security there.
 */
export async function lintCommand(args: string[], io: Io): Promise<number> {
  const flags = args.filter((a) => a.startsWith('-'));
  if (flags.length) throw new UsageError(`lint takes no option ${flags[0]}`);
  const paths = args.length ? args.map((a) => resolve(a)) : listContracts().map((c) => c.path);
  const files = await Promise.all(paths.map(read));
  const root = repositoryRootOf(process.cwd());
  let settings: LintSettings;
  try {
    settings = await readLintSettings(root);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const policies = await readPublicPolicies(root);
  const findings: Finding[] = args.length
    ? []
    : contractFileProblems().map((problem) => ({
        file: displayPath(problem.path),
        line: 1,
        col: 1,
        severity: 'error' as const,
        rule: 'contract-file-name',
        message: problem.message,
      }));
  for (const [i, path] of paths.entries())
    findings.push(...(await lintOne(path, files[i] as { text: string; kind: DocumentKind }, settings, policies)));
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
  for (const f of findings) io.out(formatFinding(f));
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  io.err(
    `${paths.length} contract${paths.length === 1 ? '' : 's'} linted (${paths.map(displayPath).join(', ')}): ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  return errors > 0 ? 1 : 0;
}
