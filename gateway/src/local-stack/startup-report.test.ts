import { describe, expect, it } from 'vitest';
import { readyBanner, stepLine, withoutPassword } from './startup-report.ts';

describe("npm start's report", () => {
  it('gives each part a line with where it is and the whole milliseconds it took', () => {
    expect(stepLine({ name: 'orders', where: 'http://127.0.0.1:4002', ms: 412.6 })).toBe('  orders     http://127.0.0.1:4002  413 ms');
  });

  it('ends with the gateway, its portal, the admin listener, the data and the events, then the gateway lines', () => {
    const lines = readyBanner({
      port: 8080,
      adminUrl: 'http://127.0.0.1:8081',
      totalMs: 3_940,
      data: '/srv/concord/.data/services',
      bus: 'in-process (NATS_URL unset)',
      gatewayLines: ['Demo credentials (refused when NODE_ENV=production):'],
    });
    expect(lines[0]).toBe('ready in 3.9 s');
    expect(lines).toContain('  gateway   http://localhost:8080');
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}portal {4}http:\/\/localhost:8080\/docs /));
    expect(lines).toContain('  data      /srv/concord/.data/services');
    expect(lines.at(-1)).toBe('Demo credentials (refused when NODE_ENV=production):');
  });

  it('never shows a password of a database or bus URL', () => {
    expect(withoutPassword('postgres://app:s3cret@db:5432/concord')).toBe('postgres://app:***@db:5432/concord');
    expect(withoutPassword('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
    expect(withoutPassword('not a url s3cret')).toBe('(not shown: not a URL)');
  });
});
