import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listContracts } from '../paths.ts';
import { checkGenerated, generateAll } from './generate.ts';
import { SDK_GENERATED_DIR, generateSdk, hasSdk } from './sdk-generator.ts';
import { readServedApis } from './served-apis.ts';

describe.skipIf(!hasSdk())('the partner SDK generator', () => {
  it('writes the SDK sources under their own root, and generate --check sees them drift', async () => {
    const files = await generateAll();
    const sdk = files.filter((f) => f.root === SDK_GENERATED_DIR);
    expect(sdk.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        'index.ts',
        'customers.v2/api.ts',
        'customers.v2/types.ts',
        'orders.v1/api.ts',
        'events.v1/types.ts',
        'events.v1/public-events.ts',
      ]),
    );

    expect(await checkGenerated(files)).toEqual({ stale: [], missing: [], extra: [] });
    const edited = files.map((f) =>
      f.root === SDK_GENERATED_DIR && f.path === 'orders.v1/api.ts' ? { ...f, contents: `${f.contents}// drift\n` } : f,
    );
    expect((await checkGenerated(edited)).stale).toEqual(['../sdk/src/generated/orders.v1/api.ts']);
  }, 60_000);

  it('marks retryable POSTs by the contract: createOrder takes an Idempotency-Key, createCustomer does not', async () => {
    const files = await generateAll();
    const api = (id: string) => files.find((f) => f.root === SDK_GENERATED_DIR && f.path === `${id}/api.ts`)!.contents;
    expect(api('orders.v1')).toMatch(/createOrder: \{[^}]*method: "POST",[^}]*idempotencyKey: true,/);
    expect(api('customers.v2')).toMatch(/createCustomer: \{[^}]*idempotencyKey: false,/);
    expect(api('customers.v2')).toContain('listCustomers: PaginatedOperation<ListCustomersParams, ListCustomersResult>;');
    expect(api('customers.v2')).toContain('path: "/v2/customers/{customerId}"');
    const events = files.find((f) => f.root === SDK_GENERATED_DIR && f.path === 'events.v1/public-events.ts')!.contents;
    expect(events).toContain('"order.placed"');
    expect(events).not.toContain('"inventory.reserved"');
  }, 60_000);

  it('covers only the APIs the gateway config serves, each under the basePath the config gives it', async () => {
    const files = await generateAll();
    const generated = files.filter((f) => f.root === undefined);
    // customers.v2 moved to another prefix; orders.v1 and the rest not served at all.
    const served = new Map([['customers.v2', { contract: 'customers.v2', basePath: '/partner/customers-v2', status: 'current' }]]);
    const sdk = await generateSdk(listContracts(), generated, served);
    const paths = sdk.map((f) => f.path).sort();
    expect(paths.filter((p) => p.endsWith('/api.ts'))).toEqual(['customers.v2/api.ts']);
    const api = sdk.find((f) => f.path === 'customers.v2/api.ts')!.contents;
    expect(api).toContain('path: "/partner/customers-v2/customers/{customerId}"');
    expect(api).not.toContain('"/v2/customers');
    const index = sdk.find((f) => f.path === 'index.ts')!.contents;
    expect(index).toContain('readonly customersV2: CustomersV2Api;');
    expect(index).not.toContain('ordersV1');
    // The events stay: webhooks deliver them whichever APIs are served.
    expect(paths).toContain('events.v1/public-events.ts');
  }, 60_000);
});

describe('the APIs a gateway config serves', () => {
  it('reads contract and basePath from apis:, leaves retired versions out, and treats a missing file as serving nothing', () => {
    const root = mkdtempSync(join(tmpdir(), 'concord-served-'));
    try {
      expect(readServedApis(root).size).toBe(0);
      mkdirSync(join(root, 'gateway'));
      writeFileSync(
        join(root, 'gateway/gateway.config.yaml'),
        [
          'apis:',
          '  - { contract: petstore.v3, basePath: /api/v3/, upstream: petstore }',
          '  - { contract: customers.v1, basePath: /v1, upstream: c, lifecycle: { status: retired } }',
          '  - { contract: customers.v2, basePath: /v2, upstream: c, lifecycle: { status: deprecated } }',
        ].join('\n'),
      );
      expect([...readServedApis(root).values()]).toEqual([
        { contract: 'petstore.v3', basePath: '/api/v3', status: 'current' },
        { contract: 'customers.v2', basePath: '/v2', status: 'deprecated' },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
