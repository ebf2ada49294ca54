/** `npm run docs:problems`: writes docs/problems.md from the problem catalogue. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.ts';
import { renderProblemsMarkdown } from './problem-docs.ts';

const target = join(REPO_ROOT, 'docs', 'problems.md');
writeFileSync(target, renderProblemsMarkdown());
process.stdout.write(`wrote ${target}\n`);
