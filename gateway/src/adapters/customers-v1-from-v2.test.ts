import { document as v1Document } from '@concord/contracts/generated/customers.v1/document.ts';
import { listOperations } from '@concord/contracts/src/document/openapi-document.ts';
import { createContractAjv } from '@concord/contracts/src/server/ajv.ts';
import { createOperationValidator } from '@concord/contracts/src/server/request-validator.ts';
import { describe, expect, it } from 'vitest';
import { createToV2, customerToV1, customersV1FromV2, problemToV1, updateToV2 } from './customers-v1-from-v2.ts';
import { joinFullName, splitFullName } from './name-split.ts';

const v2Customer = {
  id: 'cus_4f9a2b7c1d8e',
  given_name: 'Ada',
  family_name: 'Lovelace',
  name_prefix: 'Dr.',
  email: 'ada@example.com',
  phone: null,
  address: null,
  created_at: '2025-03-14T09:26:53Z',
  updated_at: '2025-03-14T09:26:53Z',
};

describe('splitting and joining names', () => {
  it.each([
    ['Ada Lovelace', { name_prefix: null, given_name: 'Ada', family_name: 'Lovelace' }],
    ['Dr. Ada Lovelace', { name_prefix: 'Dr.', given_name: 'Ada', family_name: 'Lovelace' }],
    ['Grace Brewster Murray Hopper', { name_prefix: null, given_name: 'Grace Brewster Murray', family_name: 'Hopper' }],
    ['Ludwig van Beethoven', { name_prefix: null, given_name: 'Ludwig', family_name: 'van Beethoven' }],
    ['Martin Luther King Jr.', { name_prefix: null, given_name: 'Martin Luther', family_name: 'King Jr.' }],
    ['Prof Hannah Arendt', { name_prefix: 'Prof', given_name: 'Hannah', family_name: 'Arendt' }],
    ['Cher', { name_prefix: null, given_name: 'Cher', family_name: 'Cher' }],
    ['Dr.', { name_prefix: null, given_name: 'Dr.', family_name: 'Dr.' }],
  ])('%s', (full, split) => {
    expect(splitFullName(full)).toEqual(split);
    expect(joinFullName(splitFullName(full))).toBe(full);
  });

  it('normalises whitespace (it does not round-trip)', () => {
    expect(joinFullName(splitFullName('  Ada   Lovelace '))).toBe('Ada Lovelace');
  });
});

describe('customers v1 from v2', () => {
  const ajv = createContractAjv();
  const validators = new Map(listOperations(v1Document).map((e) => [e.operationId, createOperationValidator(e, ajv)]));

  it('turns a v2 customer into a valid v1 customer', () => {
    const v1 = customerToV1(v2Customer);
    expect(v1).toEqual({
      id: v2Customer.id,
      full_name: 'Dr. Ada Lovelace',
      email: 'ada@example.com',
      phone: null,
      address: null,
      created_at: v2Customer.created_at,
      updated_at: v2Customer.updated_at,
    });
    expect(validators.get('getCustomer')!.validateResponse(200, 'application/json', v1)).toEqual([]);
  });

  it('turns a v2 page into a valid v1 page', () => {
    const page = customersV1FromV2.response('listCustomers', 200, {
      data: [v2Customer, { ...v2Customer, name_prefix: null }],
      next_cursor: 'abc',
    });
    expect(validators.get('listCustomers')!.validateResponse(200, 'application/json', page)).toEqual([]);
    expect((page as { data: { full_name: string }[] }).data.map((c) => c.full_name)).toEqual(['Dr. Ada Lovelace', 'Ada Lovelace']);
  });

  it('creates with the split name and omits an absent prefix', () => {
    expect(createToV2({ full_name: 'Ada Lovelace', email: 'a@example.com' })).toEqual({
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'a@example.com',
    });
  });

  it('a merge patch of full_name replaces every part, clearing an old prefix', () => {
    expect(updateToV2({ full_name: 'Ada King' })).toEqual({ name_prefix: null, given_name: 'Ada', family_name: 'King' });
    expect(updateToV2({ phone: null })).toEqual({ phone: null });
  });

  it('points field errors about the name at full_name, once', () => {
    const v1 = problemToV1({
      type: 'https://concord.dev/problems/validation-error',
      title: 'Invalid request',
      status: 400,
      detail: 'The request body has 3 invalid fields: /body/given_name, /body/family_name, /body/email.',
      errors: [
        { pointer: '/body/given_name', message: 'must NOT have more than 100 characters' },
        { pointer: '/body/family_name', message: 'must NOT have more than 100 characters' },
        { pointer: '/body/email', message: 'must match format "email"' },
      ],
    });
    expect(v1.errors!.map((e) => e.pointer)).toEqual(['/body/full_name', '/body/email']);
    expect(v1.detail).not.toContain('given_name');
  });
});
