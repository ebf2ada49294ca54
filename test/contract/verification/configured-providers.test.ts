import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProviderRunner } from '@concord/contracts/src/pact/configured-runner.ts';
import { readPactFile } from '@concord/contracts/src/pact/pact-file.ts';
import { loadProvidersConfig } from '@concord/contracts/src/pact/providers-config.ts';
import { freePort } from '../../support/free-port.ts';

/**
 * A provider declared in providers.yaml alone, the way Pact itself reaches one: `concord verify`
 * starts it by its command, sets each interaction's states up by POSTing to its state-setup URL,
 * replays the interaction at its base URL, and stops it. A state the provider does not know fails.
 */
const dir = mkdtempSync(join(tmpdir(), 'concord-providers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A provider nobody wrote TypeScript for: stock levels, set up through its state-setup URL.
writeFileSync(
  join(dir, 'stock-provider.mjs'),
  `import { createServer } from 'node:http';
const stock = new Map();
createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/_pact/provider-states') {
      const { state, params, action } = JSON.parse(body || '{}');
      if (state === 'a SKU has stock') {
        if (action === 'teardown') stock.clear();
        else stock.set(params.sku, params.available);
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{}');
      }
      res.writeHead(400);
      return res.end('unknown state ' + state);
    }
    const sku = /^\\/stock\\/([^/]+)$/.exec(req.url ?? '')?.[1];
    if (req.method === 'GET' && sku && stock.has(sku)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ sku, available: stock.get(sku) }));
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{}');
  });
}).listen(Number(process.env.STOCK_PORT), '127.0.0.1');
`,
);

function writePact(name: string, state: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      consumer: { name: 'shop' },
      provider: { name: 'stock' },
      interactions: [
        {
          type: 'Synchronous/HTTP',
          description: 'a stock level',
          providerStates: [{ name: state, params: { sku: 'TEA-1', available: 5 } }],
          request: { method: 'GET', path: '/stock/TEA-1' },
          response: {
            status: 200,
            headers: { 'content-type': ['application/json'] },
            body: { content: { sku: 'TEA-1', available: 5 }, contentType: 'application/json', encoded: false },
          },
        },
      ],
      metadata: { pactSpecification: { version: '4.0' } },
    }),
  );
  return file;
}

function writeProviders(port: number, withStateUrl = true): string {
  const file = join(dir, `providers-${port}-${withStateUrl}.yaml`);
  writeFileSync(
    file,
    `providers:
  stock:
    command: STOCK_PORT=${port} node stock-provider.mjs
    baseUrl: http://127.0.0.1:${port}
${withStateUrl ? '    stateSetupUrl: http://127.0.0.1:${STOCK_PORT}/_pact/provider-states\n' : ''}    contracts: [inventory.v1]
`,
  );
  return file;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('a provider declared in providers.yaml', () => {
  it('is started by its command, its states set up at its state-setup URL, verified, and stopped', async () => {
    const port = await freePort();
    // The state-setup URL names its port through the environment, as a secret would be kept out of the file.
    const config = loadProvidersConfig(writeProviders(port), { STOCK_PORT: String(port) });
    expect(config.providers.stock).toMatchObject({ kind: 'url', stateSetupUrl: `http://127.0.0.1:${port}/_pact/provider-states` });
    const runner = createProviderRunner(config);
    expect(runner.contracts?.('stock')).toEqual([{ contract: 'inventory.v1', basePath: '' }]);
    const result = await runner.verify(readPactFile(writePact('shop-stock.json', 'a SKU has stock')), {});
    expect(result).toEqual({ passed: true, failures: [] });
    expect(await accepts(port)).toBe(false);
  }, 120_000);

  it('fails an interaction whose provider state the provider does not know', async () => {
    const port = await freePort();
    const runner = createProviderRunner(loadProvidersConfig(writeProviders(port), { STOCK_PORT: String(port) }));
    const result = await runner.verify(readPactFile(writePact('shop-stock-unknown.json', 'a SKU is on a ship')), {});
    expect(result.passed).toBe(false);
    expect(result.failures.map((f) => f.interaction)).toContain('a stock level (given a SKU is on a ship)');
  }, 120_000);

  it('fails a pact that needs provider states when the provider has no state-setup URL, instead of skipping them', async () => {
    const port = await freePort();
    const runner = createProviderRunner(loadProvidersConfig(writeProviders(port, false)));
    const result = await runner.verify(readPactFile(writePact('shop-stock-nourl.json', 'a SKU has stock')), {});
    expect(result).toEqual({
      passed: false,
      failures: [
        {
          interaction: '(provider state "a SKU has stock")',
          mismatch: 'the pact needs provider states, but stock in providers.yaml has no stateSetupUrl',
        },
      ],
    });
  });

  it('names the missing environment variable, the provider and the file', () => {
    expect(() => loadProvidersConfig(writeProviders(1), {})).toThrow(
      /providers-1-true\.yaml: providers\.stock\.stateSetupUrl: the environment variable STOCK_PORT is not set/,
    );
  });
});
