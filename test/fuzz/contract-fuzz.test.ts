/**
 * Contract-driven fuzzing, the checks Schemathesis runs, through the real gateway to the real
 * system APIs: for every operation of every API in the gateway's `apis`, requests generated from
 * the contract (valid, boundary and hostile values; see support/schema-arbitraries.ts) are sent
 * with a token whose scopes are the operation's, and every response must be no 5xx, a documented
 * status (or a gateway problem the README documents), of the documented media type, and valid
 * against the documented schema. Fixed seed, CONCORD_FUZZ_CASES requests per operation.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dereferenceLocal } from '@concord/contracts/src/document/dereference.ts';
import { listOperations, type OpenApiDocument } from '@concord/contracts/src/document/openapi-document.ts';
import { OPENAPI_DIR } from '@concord/contracts/src/paths.ts';
import { DEFAULT_CONFIG_PATH } from '@concord/gateway/src/main.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KnownIds } from './support/fuzz-request.ts';
import { fuzzOperation } from './support/fuzz-operation.ts';
import { fuzzSettings, operationSeed } from './support/fuzz-settings.ts';
import { startFuzzStack, type FuzzStack } from './support/fuzz-stack.ts';

const settings = fuzzSettings(process.env);
/** Read now, so each operation is a test of its own that names it. */
const apis = (parse(await readFile(DEFAULT_CONFIG_PATH, 'utf8')) as { apis: { contract: string; basePath: string }[] }).apis;
// The contracts' sources, not the generated documents: those drop `examples`, which the fuzz uses too.
const documents = new Map<string, OpenApiDocument>();
for (const { contract } of apis) {
  if (documents.has(contract)) continue;
  const source = await readFile(join(OPENAPI_DIR, `${contract}.yaml`), 'utf8');
  documents.set(contract, dereferenceLocal(parse(source) as OpenApiDocument));
}
// Deletes last, so the resources the others are given still exist when they run.
const operations = apis
  .flatMap(({ contract, basePath }) => listOperations(documents.get(contract)!).map((entry) => ({ contract, basePath, entry })))
  .sort((a, b) => Number(a.entry.method === 'delete') - Number(b.entry.method === 'delete'));

describe(`contract fuzz through the gateway (${settings.cases} cases per operation, seed ${settings.seed})`, () => {
  let stack: FuzzStack;
  let known: KnownIds;
  const statuses = new Map<string, Map<number, number>>();

  beforeAll(async () => {
    stack = await startFuzzStack();
    // Resources partner-a owns, so generated ids can reach past the 404 to the handlers.
    const token = await stack.token('partner-a');
    const call = async (method: string, path: string, body: unknown) => {
      const res = await fetch(stack.gateway.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { id: string } };
    };
    const sku = 'FUZZ-SKU-1';
    const stock = await fetch(`${stack.services.urls.inventory}/stock/${sku}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-concord-scopes': 'internal' },
      body: JSON.stringify({ available: 1_000_000 }),
    });
    expect(stock.status).toBe(200);
    const customer = await call('POST', '/v2/customers', { given_name: 'Fuzz', family_name: 'Seed', email: 'fuzz.seed@example.com' });
    expect(customer.status).toBe(201);
    const order = await call('POST', '/v1/orders', { customer_id: customer.body.id, lines: [{ sku, quantity: 1 }] });
    expect(order.status).toBe(201);
    const subscription = await call('POST', '/v1/webhooks/subscriptions', {
      url: 'https://hooks.example.invalid/fuzz',
      event_types: ['order.placed'],
    });
    expect(subscription.status).toBe(201);
    known = {
      customerId: [customer.body.id],
      customer_id: [customer.body.id],
      orderId: [order.body.id],
      sku: [sku],
      order_id: [order.body.id],
      subscriptionId: [subscription.body.id],
    };
  }, 120_000);

  afterAll(async () => {
    if (process.env.CONCORD_FUZZ_REPORT === '1') {
      for (const [operation, counts] of statuses) console.log(operation, Object.fromEntries(counts));
    }
    await stack?.close();
    expect(stack?.faults ?? []).toEqual([]);
  }, 60_000);

  it.each(operations)('$contract $entry.method $entry.path ($entry.operationId)', async ({ contract, basePath, entry }) => {
    const scopes = [...new Set((entry.security ?? []).flatMap((requirement) => Object.values(requirement).flat()))].join(' ');
    const token = await stack.token('partner-a', scopes || undefined);
    const counts = new Map<number, number>();
    statuses.set(`${contract} ${entry.operationId}`, counts);
    await fuzzOperation({
      baseUrl: stack.gateway.url,
      token,
      contract,
      basePath,
      entry,
      known,
      numRuns: settings.cases,
      seed: operationSeed(settings.seed, `${contract} ${entry.operationId}`),
      onResponse: (_request, response) => counts.set(response.status, (counts.get(response.status) ?? 0) + 1),
    });
    // Every case got an answer (shrinking may add more).
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(settings.cases);
  });
});
