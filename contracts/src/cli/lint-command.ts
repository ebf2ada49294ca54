import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatFinding, type Finding } from '../lint/finding.ts';
import { lintAsyncApi } from '../lint/asyncapi-lint.ts';
import { createOpenApiLintConfig, lintOpenApi } from '../lint/openapi-lint.ts';
import { displayPath, listContracts } from '../paths.ts';
import { UsageError, type Io } from './usage-error.ts';

async function kindOf(path: string): Promise<'openapi' | 'asyncapi'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  if (/^asyncapi\s*:/m.test(text)) return 'asyncapi';
  if (/^openapi\s*:/m.test(text)) return 'openapi';
  throw new UsageError(`${path} is neither an OpenAPI nor an AsyncAPI document (no top-level \`openapi:\` or \`asyncapi:\`)`);
}

/** `concord lint [paths...]`: exit 1 on any error, 0 when clean (warnings are printed, not fatal). */
export async function lintCommand(args: string[], io: Io): Promise<number> {
  const flags = args.filter((a) => a.startsWith('-'));
  if (flags.length) throw new UsageError(`lint takes no option ${flags[0]}`);
  const paths = args.length ? args.map((a) => resolve(a)) : listContracts().map((c) => c.path);
  const openapiConfig = await createOpenApiLintConfig();
  const findings: Finding[] = [];
  for (const path of paths) {
    findings.push(...((await kindOf(path)) === 'openapi' ? await lintOpenApi(path, openapiConfig) : await lintAsyncApi(path)));
  }
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
  for (const f of findings) io.out(formatFinding(f));
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  io.err(
    `${paths.length} contract${paths.length === 1 ? '' : 's'} linted (${paths.map(displayPath).join(', ')}): ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  return errors > 0 ? 1 : 0;
}
