import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { concord } from '../diff/test-repository.ts';

/** A repository of its own (a `.git` marks its root), holding one contract and what configures lint. */
let repo: string;
beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'concord-lint-'));
  await mkdir(join(repo, '.git'));
});
afterEach(() => rm(repo, { recursive: true, force: true }));

/** No security anywhere: `security-defined` is an error unless something says otherwise. `openapi` comes last. */
const contract = {
  info: { title: 'Things', version: '1.0.0', license: { name: 'MIT', url: 'https://opensource.org/license/mit' } },
  servers: [{ url: 'https://api.things.test/v1' }],
  paths: {
    '/things': {
      get: { operationId: 'listThings', summary: 'List things.', responses: { '200': { description: 'Things.' } } },
    },
    '/things/{thingId}': {
      delete: {
        operationId: 'deleteThing',
        summary: 'Delete a thing.',
        parameters: [{ name: 'thingId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '204': { description: 'Deleted.' } },
      },
    },
  },
  openapi: '3.1.0',
};

async function lint(files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(repo, name, '..'), { recursive: true });
    await writeFile(join(repo, name), text);
  }
  return concord(['lint', 'things.v1.json'], repo);
}

const securityErrors = (stdout: string) => stdout.split('\n').filter((l) => l.includes('error security-defined'));

describe('concord lint', () => {
  it('reads a JSON OpenAPI document whose `openapi` key comes last', async () => {
    const result = await lint({ 'things.v1.json': JSON.stringify(contract, null, 2) });
    expect(result.stderr).not.toMatch(/neither/);
    expect(securityErrors(result.stdout)).toHaveLength(2);
    expect(result.code).toBe(1);
  });

  it('obeys a redocly.yaml at the repository root that turns a rule off', async () => {
    const result = await lint({ 'things.v1.json': JSON.stringify(contract), 'redocly.yaml': 'rules:\n  security-defined: off\n' });
    expect(securityErrors(result.stdout)).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('applies per-API overrides under `apis` to that API only', async () => {
    const redocly = 'apis:\n  things@v1:\n    root: ./things.v1.json\n    rules:\n      security-defined: warn\n';
    const result = await lint({ 'things.v1.json': JSON.stringify(contract), 'redocly.yaml': redocly });
    expect(securityErrors(result.stdout)).toEqual([]);
    expect(result.stdout).toMatch(/warning security-defined/);
  });

  it('does not ask for security on operations the gateway makes public', async () => {
    const gateway = [
      'apis:',
      '  - contract: things.v1',
      '    operations:',
      '      listThings:',
      '        policies:',
      '          public: true',
      '',
    ].join('\n');
    const result = await lint({ 'things.v1.json': JSON.stringify(contract), 'gateway/gateway.config.yaml': gateway });
    const errors = securityErrors(result.stdout);
    // deleteThing is not public: it still needs security.
    expect(errors).toHaveLength(1);
    expect(result.code).toBe(1);
  });

  it('answers a file that is neither OpenAPI nor AsyncAPI with exit 2, naming it', async () => {
    const result = await lint({ 'things.v1.json': JSON.stringify({ swagger: '2.0' }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/things\.v1\.json is neither an OpenAPI nor an AsyncAPI document/);
  });

  it('answers a redocly.yaml that is not YAML with exit 2, naming it', async () => {
    const result = await lint({ 'things.v1.json': JSON.stringify(contract), 'redocly.yaml': 'rules: [\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/redocly\.yaml/);
  });
});
