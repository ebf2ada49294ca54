import type { Queryable } from '@concord/service-runtime/src/database/database.ts';
import { toIso } from '@concord/service-runtime/src/http/timestamps.ts';
import type { Address, Customer } from './customer.ts';

interface CustomerRow {
  id: string;
  position: string | number;
  given_name: string;
  family_name: string;
  name_prefix: string | null;
  email: string;
  phone: string | null;
  address: Address | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = 'id, position, given_name, family_name, name_prefix, email, phone, address, created_at, updated_at';

function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    given_name: row.given_name,
    family_name: row.family_name,
    name_prefix: row.name_prefix,
    email: row.email,
    phone: row.phone,
    address: row.address,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

/** A customer with the partner it belongs to (which the API never shows). */
export interface OwnedCustomer {
  customer: Customer;
  partner: string;
}

export interface CustomerPageRows {
  customers: Customer[];
  /** Position of the last row when more rows follow, for the next cursor. */
  nextPosition: number | undefined;
}

/**
 * The only SQL about customers; every function takes the connection or transaction to use. Reads
 * take the owner scope: a partner id sees that partner's rows only, null (internal) sees all.
 */
export const customerRepository = {
  async insert(db: Queryable, partner: string, c: Customer): Promise<void> {
    await db.query(
      'INSERT INTO customers (id, given_name, family_name, name_prefix, email, phone, address, created_at, updated_at, partner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [
        c.id,
        c.given_name,
        c.family_name,
        c.name_prefix,
        c.email,
        c.phone,
        c.address === null ? null : JSON.stringify(c.address),
        c.created_at,
        c.updated_at,
        partner,
      ],
    );
  },

  async update(db: Queryable, c: Customer): Promise<void> {
    await db.query(
      'UPDATE customers SET given_name = $2, family_name = $3, name_prefix = $4, email = $5, phone = $6, address = $7, updated_at = $8 WHERE id = $1',
      [
        c.id,
        c.given_name,
        c.family_name,
        c.name_prefix,
        c.email,
        c.phone,
        c.address === null ? null : JSON.stringify(c.address),
        c.updated_at,
      ],
    );
  },

  /** `forUpdate` locks the row so concurrent patches apply one after the other. */
  async find(db: Queryable, owner: string | null, id: string, forUpdate = false): Promise<OwnedCustomer | undefined> {
    const { rows } = await db.query<CustomerRow & { partner: string }>(
      `SELECT ${COLUMNS}, partner FROM customers WHERE id = $1 AND ($2::text IS NULL OR partner = $2::text)${forUpdate ? ' FOR UPDATE' : ''}`,
      [id, owner],
    );
    return rows[0] && { customer: toCustomer(rows[0]), partner: rows[0].partner };
  },

  async findIdByEmail(db: Queryable, partner: string, email: string): Promise<string | undefined> {
    const { rows } = await db.query<{ id: string }>('SELECT id FROM customers WHERE partner = $1 AND lower(email) = lower($2)', [
      partner,
      email,
    ]);
    return rows[0]?.id;
  },

  /** Newest first; `before` is the position of the previous page's last row. */
  async page(
    db: Queryable,
    options: { owner: string | null; limit: number; before?: number | undefined; email?: string | undefined },
  ): Promise<CustomerPageRows> {
    const { rows } = await db.query<CustomerRow>(
      `SELECT ${COLUMNS} FROM customers
        WHERE ($1::bigint IS NULL OR position < $1::bigint) AND ($2::text IS NULL OR lower(email) = lower($2::text))
          AND ($4::text IS NULL OR partner = $4::text)
        ORDER BY position DESC LIMIT $3`,
      [options.before === undefined ? null : String(options.before), options.email ?? null, options.limit + 1, options.owner],
    );
    const more = rows.length > options.limit;
    const pageRows = rows.slice(0, options.limit);
    const last = pageRows[pageRows.length - 1];
    return { customers: pageRows.map(toCustomer), nextPosition: more && last ? Number(last.position) : undefined };
  },
};
