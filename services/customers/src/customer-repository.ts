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

export interface CustomerPageRows {
  customers: Customer[];
  /** Position of the last row when more rows follow, for the next cursor. */
  nextPosition: number | undefined;
}

/** The only SQL about customers; every function takes the connection or transaction to use. */
export const customerRepository = {
  async insert(db: Queryable, c: Customer): Promise<void> {
    await db.query(
      'INSERT INTO customers (id, given_name, family_name, name_prefix, email, phone, address, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
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
  async find(db: Queryable, id: string, forUpdate = false): Promise<Customer | undefined> {
    const { rows } = await db.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] && toCustomer(rows[0]);
  },

  async findIdByEmail(db: Queryable, email: string): Promise<string | undefined> {
    const { rows } = await db.query<{ id: string }>('SELECT id FROM customers WHERE lower(email) = lower($1)', [email]);
    return rows[0]?.id;
  },

  /** Newest first; `before` is the position of the previous page's last row. */
  async page(
    db: Queryable,
    options: { limit: number; before?: number | undefined; email?: string | undefined },
  ): Promise<CustomerPageRows> {
    const { rows } = await db.query<CustomerRow>(
      `SELECT ${COLUMNS} FROM customers
        WHERE ($1::bigint IS NULL OR position < $1::bigint) AND ($2::text IS NULL OR lower(email) = lower($2::text))
        ORDER BY position DESC LIMIT $3`,
      [options.before === undefined ? null : String(options.before), options.email ?? null, options.limit + 1],
    );
    const more = rows.length > options.limit;
    const pageRows = rows.slice(0, options.limit);
    const last = pageRows[pageRows.length - 1];
    return { customers: pageRows.map(toCustomer), nextPosition: more && last ? Number(last.position) : undefined };
  },
};
