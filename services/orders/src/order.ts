import type { components } from '@concord/contracts/generated/orders.v1/types.ts';

export type Order = components['schemas']['Order'];
export type OrderCreate = components['schemas']['OrderCreate'];
export type OrderLine = components['schemas']['OrderLine'];
export type OrderStatus = components['schemas']['OrderStatus'];
export type Problem = components['schemas']['Problem'];

/** What an Idempotency-Key remembers: the request's fingerprint and the response it got. */
export interface IdempotencyRecord {
  key: string;
  requestHash: string;
  response: { status: 201; body: Order } | { status: 409; body: Problem };
}
