// @ts-check
// A partner's first program: authenticate with client credentials, create customers, list them
// page by page, and handle a typed error. Run it against a gateway:
//
//   CONCORD_URL=http://localhost:8080 CONCORD_CLIENT_ID=demo-partner \
//   CONCORD_CLIENT_SECRET=concord-demo-secret-do-not-use-in-production npm start
import { ConcordApiError, NotFoundError, createConcordClient } from '@concord/partner-sdk';

const { CONCORD_URL = 'http://localhost:8080', CONCORD_CLIENT_ID, CONCORD_CLIENT_SECRET } = process.env;
if (!CONCORD_CLIENT_ID || !CONCORD_CLIENT_SECRET) {
  console.error('Set CONCORD_CLIENT_ID and CONCORD_CLIENT_SECRET (the gateway prints demo credentials at start).');
  process.exit(2);
}

/** @type {string[]} */
const retries = [];
const concord = createConcordClient({
  baseUrl: CONCORD_URL,
  clientCredentials: { clientId: CONCORD_CLIENT_ID, clientSecret: CONCORD_CLIENT_SECRET },
  hooks: { onRetry: (e) => retries.push(`${e.operation} attempt ${e.attempt}: ${e.reason}, waiting ${e.delayMs} ms`) },
});

// 1. Create three customers (the SDK fetches the token on the first call and caches it).
const run = Date.now().toString(36);
const created = [];
for (const [given, family] of [
  ['Ada', 'Lovelace'],
  ['Grace', 'Hopper'],
  ['Katherine', 'Johnson'],
]) {
  const customer = await concord.customersV2.createCustomer({
    body: { given_name: given, family_name: family, email: `${given.toLowerCase()}.${run}@quickstart.example` },
  });
  created.push(customer.id);
  console.log(`created ${customer.id} ${customer.given_name} ${customer.family_name}`);
}

// 2. List every customer, two per page: `pages` follows next_cursor until the last page.
let pages = 0;
/** @type {string[]} */
const listed = [];
for await (const page of concord.customersV2.listCustomers.pages({ limit: 2 })) {
  pages++;
  for (const customer of page.data) listed.push(customer.id);
  console.log(`page ${pages}: ${page.data.map((c) => c.email).join(', ')}`);
}

// 3. A customer that does not exist: a typed error, with the problem details and the request id.
/** @type {{ status: number, type: string, title: string, detail: string | undefined, requestId: string | undefined } | undefined} */
let notFound;
try {
  await concord.customersV2.getCustomer({ customerId: 'cus_00000000zzzz' });
} catch (err) {
  if (!(err instanceof NotFoundError)) throw err;
  notFound = { status: err.status, type: err.type, title: err.title, detail: err.detail, requestId: err.requestId };
  console.log(`not found: ${err.title} (${err.type}), request id ${err.requestId}`);
}

const result = { created, listed, pages, notFound, retries, errorIsApiError: ConcordApiError.name };
console.log(`RESULT ${JSON.stringify(result)}`);
