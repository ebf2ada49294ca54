import { describe, expect, it } from 'vitest';
import type { Change } from './change.ts';
import { prependEntry, renderChangelog } from './changelog.ts';

const change = (contract: string, id: Change['id'], level: Change['level'], message: string): Change => ({
  id,
  level,
  contract,
  operation: 'GET /x',
  location: 'response 200 application/json: a',
  message,
});

describe('changelog entry', () => {
  it('groups by contract, contracts with breaking changes first, breaking first inside each', () => {
    const entry = renderChangelog(
      [
        change('inventory.v1', 'response-property-added', 'info', 'new property `a`'),
        change('orders.v1', 'response-property-added', 'info', 'new property `b`'),
        change('orders.v1', 'response-property-removed', 'breaking', 'property `c` was removed'),
      ],
      { base: 'origin/main', date: new Date('2026-11-21T10:00:00Z') },
    );
    expect(entry).toBe(`## 2026-11-21: contract changes since origin/main

### orders.v1

**Breaking**

- \`GET /x\` response 200 application/json: a: property \`c\` was removed (\`response-property-removed\`)

**Other changes**

- \`GET /x\` response 200 application/json: a: new property \`b\` (\`response-property-added\`)

### inventory.v1

**Other changes**

- \`GET /x\` response 200 application/json: a: new property \`a\` (\`response-property-added\`)
`);
  });

  it('is prepended under the title, above older entries', () => {
    expect(prependEntry('# Changelog\n\n## older\n', '## newer\n')).toBe('# Changelog\n\n## newer\n\n## older\n');
    expect(prependEntry('', '## first\n')).toBe('# Changelog\n\n## first\n');
  });
});
