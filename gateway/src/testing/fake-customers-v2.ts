/**
 * An in-memory stand-in for the customers v2 system API (only what gateway tests need), so the
 * gateway's tests do not depend on the services workspace. The end-to-end suite uses the real one.
 */
import type { components } from '@concord/contracts/generated/customers.v2/types.ts';
import { sendJson, startFakeUpstream, type FakeUpstream } from './fake-upstream.ts';

type Customer = components['schemas']['Customer'];

/** One customer as the customers v2 contract describes it, for tests that need a valid upstream answer. */
export const ADA: Customer = {
  id: 'cus_4f9a2b7c1d8e',
  given_name: 'Ada',
  family_name: 'Lovelace',
  name_prefix: null,
  email: 'ada@example.com',
  phone: null,
  address: null,
  created_at: '2025-03-14T09:26:53Z',
  updated_at: '2025-03-14T09:26:53Z',
};

export async function startFakeCustomersV2(
  options: { delayMs?: number; brokenResponses?: boolean } = {},
): Promise<FakeUpstream & { customers: Map<string, Customer> }> {
  const customers = new Map<string, Customer>();
  let seq = 0;
  const upstream = await startFakeUpstream(async (req, res) => {
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    const url = new URL(req.url, 'http://x');
    const match = /^\/customers(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) return sendJson(res, 404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no route' });
    const id = match[1];
    const now = '2025-03-14T09:26:53Z';
    if (!id && req.method === 'POST') {
      const body = JSON.parse(req.body) as Partial<Customer>;
      if (String(body.family_name).length > 100) {
        return sendJson(res, 400, {
          type: 'https://concord.dev/problems/validation-error',
          title: 'Invalid request',
          status: 400,
          detail: 'The request body has 1 invalid field: /body/family_name.',
          request_id: req.headers['x-request-id'],
          errors: [{ pointer: '/body/family_name', message: 'must NOT have more than 100 characters' }],
        });
      }
      const customer: Customer = {
        id: `cus_${String(++seq).padStart(12, '0')}`,
        given_name: body.given_name!,
        family_name: body.family_name!,
        name_prefix: body.name_prefix ?? null,
        email: body.email!,
        phone: body.phone ?? null,
        address: null,
        created_at: now,
        updated_at: now,
      };
      customers.set(customer.id, customer);
      if (options.brokenResponses) return sendJson(res, 201, { ...customer, email: 42 }, { location: `/customers/${customer.id}` });
      return sendJson(res, 201, customer, { location: `/customers/${customer.id}` });
    }
    if (!id && req.method === 'GET') return sendJson(res, 200, { data: [...customers.values()].reverse(), next_cursor: null });
    const customer = id ? customers.get(id) : undefined;
    if (!customer)
      return sendJson(res, 404, {
        type: 'https://concord.dev/problems/not-found',
        title: 'Not Found',
        status: 404,
        detail: `Customer ${id} does not exist.`,
      });
    if (req.method === 'PATCH') {
      Object.assign(customer, JSON.parse(req.body), { updated_at: now });
      return sendJson(res, 200, customer);
    }
    return sendJson(res, 200, options.brokenResponses ? { ...customer, email: 42 } : customer);
  });
  return Object.assign(upstream, { customers });
}
