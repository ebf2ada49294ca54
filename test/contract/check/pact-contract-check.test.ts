import { describe, expect, it, vi } from 'vitest';
import { eventCatalogs } from '@concord/contracts/generated/index.ts';
import type { EventCatalog } from '@concord/contracts/src/events/event-catalog.ts';
import { createContractChecker } from '@concord/contracts/src/pact/contract-check.ts';
import { readPactDir, readPactFile, type PactFile } from '@concord/contracts/src/pact/pact-file.ts';
import { runVerification, type ProviderRunner } from '@concord/contracts/src/pact/run-verification.ts';
import { mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACTS_DIR } from '../support/pacts-dir.ts';

/** The pact-vs-contract check runs without any provider: pacts against the OpenAPI and AsyncAPI contracts. */
const checker = createContractChecker();
const pact = (name: string): PactFile => structuredClone(readPactFile(join(PACTS_DIR, name)));
const interaction = (p: PactFile, description: string) => p.interactions.find((i) => i.description === description)!;

describe('pact-vs-contract check', () => {
  it('finds nothing in the committed pacts', () => {
    for (const p of readPactDir(PACTS_DIR)) expect({ pact: p.name, findings: checker.check(p) }).toEqual({ pact: p.name, findings: [] });
  });

  it('fails a request with a query parameter the contract does not define, naming the interaction and the operation', () => {
    const p = pact('partner-client-v2-concord-gateway.json');
    interaction(p, 'a v2 search for customers by email').request!.query = { email: ['ada.lovelace@example.com'], sort: ['name'] };
    expect(checker.check(p)).toEqual([
      {
        consumer: 'partner-client-v2',
        provider: 'concord-gateway',
        interaction: 'a v2 search for customers by email',
        operation: 'customers.v2#listCustomers',
        problems: ['request /query/sort is not a parameter of this operation'],
      },
    ]);
  });

  it('fails a request body the operation would reject and a response status it does not document', () => {
    const p = pact('orders-inventory.json');
    const reserve = interaction(p, 'a reservation for an order whose lines are in stock');
    (reserve.request!.body!.content as Record<string, unknown>).priority = 'high';
    reserve.response!.status = 202;
    const [finding] = checker.check(p);
    expect(finding?.operation).toBe('inventory.v1#createReservation');
    expect(finding?.problems).toEqual([
      'request /body/priority is not a known field',
      'response status 202 is not documented for createReservation',
    ]);
  });

  it('fails a request no operation of the provider serves', () => {
    const p = pact('partner-client-v1-concord-gateway.json');
    interaction(p, 'a v1 request for the stock of a SKU').request!.path = '/v1/warehouses/TEA-EARLGREY-250';
    expect(checker.check(p)[0]?.problems[0]).toMatch(
      /^no operation of .*inventory\.v1 \(at \/v1\).* matches GET \/v1\/warehouses\/TEA-EARLGREY-250$/,
    );
  });

  it('fails a message with a value or field its AsyncAPI message does not allow', () => {
    const p = pact('inventory-orders.json');
    const content = interaction(p, 'an order.cancelled event').contents!.content as { data: Record<string, unknown> };
    content.data.status = 'lost';
    content.data.refund = 12;
    const [finding] = checker.check(p);
    expect(finding?.operation).toBe('events.v1#order.cancelled');
    expect(finding?.problems.join('\n')).toMatch(
      /message \/data\/status must be[^\n]*[\s\S]*message \/data\/refund is not documented by the contract/,
    );
  });
});

describe('messages against every AsyncAPI contract', () => {
  const audit: EventCatalog = {
    'audit.recorded': {
      channel: 'concord.audit.recorded',
      title: 'Audit recorded',
      summary: 'Something was audited.',
      public: true,
      audience: 'all',
      schema: {
        type: 'object',
        required: ['type', 'data'],
        properties: {
          type: { const: 'audit.recorded' },
          data: { type: 'object', additionalProperties: false, properties: { actor: { type: 'string' } } },
        },
      },
    },
  };
  const withAudit = createContractChecker({ catalogs: { ...eventCatalogs, 'audit.v1': audit } });
  const auditPact = (content: unknown): PactFile => {
    const p = pact('inventory-orders.json');
    const message = p.interactions[0]!;
    message.contents = { content, contentType: 'application/json' };
    message.metadata = { subject: 'concord.audit.recorded' };
    p.interactions = [message];
    return p;
  };

  it('checks a message against the contract that declares its type, whichever AsyncAPI contract that is', () => {
    expect(withAudit.check(auditPact({ type: 'audit.recorded', data: { actor: 'ada' } }))).toEqual([]);
    const [finding] = withAudit.check(auditPact({ type: 'audit.recorded', data: { actor: 7 } }));
    expect(finding?.operation).toBe('audit.v1#audit.recorded');
    expect(finding?.problems.join('\n')).toMatch(/message \/data\/actor must be string/);
    // The events.v1 messages of the committed pacts still pass beside it.
    for (const p of readPactDir(PACTS_DIR)) expect(withAudit.check(p)).toEqual([]);
  });

  it('fails a message type no AsyncAPI contract declares, naming the contracts it looked in', () => {
    const [finding] = withAudit.check(auditPact({ type: 'audit.erased', data: {} }));
    expect(finding?.problems).toEqual(['message type "audit.erased" is not an event of any AsyncAPI contract (events.v1, audit.v1)']);
  });
});

describe('publishing to a Pact Broker', () => {
  const runner: ProviderRunner = { providers: () => ['inventory'], verify: vi.fn(async () => ({ passed: true, failures: [] })) };
  const dir = mkdtempSync(join(tmpdir(), 'concord-broker-'));
  copyFileSync(join(PACTS_DIR, 'orders-inventory.json'), join(dir, 'orders-inventory.json'));

  it('is not attempted when PACT_BROKER_BASE_URL is unset', async () => {
    const fetch = vi.fn();
    const result = await runVerification({
      pactsDir: dir,
      runner,
      env: {},
      fetch: fetch as unknown as typeof globalThis.fetch,
      record: false,
    });
    expect(fetch).not.toHaveBeenCalled();
    expect(result.broker).toBeUndefined();
    expect(runner.verify).toHaveBeenCalledWith(expect.objectContaining({ name: 'orders-inventory.json' }), {});
  });

  it('publishes pacts and asks the verifier to publish results when it is set', async () => {
    const fetch = vi.fn(async () => new Response('{}', { status: 201 }));
    const result = await runVerification({
      pactsDir: dir,
      runner,
      env: { PACT_BROKER_BASE_URL: 'https://broker.example/' },
      fetch: fetch as unknown as typeof globalThis.fetch,
      providerVersion: '1.2.3',
      record: false,
    });
    expect(result.broker?.baseUrl).toBe('https://broker.example');
    expect(fetch).toHaveBeenCalledWith(
      'https://broker.example/pacts/provider/inventory/consumer/orders/version/1.2.3',
      expect.objectContaining({ method: 'PUT' }),
    );
    expect(runner.verify).toHaveBeenLastCalledWith(expect.anything(), {
      publish: { brokerUrl: 'https://broker.example', providerVersion: '1.2.3' },
    });
    rmSync(dir, { recursive: true, force: true });
  });
});
