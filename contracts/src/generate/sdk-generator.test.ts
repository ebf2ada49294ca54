import { describe, expect, it } from 'vitest';
import { checkGenerated, generateAll } from './generate.ts';
import { SDK_GENERATED_DIR, hasSdk } from './sdk-generator.ts';

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
});
