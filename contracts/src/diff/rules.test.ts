import { describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../document/openapi-document.ts';
import { diffAsyncApi } from './asyncapi-diff.ts';
import { createChangeLog, type Change } from './change.ts';
import { diffOpenApi } from './openapi-diff.ts';
import { ASYNCAPI_CASES } from './rule-cases-asyncapi.ts';
import { OPENAPI_CASES, type RuleCase } from './rule-cases-openapi.ts';
import { SCHEMA_CASES } from './rule-cases-schemas.ts';
import { SERIALIZATION_SECURITY_CASES } from './rule-cases-serialization-security.ts';
import { RULES, type RuleId } from './rules.ts';
import { baseAsyncApi, baseOpenApi } from './test-documents.ts';
import { applyVersioningPolicy, type RepositoryDelta } from './versioning-policy.ts';

const CASES: RuleCase[] = [...OPENAPI_CASES, ...SCHEMA_CASES, ...SERIALIZATION_SECURITY_CASES, ...ASYNCAPI_CASES];

function run(c: RuleCase, edit: RuleCase['triggers']): Change[] {
  const fresh = () => {
    const doc = c.kind === 'openapi' ? baseOpenApi() : baseAsyncApi();
    c.given?.(doc);
    return doc;
  };
  const [base, head] = [fresh(), fresh()];
  edit(head);
  return c.kind === 'openapi'
    ? diffOpenApi('things.v1', base as unknown as OpenApiDocument, head as unknown as OpenApiDocument)
    : diffAsyncApi('events.v1', base, head);
}

const show = (changes: Change[]) => changes.map((c) => `${c.id} @ ${c.location}`).join('\n') || '(none)';

describe('every rule has a fixture pair', () => {
  it.each(CASES.map((c) => [c.id, c.kind, c] as const))(
    '%s (%s): reported for the change, not for its compatible neighbour',
    (id, _kind, c) => {
      const reported = run(c, c.triggers);
      expect(
        reported.map((r) => r.id),
        show(reported),
      ).toContain(id);
      const neighbour = run(c, c.compatible);
      expect(
        neighbour.map((r) => r.id),
        show(neighbour),
      ).not.toContain(id);
      if (RULES.find((r) => r.id === id)?.level === 'breaking')
        expect(
          neighbour.filter((r) => r.level === 'breaking'),
          show(neighbour),
        ).toEqual([]);
    },
  );
});

describe('versioning policy', () => {
  const breaking: Change = {
    id: 'response-property-removed',
    level: 'breaking',
    contract: 'customers.v2',
    operation: 'GET /customers',
    location: 'response 200',
    message: '',
  };
  const info: Change = { ...breaking, id: 'response-property-added', level: 'info' };
  const day = new Date('2026-06-01T00:00:00Z');
  const policy = (delta: Partial<RepositoryDelta>, sunset?: string): RuleId[] => {
    const log = createChangeLog('x');
    applyVersioningPolicy(
      { added: [], removed: [], changed: new Map(), present: [], ...delta },
      new Map(sunset ? [['customers.v1', { sunset }]] : []),
      day,
      () => log.reporter(''),
    );
    return log.changes.map((c) => c.id);
  };
  const POLICY_CASES: Array<[RuleId, RuleId[], RuleId[]]> = [
    [
      'policy-breaking-change-needs-new-version',
      policy({ changed: new Map([['customers.v2', [breaking]]]) }),
      policy({ changed: new Map([['customers.v2', [info]]]) }),
    ],
    [
      'policy-version-removed-before-sunset',
      policy({ removed: ['customers.v1'] }, '2026-12-31'),
      policy({ removed: ['customers.v1'] }, '2026-01-31'),
    ],
    ['version-removed-after-sunset', policy({ removed: ['customers.v1'] }, '2026-01-31'), policy({ removed: ['customers.v1'] })],
    ['version-added', policy({ added: ['customers.v3'] }), policy({})],
  ];
  it.each(POLICY_CASES)('%s: reported for the change, not for its compatible neighbour', (id, reported, neighbour) => {
    expect(reported).toContain(id);
    expect(neighbour).not.toContain(id);
  });

  it('names the next free version file', () => {
    const log = createChangeLog('x');
    applyVersioningPolicy(
      { added: [], removed: [], changed: new Map([['customers.v2', [breaking]]]), present: ['customers.v1', 'customers.v2'] },
      new Map(),
      day,
      () => log.reporter(''),
    );
    expect(log.changes[0]?.message).toMatch(/customers\.v3\.yaml/);
  });

  it('covers every rule of the catalogue with a fixture pair', () => {
    const covered = new Set<string>([...CASES.map((c) => c.id), ...POLICY_CASES.map(([id]) => id)]);
    expect(RULES.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });
});
