import type { CustomersV2Handlers } from '@concord/contracts/generated/customers.v2/server.ts';
import { ProblemError } from '@concord/contracts/src/problem.ts';
import type { Clock } from '@concord/service-runtime/src/clock.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { isUniqueViolation } from '@concord/service-runtime/src/database/sql-errors.ts';
import { decodeCursor, encodeCursor } from '@concord/service-runtime/src/http/page-cursor.ts';
import { traceparentOf } from '@concord/service-runtime/src/http/traceparent.ts';
import type { IdGenerator } from '@concord/service-runtime/src/ids.ts';
import { callerOf, creatingPartner, ownerScope } from '@concord/service-runtime/src/tenancy/caller.ts';
import type { PartnerOutbox } from '@concord/service-runtime/src/tenancy/partner-events.ts';
import { completeAddress, type Customer } from './customer.ts';
import { applyMergePatch } from './customer-merge-patch.ts';
import { customerRepository as repo } from './customer-repository.ts';

export interface CustomersHandlerDeps {
  db: Database;
  outbox: PartnerOutbox;
  clock: Clock;
  ids: IdGenerator;
}

function emailTaken(email: string, ownerId: string | undefined, cause?: unknown): ProblemError {
  return new ProblemError(
    'email-already-exists',
    ownerId ? `The email address ${email} belongs to customer ${ownerId}.` : `The email address ${email} belongs to another customer.`,
    { errors: [{ pointer: '/body/email', message: 'is already used by another customer' }], cause },
  );
}

/** The same answer for another partner's customer as for none at all: no existence oracle. */
function notFound(id: string): ProblemError {
  return new ProblemError('not-found', `Customer ${id} does not exist.`);
}

/**
 * Writes with the unique (partner, email) index as the arbiter: a pre-check alone would race. The
 * index is per partner, so the owner named in the 409 is always the writer's own customer.
 */
async function guardEmail<T>(db: Database, partner: () => string, email: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (email !== undefined && isUniqueViolation(err, 'customers_partner_email_key'))
      throw emailTaken(email, await repo.findIdByEmail(db, partner(), email), err);
    throw err;
  }
}

export function createCustomersHandlers(deps: CustomersHandlerDeps): CustomersV2Handlers {
  const { db, outbox, clock, ids } = deps;
  return {
    async listCustomers({ query }, c) {
      const page = await repo.page(db, {
        owner: ownerScope(callerOf(c)),
        limit: query.limit ?? 20,
        before: decodeCursor(query.cursor),
        email: query.email,
      });
      return {
        status: 200,
        body: { data: page.customers, next_cursor: page.nextPosition === undefined ? null : encodeCursor(page.nextPosition) },
      };
    },

    async createCustomer({ body }, c) {
      const partner = creatingPartner(callerOf(c));
      const now = clock.now().toISOString();
      const customer: Customer = {
        id: ids.prefixed('cus'),
        given_name: body.given_name,
        family_name: body.family_name,
        name_prefix: body.name_prefix ?? null,
        email: body.email,
        phone: body.phone ?? null,
        address: completeAddress(body.address),
        created_at: now,
        updated_at: now,
      };
      await guardEmail(
        db,
        () => partner,
        body.email,
        () =>
          db.transaction(async (tx) => {
            await repo.insert(tx, partner, customer);
            await outbox.appendEvent(tx, 'customer.created', customer, { subject: customer.id, partner, traceparent: traceparentOf(c) });
          }),
      );
      return { status: 201, body: customer, headers: { location: `/customers/${customer.id}` } };
    },

    async getCustomer({ params }, c) {
      const found = await repo.find(db, ownerScope(callerOf(c)), params.customerId);
      if (!found) throw notFound(params.customerId);
      return { status: 200, body: found.customer };
    },

    async updateCustomer({ params, body }, c) {
      const owner = ownerScope(callerOf(c));
      // The email index is per partner: the conflict is looked up among the customer's owner's.
      let partner = owner ?? '';
      const updated = await guardEmail(
        db,
        () => partner,
        body.email,
        () =>
          db.transaction(async (tx) => {
            const found = await repo.find(tx, owner, params.customerId, true);
            if (!found) throw notFound(params.customerId);
            partner = found.partner;
            const current = found.customer;
            const { customer, changed } = applyMergePatch(current, body, clock.now().toISOString());
            // A patch that changes nothing is not an event: consumers would act on a non-change.
            if (changed.length === 0) return current;
            await repo.update(tx, customer);
            await outbox.appendEvent(
              tx,
              'customer.updated',
              { customer, changed_fields: changed },
              { subject: customer.id, partner: found.partner, traceparent: traceparentOf(c) },
            );
            return customer;
          }),
      );
      return { status: 200, body: updated };
    },
  };
}
