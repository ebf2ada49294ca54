import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hasPromtool, runPromtool } from './support/promtool.ts';

/**
 * The alert rules in ops/prometheus are checked by promtool itself: `check rules` (syntax, PromQL,
 * templates) and `test rules` (the unit tests in concord-alerts.test.yaml). Also: every alert has
 * a case that fires it and a case where it stays quiet, and a broken rule or a wrong expectation
 * makes promtool fail, so this test cannot pass by running nothing.
 */
const DIR = fileURLToPath(new URL('../../ops/prometheus/', import.meta.url));
const RULES = 'concord-alerts.yaml';
const TESTS = 'concord-alerts.test.yaml';

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}
interface RuleTests {
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

const rules = parse(await readFile(join(DIR, RULES), 'utf8')) as RuleFile;
const unitTests = parse(await readFile(join(DIR, TESTS), 'utf8')) as RuleTests;
const alerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
const promtool = hasPromtool('promtool check/test rules');

describe('the alert rules and their unit tests', () => {
  it('alert on every boundary the brief names', () => {
    expect(alerts).toEqual(
      expect.arrayContaining([
        'ConcordWebhookDeadLetters',
        'ConcordConsumerLagGrowing',
        'ConcordOutboxStale',
        'ConcordCircuitBreakerOpen',
        'ConcordErrorRateOverBudget',
        'ConcordSunsetWithTraffic',
      ]),
    );
  });

  it('have, for every alert, a case where it fires and one where it stays quiet', () => {
    const cases = unitTests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of alerts) {
      const own = cases.filter((c) => c.alertname === alert);
      expect({ alert, fires: own.some((c) => (c.exp_alerts ?? []).length > 0) }).toEqual({ alert, fires: true });
      expect({ alert, quiet: own.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({ alert, quiet: true });
    }
  });
});

describe.skipIf(!promtool)('promtool on ops/prometheus', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'concord-rules-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('check rules: every rule parses, with its PromQL and its templates', () => {
    const run = runPromtool(['check', 'rules', RULES], DIR);
    expect(run.output).toContain(`SUCCESS: ${rules.groups.flatMap((g) => g.rules).length} rules found`);
    expect(run.status).toBe(0);
  });

  it('test rules: every unit test passes', () => {
    const run = runPromtool(['test', 'rules', TESTS], DIR);
    expect(run.output).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it('check rules fails on a rule whose PromQL does not parse, naming it', async () => {
    const broken = (await readFile(join(DIR, RULES), 'utf8')).replace(
      'max by (subscription) (concord_webhooks_dead_letter_depth) > 0',
      'max by (subscription) (concord_webhooks_dead_letter_depth > 0',
    );
    await writeFile(join(scratch, 'broken.yaml'), broken);
    const run = runPromtool(['check', 'rules', 'broken.yaml'], scratch);
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/ConcordWebhookDeadLetters/);
  });

  it('test rules fails when an alert does not fire as its test expects', async () => {
    // The same rules with the DLQ threshold moved: the firing case of the unit tests must now fail.
    await writeFile(
      join(scratch, RULES),
      (await readFile(join(DIR, RULES), 'utf8')).replace(
        '(concord_webhooks_dead_letter_depth) > 0',
        '(concord_webhooks_dead_letter_depth) > 5',
      ),
    );
    await cp(join(DIR, TESTS), join(scratch, TESTS));
    const run = runPromtool(['test', 'rules', TESTS], scratch);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('alertname: ConcordWebhookDeadLetters');
  });
});
