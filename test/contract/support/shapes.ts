import { MatchersV3 } from '@pact-foundation/pact';

const { regex, like, eachLike, integer, nullValue } = MatchersV3;

/** RFC 3339 date-time as the services write it (toISOString, or a database timestamp). */
export const TIMESTAMP = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$';
export const CUSTOMER_ID = '^cus_[0-9A-Za-z]{8,32}$';
export const ORDER_ID = '^ord_[0-9A-Za-z]{8,32}$';
export const SKU = '^[A-Z0-9][A-Z0-9-]{2,31}$';
export const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const PROBLEM_JSON = regex('^application/problem\\+json', 'application/problem+json');
export const JSON_TYPE = regex('^application/json', 'application/json');
/**
 * The partner the system APIs' pacts act for (the demo partner, whose token the gateway's pacts use). The gateway sends every upstream request with the
 * caller's client id in `x-concord-partner`, and a service-to-service call sends its resource's.
 */
export const PACT_PARTNER = 'demo-partner';
export const PARTNER_HEADER = 'x-concord-partner';

export const timestamp = (example = '2025-05-20T10:15:00.000Z') => regex(TIMESTAMP, example);
export const customerId = (example = 'cus_4f9a2b7c1d8e') => regex(CUSTOMER_ID, example);
export const orderId = (example = 'ord_8KdW3nYq5TzR') => regex(ORDER_ID, example);
export const sku = (example = 'TEA-EARLGREY-250') => regex(SKU, example);

/** The RFC 9457 fields a client branches on and shows: a problem with field errors. */
export const problemWithErrors = (status: number) => ({
  type: like('https://api.concord.example/problems/example'),
  title: like('A problem'),
  status: integer(status),
  detail: like('What went wrong.'),
  errors: eachLike({ pointer: like('/body/lines/0/quantity'), message: like('only 1 available') }),
});

export { like, eachLike, integer, nullValue, regex };
