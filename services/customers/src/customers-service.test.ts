import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendCases, createTestBackend, type TestBackend } from '@concord/service-runtime/src/testing/test-backends.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { asPartner } from '@concord/service-runtime/src/tenancy/as-caller.ts';
import { createCustomersService, type CustomersService } from './customers-service.ts';

const cases = await backendCases();
const json = (body: unknown, contentType = 'application/json') => ({
  method: 'POST',
  headers: { 'content-type': contentType },
  body: JSON.stringify(body),
});
const patch = (body: unknown, contentType = 'application/merge-patch+json') => ({ ...json(body, contentType), method: 'PATCH' });
const ada = {
  name_prefix: 'Dr.',
  given_name: 'Ada',
  family_name: 'Lovelace',
  email: 'Ada@Analytical.example',
  phone: '+442071234567',
  address: { line1: '12 St James Square', line2: 'Flat 3', city: 'London', postal_code: 'SW1Y 4JH', country: 'GB' },
};

describe.each(cases)('customers.v2 on $name', (backend) => {
  let env: TestBackend;
  let db: Database;
  let service: CustomersService;
  const faults: unknown[] = [];

  beforeAll(async () => {
    if (backend.skip) return;
    env = await createTestBackend(backend);
    db = await env.openDatabase('customers');
    service = await createCustomersService({ db, bus: env.bus, responseValidation: 'enforce', onError: (err) => faults.push(err) });
  });
  afterAll(async () => {
    expect(faults).toEqual([]);
    await env?.close();
  });

  const call = (path: string, init?: RequestInit) => service.app.request(path, asPartner('partner-a', init));
  const events = async (subject: string) =>
    (
      await db.query<{ envelope: { type: string; data: unknown } }>(
        "SELECT envelope FROM outbox WHERE envelope->>'subject' = $1 ORDER BY seq",
        [subject],
      )
    ).rows.map((r) => r.envelope);

  it.skipIf(backend.skip)('creates a customer, answers 201 with Location, and writes customer.created to the outbox', async () => {
    const res = await call('/customers', json(ada));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; address: unknown };
    expect(res.headers.get('location')).toBe(`/customers/${body.id}`);
    expect(body.address).toEqual({ ...ada.address, region: null });
    expect((await events(body.id)).map((e) => e.type)).toEqual(['customer.created']);
    expect((await call(`/customers/${body.id}`)).status).toBe(200);
  });

  it.skipIf(backend.skip)('refuses a second customer with the same email in another case: 409 with a pointer', async () => {
    const res = await call('/customers', json({ ...ada, email: 'ada@analytical.EXAMPLE' }));
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 409, errors: [{ pointer: '/body/email' }] });
  });

  it.skipIf(backend.skip)('answers an invalid body with 400 and one pointer per field', async () => {
    const res = await call('/customers', json({ given_name: '', email: 'not-an-email', nickname: 'x' }));
    expect(res.status).toBe(400);
    const pointers = ((await res.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer).sort();
    expect(pointers).toEqual(['/body/email', '/body/family_name', '/body/given_name', '/body/nickname']);
  });

  it.skipIf(backend.skip)('applies JSON Merge Patch: null clears, absent stays, address merges, no-op emits nothing', async () => {
    const created = (await (await call('/customers', json({ ...ada, email: 'merge@x.example' }))).json()) as {
      id: string;
      updated_at: string;
    };
    const res = await call(
      `/customers/${created.id}`,
      patch({
        phone: null,
        name_prefix: 'Prof.',
        address: { line1: '221B Baker Street', city: 'London', postal_code: 'NW1 6XE', country: 'GB' },
      }),
    );
    expect(res.status).toBe(200);
    const updated = (await res.json()) as Record<string, unknown>;
    expect(updated).toMatchObject({ phone: null, name_prefix: 'Prof.', given_name: 'Ada', email: 'merge@x.example' });
    expect(updated.address).toEqual({
      line1: '221B Baker Street',
      line2: 'Flat 3',
      city: 'London',
      region: null,
      postal_code: 'NW1 6XE',
      country: 'GB',
    });
    const same = await call(`/customers/${created.id}`, patch({ given_name: 'Ada' }, 'application/json'));
    expect(same.status).toBe(200);
    const types = (await events(created.id)).map((e) => e.type);
    expect(types).toEqual(['customer.created', 'customer.updated']);
    const updatedEvent = (await events(created.id))[1]!.data as { changed_fields: string[] };
    expect(updatedEvent.changed_fields.sort()).toEqual(['address', 'name_prefix', 'phone']);
  });

  it.skipIf(backend.skip)('refuses to patch an email onto another customer (409), and an empty patch (400)', async () => {
    const other = (await (await call('/customers', json({ ...ada, email: 'other@x.example' }))).json()) as { id: string };
    expect((await call(`/customers/${other.id}`, patch({ email: 'ADA@analytical.example' }))).status).toBe(409);
    expect((await call(`/customers/${other.id}`, patch({}))).status).toBe(400);
    expect((await call('/customers/cus_00000000zzzz', patch({ given_name: 'X' }))).status).toBe(404);
  });

  it.skipIf(backend.skip)('pages newest first with opaque cursors, filters by email, rejects a forged cursor', async () => {
    for (let i = 0; i < 3; i++) await call('/customers', json({ given_name: 'P', family_name: String(i), email: `page${i}@x.example` }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(`/customers?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await res.json()) as { data: { email: string }[]; next_cursor: string | null };
      seen.push(...page.data.map((c) => c.email));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.slice(0, 3)).toEqual(['page2@x.example', 'page1@x.example', 'page0@x.example']);
    expect(new Set(seen).size).toBe(seen.length);
    const filtered = (await (await call('/customers?email=PAGE1@x.example')).json()) as { data: { email: string }[] };
    expect(filtered.data.map((c) => c.email)).toEqual(['page1@x.example']);
    const forged = await call('/customers?cursor=bm9wZQ');
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ errors: [{ pointer: '/query/cursor' }] });
  });

  it.skipIf(backend.skip)('answers unknown routes and bad ids as problem+json, never 500', async () => {
    for (const [path, status] of [
      ['/nope', 404],
      ['/customers/bad-id', 400],
      ['/customers/cus_00000000zzzz', 404],
      ['/customers?limit=0', 400],
    ] as const) {
      const res = await call(path);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});
