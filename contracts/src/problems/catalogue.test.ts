import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, listContracts } from '../paths.ts';
import { PROBLEM_BASE_URI, PROBLEM_CATALOGUE, PROBLEM_SLUGS, slugOfType } from './catalogue.ts';
import { renderProblemsMarkdown } from './problem-docs.ts';

describe('the problem catalogue', () => {
  it('has kebab-case slugs and unique UPPER_SNAKE codes, each with a meaning and an action', () => {
    const codes = PROBLEM_SLUGS.map((slug) => PROBLEM_CATALOGUE[slug].code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const slug of PROBLEM_SLUGS) {
      const entry = PROBLEM_CATALOGUE[slug];
      expect(slug).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(entry.code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.meaning.length, slug).toBeGreaterThan(20);
      expect(entry.action.length, slug).toBeGreaterThan(10);
    }
  });

  it('reads a type URI back to its slug, and no other URI', () => {
    expect(slugOfType(`${PROBLEM_BASE_URI}not-found`)).toBe('not-found');
    expect(slugOfType(`${PROBLEM_BASE_URI}no-such-problem`)).toBeUndefined();
    expect(slugOfType('https://api.concord.example/problems/not-found')).toBeUndefined();
    expect(slugOfType(`${PROBLEM_BASE_URI}toString`)).toBeUndefined();
  });

  it('is what the committed docs/problems.md says (run `npm run docs:problems` after changing it)', () => {
    expect(readFileSync(join(REPO_ROOT, 'docs', 'problems.md'), 'utf8')).toBe(renderProblemsMarkdown());
  });

  // The portal shows these examples to partners: they must be problems the system really sends.
  it('is what every problem example in the OpenAPI contracts says', () => {
    const examples: { where: string; value: Record<string, unknown> }[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) {
        for (const [i, item] of node.entries()) walk(item, `${where}/${i}`);
      } else if (node && typeof node === 'object') {
        const obj = node as Record<string, unknown>;
        const value = obj.value as Record<string, unknown> | undefined;
        if (value && typeof value === 'object' && typeof value.type === 'string' && typeof value.title === 'string')
          examples.push({ where, value });
        for (const [key, child] of Object.entries(obj)) walk(child, `${where}/${key}`);
      }
    };
    for (const contract of listContracts().filter((c) => c.kind === 'openapi'))
      walk(parse(readFileSync(contract.path, 'utf8')), contract.id);
    expect(examples.length).toBeGreaterThan(10);
    const wrong = examples.flatMap(({ where, value }) => {
      const slug = slugOfType(value.type as string);
      if (!slug) return [`${where}: type ${String(value.type)} is not in the catalogue`];
      const { title, status, code } = PROBLEM_CATALOGUE[slug];
      const got = { title: value.title, status: value.status, code: value.code };
      return JSON.stringify(got) === JSON.stringify({ title, status, code })
        ? []
        : [`${where}: ${JSON.stringify(got)}, catalogue ${slug}: ${JSON.stringify({ title, status, code })}`];
    });
    expect(wrong).toEqual([]);
  });
});
