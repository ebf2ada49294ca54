import type { components } from '@concord/contracts/generated/customers.v2/types.ts';

export type Customer = components['schemas']['Customer'];
export type CustomerCreate = components['schemas']['CustomerCreate'];
export type CustomerUpdate = components['schemas']['CustomerUpdate'];
export type Address = components['schemas']['Address'];
export type AddressInput = components['schemas']['AddressInput'];

/** Optional address members are stored as null, so responses always carry every field. */
export function completeAddress(input: AddressInput | null | undefined): Address | null {
  if (!input) return null;
  return {
    line1: input.line1,
    line2: input.line2 ?? null,
    city: input.city,
    region: input.region ?? null,
    postal_code: input.postal_code,
    country: input.country,
  };
}
