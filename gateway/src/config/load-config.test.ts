import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH } from '../main.ts';
import { parseProcessEnv } from './env.ts';
import { ConfigError, loadConfigFile, parseConfig } from './load-config.ts';

function problemsOf(text: string) {
  try {
    parseConfig(text, 'broken.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const BASE = `upstreams:
  customers:
    url: http://127.0.0.1:4001
apis:
  - contract: customers.v2
    basePath: /v2
    upstream: customers
`;

describe('loading gateway.config.yaml', () => {
  it('loads the committed config', async () => {
    const config = await loadConfigFile(DEFAULT_CONFIG_PATH);
    expect(config.apis.map((a) => a.contract)).toEqual(['customers.v2', 'customers.v1', 'orders.v1', 'inventory.v1', 'webhooks.v1']);
  });

  it('names the line and the setting of a wrong value', () => {
    const problems = problemsOf(BASE.replace('basePath: /v2', 'basePath: v2/'));
    expect(problems).toEqual([{ line: 6, column: 15, path: 'apis[0].basePath', message: expect.stringContaining('must start with /') }]);
  });

  it('points an unknown key at the key itself', () => {
    const problems = problemsOf(`${BASE}    timeout: 5\n`);
    expect(problems[0]).toMatchObject({ line: 8, column: 5, path: 'apis[0].timeout', message: 'is not a known setting here' });
  });

  it('names the line of a reference to nothing', () => {
    const problems = problemsOf(`${BASE.replace('upstream: customers', 'upstream: customer')}    operations:\n      deleteCustomer: {}\n`);
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [7, 'apis[0].upstream'],
      [9, 'apis[0].operations.deleteCustomer'],
    ]);
  });

  it('requires both dates of a deprecated version, in order', () => {
    const problems = problemsOf(`${BASE}    lifecycle:\n      status: deprecated\n      deprecation: '2026-01-01'\n`);
    expect(problems[0]).toMatchObject({ line: 9, path: 'apis[0].lifecycle', message: expect.stringContaining('sunset') });
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('upstreams:\n  customers: [\napis: 3\n');
    expect(problems[0]!.line).toBeGreaterThan(1);
  });

  it('says which file is broken in the message', () => {
    expect(() => parseConfig('apis: []\n', '/etc/concord/gateway.config.yaml')).toThrow(/\/etc\/concord\/gateway\.config\.yaml:\d+:\d+/);
  });

  it('lets PORT and UPSTREAM_<NAME>_URL override the file', async () => {
    const env = parseProcessEnv({ PORT: '9090', UPSTREAM_CUSTOMERS_URL: 'http://customers.internal:8000' });
    const config = parseConfig(await readFile(DEFAULT_CONFIG_PATH, 'utf8'), 'gateway.config.yaml', env);
    expect(config.server.port).toBe(9090);
    expect(config.upstreams.customers!.url).toBe('http://customers.internal:8000');
    expect(config.upstreams.orders!.url).toBe('http://127.0.0.1:4002');
    expect(() => parseConfig(BASE, 'x.yaml', parseProcessEnv({ UPSTREAM_CUSTOMERS_URL: 'ftp://nope' }))).toThrow(/UPSTREAM_CUSTOMERS_URL/);
  });
});
