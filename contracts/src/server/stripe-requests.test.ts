import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dereferenceLocal } from '../document/dereference.ts';
import { listOperations, type OpenApiDocument } from '../document/openapi-document.ts';
import { corpusFile } from '../testing/corpus.ts';
import { createContractAjv } from './ajv.ts';
import { createOperationValidator } from './request-validator.ts';

/**
 * Requests as Stripe's own clients send them (nested `deepObject` brackets in form bodies and query
 * strings: arrays of objects by index, nested objects, `[]` appends, `''` to unset), validated
 * against Stripe's published contract from the corpus: each must pass, and a wrong nested member
 * must be named by its pointer.
 */
const STRIPE = corpusFile('stripe.spec3.2023-09-12.yaml') ?? '';

describe.skipIf(STRIPE === '')("Stripe's requests against Stripe's contract", { timeout: 120_000 }, async () => {
  const document = STRIPE ? dereferenceLocal(parse(await readFile(STRIPE, 'utf8'), { maxAliasCount: -1 }) as OpenApiDocument) : undefined;
  const operations = document ? listOperations(document) : [];
  const ajv = createContractAjv();
  const validatorFor = (operationId: string) => createOperationValidator(operations.find((o) => o.operationId === operationId)!, ajv);
  const form = (operationId: string, pairs: string[]) =>
    validatorFor(operationId).validateRequestBody('application/x-www-form-urlencoded', new TextEncoder().encode(pairs.join('&')));

  it('takes a Checkout Session with line items, nested price data, metadata and expand', async () => {
    const result = await form('PostCheckoutSessions', [
      'mode=payment',
      'success_url=https%3A%2F%2Fexample.com%2Fsuccess',
      'line_items[0][price]=price_1NzQ',
      'line_items[0][quantity]=2',
      'line_items[1][price_data][currency]=eur',
      'line_items[1][price_data][unit_amount]=1500',
      'line_items[1][price_data][product_data][name]=T-shirt',
      'line_items[1][quantity]=1',
      'line_items[1][adjustable_quantity][enabled]=true',
      'line_items[1][adjustable_quantity][maximum]=10',
      'metadata[order_id]=6735',
      'payment_method_types[]=card',
      'expand[]=line_items',
    ]);
    expect(result).toMatchObject({ ok: true });
  });

  it('takes a customer update that unsets its metadata and sets a nested address', async () => {
    const result = await form('PostCustomersCustomer', ['metadata=', 'address[line1]=1 Main St', 'address[city]=Paris', 'balance=-500']);
    expect(result).toMatchObject({ ok: true });
  });

  it('names the nested member that is wrong', async () => {
    const result = await form('PostCheckoutSessions', ['mode=payment', 'line_items[0][quantity]=two', 'line_items[0][colour]=red']);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.pointer)).toEqual(expect.arrayContaining(['/body/line_items/0/quantity']));
  });

  it('takes a list query with a created range and expansions', () => {
    const params = new URLSearchParams('limit=3&created[gte]=1690000000&created[lt]=1700000000&expand[]=data.customer&starting_after=ch_1');
    const queryValues: Record<string, string[]> = {};
    for (const [k, v] of params) (queryValues[k] ??= []).push(v);
    const result = validatorFor('GetCharges').validateParameters({ path: {}, query: queryValues, header: () => undefined });
    expect(result).toMatchObject({
      ok: true,
      value: { query: { limit: 3, created: { gte: 1690000000, lt: 1700000000 }, expand: ['data.customer'] } },
    });
  });
});
