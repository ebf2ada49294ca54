import { openApiContracts } from '@concord/contracts/generated/index.ts';
import { listOperations } from '@concord/contracts/src/document/openapi-document.ts';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from './config/load-config.ts';
import { DEFAULT_CONFIG_PATH } from './main.ts';
import { buildRouteTable } from './routes.ts';
import { configFrom } from './testing/test-gateway.ts';

describe('the route table', () => {
  it('has exactly the operations of the configured contracts, under their base paths', async () => {
    const config = await loadConfigFile(DEFAULT_CONFIG_PATH);
    const table = buildRouteTable(config);
    const expected = config.apis.flatMap((api) =>
      listOperations(openApiContracts[api.contract]!).map((e) => `${e.method.toUpperCase()} ${api.basePath}${e.path}`),
    );
    expect(table.routes.map((r) => `${r.method} ${r.publicPathTemplate}`).sort()).toEqual(expected.sort());
    const match = table.match('POST', '/v1/reservations/ord_123/release');
    expect(match.kind === 'found' && match.route.operationId).toBe('releaseReservation');
    expect(table.match('GET', '/v1/orders/ord_1/cancel')).toMatchObject({ kind: 'method-not-allowed' });
    expect(table.match('HEAD', '/v2/customers')).toMatchObject({ kind: 'found' });
  });

  it('resolves policies defaults -> API -> operation, member by member', () => {
    const table = buildRouteTable(
      configFrom({
        upstreams: { customers: { url: 'http://127.0.0.1:1' } },
        defaults: { policies: { validation: { request: 'report' }, bodyLimitBytes: 100 } },
        apis: [
          {
            contract: 'customers.v2',
            basePath: '/v2',
            upstream: 'customers',
            policies: { validation: { response: 'enforce' } },
            operations: { createCustomer: { policies: { bodyLimitBytes: 5, public: true } } },
          },
        ],
      }),
    );
    const create = table.routes.find((r) => r.operationId === 'createCustomer')!;
    const get = table.routes.find((r) => r.operationId === 'getCustomer')!;
    expect(create.policies).toMatchObject({ validation: { request: 'report', response: 'enforce' }, bodyLimitBytes: 5, public: true });
    expect(create.scopes).toEqual([]);
    expect(get.policies).toMatchObject({ bodyLimitBytes: 100, public: false });
    expect(get.scopes).toEqual(['customers:read']);
  });

  it('refuses two APIs answering the same method and path, naming the line', () => {
    expect(() =>
      configFrom({
        upstreams: { customers: { url: 'http://127.0.0.1:1' } },
        apis: [
          { contract: 'customers.v2', basePath: '/v1', upstream: 'customers' },
          { contract: 'customers.v1', basePath: '/v1', upstream: 'customers' },
        ],
      }),
    ).toThrow(/test\.config\.yaml:\d+:\d+ apis\[1\]\.basePath: GET \/v1\/customers is also served by apis\[0\]/);
  });
});

describe('public operations', () => {
  it('come only from the config: an empty security requirement in a contract is refused at start-up, not opened', async () => {
    const { assertRoutesSecured, UnsecuredOperationError } = await import('./policies/authorize/assert-routes-secured.ts');
    const orders = structuredClone(openApiContracts['orders.v1']!);
    orders.paths['/orders/{orderId}']!.get!.security = [];
    const config = configFrom({
      upstreams: { orders: { url: 'http://127.0.0.1:1' } },
      apis: [{ contract: 'orders.v1', basePath: '/v1', upstream: 'orders' }],
    });
    const table = buildRouteTable(config, { 'orders.v1': orders });
    const getOrder = table.routes.find((r) => r.operationId === 'getOrder')!;
    expect(getOrder.public).toBe(false);
    expect(() => assertRoutesSecured(table.routes)).toThrow(UnsecuredOperationError);
    expect(() => assertRoutesSecured(table.routes)).toThrow(/orders\.v1#getOrder/);

    const onPurpose = configFrom({
      upstreams: { orders: { url: 'http://127.0.0.1:1' } },
      apis: [{ contract: 'orders.v1', basePath: '/v1', upstream: 'orders', operations: { getOrder: { policies: { public: true } } } }],
    });
    const opened = buildRouteTable(onPurpose, { 'orders.v1': orders });
    expect(opened.routes.find((r) => r.operationId === 'getOrder')!.public).toBe(true);
    expect(() => assertRoutesSecured(opened.routes)).not.toThrow();
  });
});

describe('contracts written by others', () => {
  it('serve an empty enum (no value allowed) and formats the gateway cannot check, each reported once with its contract', () => {
    // As in Discord's published contract: an optional query parameter with `enum: []`, ids in `format: snowflake`.
    const orders = structuredClone(openApiContracts['orders.v1']!);
    const listOrders = orders.paths['/orders']!.get!;
    listOrders.parameters = (listOrders.parameters ?? []).map((p) =>
      'name' in p && p.name === 'status' ? { ...p, schema: { type: 'string', enum: [] } } : p,
    );
    listOrders.parameters.push({ name: 'guild_id', in: 'query', schema: { type: 'string', format: 'snowflake' } });
    const config = configFrom({
      upstreams: { orders: { url: 'http://127.0.0.1:1' } },
      apis: [
        { contract: 'orders.v1', basePath: '/v1', upstream: 'orders' },
        { contract: 'orders.v1', basePath: '/v1-again', upstream: 'orders' },
      ],
    });
    const reported: string[] = [];
    const table = buildRouteTable(
      config,
      { 'orders.v1': orders },
      { onUnknownFormat: (contract, format) => reported.push(`${contract} ${format}`) },
    );
    expect(reported).toEqual(['orders.v1 snowflake']);

    const route = table.routes.find((r) => r.operationId === 'listOrders')!;
    const parameters = (query: Record<string, string[]>) =>
      route.validator.validateParameters({ path: {}, query, header: () => undefined });
    expect(parameters({})).toMatchObject({ ok: true });
    expect(parameters({ guild_id: ['81384788765712384'] })).toMatchObject({ ok: true });
    expect(parameters({ status: ['confirmed'] })).toEqual({
      ok: false,
      errors: [{ pointer: '/query/status', message: 'has no allowed value: the contract lists none (an empty enum)' }],
    });
  });

  it('check responses against a recursive schema (Stripe: objects that expand into themselves) instead of failing the request', () => {
    const orders = structuredClone(openApiContracts['orders.v1']!);
    // Dereferenced, a recursive schema is a cycle of objects; Stripe's also sit in vendor extensions
    // and beside a `nullable` with no `type`.
    const order: Record<string, unknown> = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };
    (order.properties as Record<string, unknown>).replaced_by = { nullable: true, anyOf: [order] };
    order['x-expansionResources'] = { oneOf: [order] };
    orders.paths['/orders/{orderId}']!.get!.responses!['200'] = { description: 'ok', content: { 'application/json': { schema: order } } };
    const config = configFrom({
      upstreams: { orders: { url: 'http://127.0.0.1:1' } },
      apis: [{ contract: 'orders.v1', basePath: '/v1', upstream: 'orders' }],
    });
    const getOrder = buildRouteTable(config, { 'orders.v1': orders }).routes.find((r) => r.operationId === 'getOrder')!;
    const check = (body: unknown) => getOrder.validator.validateResponse(200, 'application/json', body);
    expect(check({ id: 'ord_1', replaced_by: { id: 'ord_2', replaced_by: null } })).toEqual([]);
    const errors = check({ id: 'ord_1', replaced_by: { replaced_by: null } });
    expect(errors).toContainEqual({ pointer: '/body/replaced_by/id', message: 'is required' });
  });

  it('take a response schema Ajv cannot compile as unvalidated, reported once at its place, never as a failed request', () => {
    const orders = structuredClone(openApiContracts['orders.v1']!);
    orders.paths['/orders/{orderId}']!.get!.responses!['200'] = {
      description: 'ok',
      content: { 'application/json': { schema: { type: 'object', properties: { total: { type: 'money' } } } } },
    };
    const config = configFrom({
      upstreams: { orders: { url: 'http://127.0.0.1:1' } },
      apis: [{ contract: 'orders.v1', basePath: '/v1', upstream: 'orders' }],
    });
    const reported: string[] = [];
    const table = buildRouteTable(
      config,
      { 'orders.v1': orders },
      {
        // The copy is not on disk: place it by its path in the document.
        locate: (contract, path) => ({ file: `${contract}.yaml`, line: path.length, column: 1 }),
        onUnusableResponseSchema: (contract, at, message) => reported.push(`${contract} ${at.file}:${at.line} ${message}`),
      },
    );
    // Compiled on first use, not at start-up.
    expect(reported).toEqual([]);
    const getOrder = table.routes.find((r) => r.operationId === 'getOrder')!;
    expect(getOrder.validator.validateResponse(200, 'application/json', { total: 1 })).toEqual([]);
    expect(getOrder.validator.validateResponse(200, 'application/json', { total: 'x' })).toEqual([]);
    expect(reported).toEqual([
      expect.stringMatching(
        /^orders\.v1 orders\.v1\.yaml:\d+ getOrder: the schema cannot be used for validation \(schema is invalid: .*\); these responses are not validated$/,
      ),
    ]);
  });
});
