/**
 * customers.v1 served from the customers v2 system API. v1 has one `full_name`; v2 splits it into
 * `name_prefix`, `given_name` and `family_name` (rules in name-split.ts, limits in docs/adapters.md).
 * Both sides are typed from the generated contract types, so a contract change that this mapping
 * no longer covers fails to compile.
 */
import type { components as V1 } from '@concord/contracts/generated/customers.v1/types.ts';
import type { components as V2 } from '@concord/contracts/generated/customers.v2/types.ts';
import { joinFullName, splitFullName } from './name-split.ts';
import type { VersionAdapter } from './version-adapter.ts';

type V1Customer = V1['schemas']['Customer'];
type V2Customer = V2['schemas']['Customer'];
type V1Page = V1['schemas']['CustomerPage'];
type V2Page = V2['schemas']['CustomerPage'];
type V1Create = V1['schemas']['CustomerCreate'];
type V2Create = V2['schemas']['CustomerCreate'];
type V1Update = V1['schemas']['CustomerUpdate'];
type V2Update = V2['schemas']['CustomerUpdate'];
type V1Problem = V1['schemas']['Problem'];
type V2Problem = V2['schemas']['Problem'];

const NAME_FIELDS = ['name_prefix', 'given_name', 'family_name'] as const;

export function customerToV1(customer: V2Customer): V1Customer {
  const { name_prefix, given_name, family_name, id, ...rest } = customer;
  // v1's field order, so a v1 client reads the same document it always did.
  return { id, full_name: joinFullName({ name_prefix, given_name, family_name }), ...rest };
}

export function pageToV1(page: V2Page): V1Page {
  return { ...page, data: page.data.map(customerToV1) };
}

export function createToV2(body: V1Create): V2Create {
  const { full_name, ...rest } = body;
  const name = splitFullName(full_name);
  const out: V2Create = { ...rest, given_name: name.given_name, family_name: name.family_name };
  if (name.name_prefix !== null) out.name_prefix = name.name_prefix;
  return out;
}

/** A merge patch: a new full_name replaces the whole name, so a missing prefix clears the old one. */
export function updateToV2(body: V1Update): V2Update {
  const { full_name, ...rest } = body;
  if (full_name === undefined) return rest;
  const name = splitFullName(full_name);
  return { ...rest, name_prefix: name.name_prefix, given_name: name.given_name, family_name: name.family_name };
}

/** Field errors about the split name point at the one v1 field they came from. */
export function problemToV1(problem: V2Problem): V1Problem {
  if (!problem.errors) return problem;
  const seen = new Set<string>();
  const errors: NonNullable<V1Problem['errors']> = [];
  for (const error of problem.errors) {
    let pointer = error.pointer;
    for (const field of NAME_FIELDS) {
      if (pointer === `/body/${field}` || pointer.startsWith(`/body/${field}/`)) pointer = '/body/full_name';
    }
    if (seen.has(pointer)) continue;
    seen.add(pointer);
    errors.push({
      pointer,
      message: pointer === error.pointer ? error.message : `${error.message} (as the ${error.pointer.slice(6)} part of full_name)`,
    });
  }
  let detail = problem.detail;
  if (detail) for (const field of NAME_FIELDS) detail = detail.replaceAll(`/body/${field}`, '/body/full_name');
  return { ...problem, ...(detail === undefined ? {} : { detail }), errors };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const customersV1FromV2: VersionAdapter = {
  name: 'customers-v1-from-v2',
  publicContract: 'customers.v1',
  upstreamContract: 'customers.v2',
  request(operationId, body) {
    if (!isObject(body)) return body;
    switch (operationId) {
      case 'createCustomer':
        return createToV2(body as V1Create);
      case 'updateCustomer':
        return updateToV2(body as V1Update);
      default:
        return body;
    }
  },
  response(operationId, status, body) {
    if (!isObject(body)) return body;
    if (status >= 400) return 'status' in body && 'title' in body ? problemToV1(body as V2Problem) : body;
    if (operationId === 'listCustomers' && Array.isArray(body.data)) return pageToV1(body as V2Page);
    if ('given_name' in body && 'family_name' in body) return customerToV1(body as V2Customer);
    return body;
  },
};
