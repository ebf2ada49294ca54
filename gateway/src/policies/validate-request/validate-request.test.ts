import { describe, expect, it } from 'vitest';
import { configFrom, customersConfig, testDeps } from '../../testing/test-gateway.ts';
import { factory, policyApp } from '../../testing/policy-app.ts';
import { validateRequest } from './validate-request.ts';

function app(mode: 'enforce' | 'report' | 'off' = 'enforce') {
  const object = customersConfig('http://127.0.0.1:9', { defaults: { policies: { public: true, validation: { request: mode } } } });
  return policyApp(
    () => [validateRequest(factory, testDeps())],
    (c) => c.json({ parsed: c.get('requestJson') ?? null }),
    configFrom(object),
  );
}

const post = (body: string, contentType = 'application/json') => ({ method: 'POST', body, headers: { 'content-type': contentType } });

describe('validate request', () => {
  it('passes a valid body on, parsed once', async () => {
    const res = await app().request('/v2/customers', post('{"given_name":"Ada","family_name":"Lovelace","email":"ada@example.com"}'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ parsed: { given_name: 'Ada' } });
  });

  it('answers 400 with one pointer per bad field, parameters included', async () => {
    const res = await app().request('/v2/customers/not-an-id', {
      method: 'PATCH',
      body: '{"email":"x","name_prefix":""}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { pointer: string }[]; code: string };
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors.map((e) => e.pointer).sort()).toEqual(['/body/email', '/body/name_prefix', '/path/customerId']);
  });

  it('checks the query against the contract', async () => {
    const res = await app().request('/v2/customers?limit=0&colour=red');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer).sort()).toEqual([
      '/query/colour',
      '/query/limit',
    ]);
  });

  it('answers 415 for a media type the operation does not take, 400 for broken JSON', async () => {
    const unsupported = await app().request('/v2/customers', post('<a/>', 'application/xml'));
    expect(unsupported.status).toBe(415);
    expect(await unsupported.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', errors: [{ pointer: '/headers/content-type' }] });
    expect((await app().request('/v2/customers', post('{"given_name":'))).status).toBe(400);
  });

  it('lets an invalid request through in report mode and when off', async () => {
    expect((await app('report').request('/v2/customers', post('{}'))).status).toBe(200);
    expect((await app('off').request('/v2/customers', post('{}'))).status).toBe(200);
  });
});
