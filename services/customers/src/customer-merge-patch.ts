import { completeAddress, type Customer, type CustomerUpdate } from './customer.ts';

export interface MergeResult {
  customer: Customer;
  /** Top-level fields whose value actually changed, for `customer.updated`'s `changed_fields`. */
  changed: (keyof CustomerUpdate)[];
}

const FIELDS = ['given_name', 'family_name', 'name_prefix', 'email', 'phone', 'address'] as const;

/**
 * RFC 7396 on a customer: present members replace, `null` clears, absent members stay. An address
 * object is merged into the stored one; because the contract makes it carry every required member,
 * only `line2` and `region` can be inherited from before.
 */
export function applyMergePatch(current: Customer, patch: CustomerUpdate, now: string): MergeResult {
  const next: Customer = { ...current };
  const changed: (keyof CustomerUpdate)[] = [];
  for (const field of FIELDS) {
    if (!(field in patch)) continue;
    const before = JSON.stringify(current[field]);
    if (field === 'address') {
      const value = patch.address;
      next.address = value === null || value === undefined ? null : completeAddress({ ...(current.address ?? {}), ...value });
    } else if (field === 'given_name' || field === 'family_name' || field === 'email') {
      const value = patch[field];
      if (value !== undefined) next[field] = value;
    } else {
      next[field] = patch[field] ?? null;
    }
    if (JSON.stringify(next[field]) !== before) changed.push(field);
  }
  if (changed.length > 0) next.updated_at = now;
  return { customer: next, changed };
}
