import { describe, expect, it } from 'vitest';
import type { CustomersV2Handlers } from '../../generated/customers.v2/server.ts';
import type { components } from '../../generated/customers.v2/types.ts';

type Customer = components['schemas']['Customer'];
type Handler<K extends keyof CustomersV2Handlers> = CustomersV2Handlers[K];

const customer: Customer = {
  id: 'cus_00000001',
  given_name: 'Ada',
  family_name: 'Lovelace',
  name_prefix: null,
  email: 'ada@example.org',
  phone: null,
  address: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};

// These assertions are checked by `tsc` (the typecheck task): each @ts-expect-error must fail to
// compile, so a handler that returns the wrong shape or an undocumented status cannot be written.
export const good: Handler<'getCustomer'> = ({ params }) => ({ status: 200, body: { ...customer, id: params.customerId } });

// @ts-expect-error v1's full_name is not a field of a v2 customer
export const wrongShape: Handler<'getCustomer'> = () => ({
  status: 200,
  body: { id: customer.id, full_name: 'Ada Lovelace', email: customer.email },
});

// @ts-expect-error 418 is not a documented response of getCustomer
export const wrongStatus: Handler<'getCustomer'> = () => ({ status: 418, body: customer });

// @ts-expect-error a 200 must carry a customer body
export const missingBody: Handler<'getCustomer'> = () => ({ status: 200 });

export const typedInput: Handler<'createCustomer'> = ({ body }) => {
  // @ts-expect-error the create body has no id: it is assigned by the server
  void body.id;
  const given: string = body.given_name;
  return { status: 201, body: { ...customer, given_name: given } };
};

describe('handler types', () => {
  it('compile only for documented responses (checked by the typecheck task)', () => {
    expect(good({ params: { customerId: 'cus_12345678' }, query: {}, headers: {}, body: undefined }, {} as never)).toMatchObject({
      status: 200,
    });
  });
});
