import type { OpenApiDocument, OperationObject } from '@concord/contracts/src/document/openapi-document.ts';
import { HTTP_METHODS } from '@concord/contracts/src/document/openapi-document.ts';
import { pascalId } from '@concord/contracts/src/paths.ts';
import type { PortalApi } from './portal.ts';

/** What the guide needs to speak about this deployment rather than about a repository. */
export interface GuideContext {
  /** Where the partner reached this portal, e.g. `https://api.partner.example`: every example uses it. */
  baseUrl: string;
  /** The demo partner's credentials: only when the gateway runs in development (never in production). */
  demo: { clientId: string; clientSecret: string } | undefined;
  /** Whether this gateway issues tokens itself at /oauth/token (not with an external identity provider). */
  issuesTokens: boolean;
  sdk: { version: string; fileName: string };
  /** The versions the gateway serves, with their contracts. */
  apis: Array<{ api: PortalApi; document: OpenApiDocument }>;
}

interface Operation {
  method: string;
  /** The public path, base path included: `/v2/customers`. */
  path: string;
  operationId: string | undefined;
  api: PortalApi;
}

function operationsOf(apis: GuideContext['apis']): Operation[] {
  const out: Operation[] = [];
  for (const { api, document } of apis) {
    if (api.gone) continue;
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of HTTP_METHODS) {
        const op = item[method] as OperationObject | undefined;
        if (op) out.push({ method: method.toUpperCase(), path: api.basePath.replace(/\/$/, '') + path, operationId: op.operationId, api });
      }
    }
  }
  return out;
}

/** A first call with the SDK: the same operation as the curl example, and the version's models by name. */
function sdkExample(base: string, first: Operation | undefined, apis: GuideContext['apis']): string[] {
  if (!first) return [];
  const property = pascalId(first.api.id).replace(/^./, (c) => c.toLowerCase());
  const document = apis.find((a) => a.api.id === first.api.id)?.document;
  const models = Object.keys(document?.components?.schemas ?? {}).filter((name) => /^[A-Z][A-Za-z0-9]*$/.test(name));
  return [
    '```ts',
    "import { createConcordClient } from '@concord/partner-sdk';",
    ...(models.length
      ? [`import type { ${models.slice(0, 2).join(', ')} } from '@concord/partner-sdk/${first.api.id.replace('.', '/')}';`]
      : []),
    '',
    'const concord = createConcordClient({',
    `  baseUrl: '${base}',`,
    '  clientCredentials: { clientId: process.env.CLIENT_ID!, clientSecret: process.env.CLIENT_SECRET! },',
    '});',
    '',
    `// ${first.method} ${first.path}: the token is fetched, refreshed and sent for you`,
    `const result = await concord.${property}.${first.operationId ?? 'operation'}();`,
    '```',
    '',
  ];
}

/** `ck_live_` keys go where the contracts' apiKey schemes say: `header X-Api-Key`. */
function apiKeyLocations(apis: GuideContext['apis']): string[] {
  const found = new Set<string>();
  for (const { document } of apis) {
    const schemes = (document.components?.securitySchemes ?? {}) as Record<string, { type?: string; in?: string; name?: string }>;
    for (const scheme of Object.values(schemes)) {
      if (scheme.type === 'apiKey' && scheme.name && scheme.in)
        found.add(`the \`${scheme.name}\` ${scheme.in === 'query' ? 'query parameter' : scheme.in}`);
    }
  }
  return [...found].sort();
}

/**
 * The onboarding guide a partner reads at /docs/guide, as Markdown: written for someone who was given
 * credentials and a URL, not for a developer of Concord, so it names no repository file and no
 * command of the repository. Its examples use the address the partner reached the portal at and the
 * paths of the versions this gateway serves; the demo credentials appear only in development, marked
 * as such.
 */
export function partnerGuide(context: GuideContext): string {
  const base = context.baseUrl;
  const operations = operationsOf(context.apis);
  const current = operations.filter((o) => o.api.lifecycle.status === 'current');
  const byId = (id: string) => operations.find((o) => o.operationId === id);
  // The first call: a read without path parameters from a current version, the simplest thing to try.
  const first = current.find((o) => o.method === 'GET' && !o.path.includes('{')) ?? operations.find((o) => o.method === 'GET');
  const subscribe = byId('createWebhookSubscription');
  const test = byId('sendWebhookTestEvent');
  const keys = apiKeyLocations(context.apis);
  const out: string[] = [];

  out.push(
    '# Onboarding guide',
    '',
    `From the credentials you were given to a verified webhook. Every example below calls this deployment, \`${base}\`; the [API reference](/docs#apis) of each version has every operation, and the [event catalogue](/docs/events) every event you can receive.`,
    '',
  );

  out.push('## 1. Your credentials', '');
  out.push(
    'Concord registered you as a partner and gave you a **client id** and a **client secret**, bound to a plan (your rate limits) and to the APIs and scopes you may use. Keep the secret on your servers: never in a browser or a mobile app, never in source control.',
    '',
  );
  if (keys.length) {
    out.push(
      `Some operations also accept an **API key** (\`ck_live_\` and 43 characters), if you were given one: send it in ${keys.join(' or ')}, as the reference of the operation shows. A key is shown to you once; ask for a new one if it leaks.`,
      '',
    );
  } else {
    out.push(
      'If you were given an **API key** (`ck_live_...`) instead, send it where the reference of the operation says; every operation of the versions listed here takes an access token.',
      '',
    );
  }
  out.push('```sh', 'export CLIENT_ID=<your client id>', 'export CLIENT_SECRET=<your client secret>', '```', '');
  if (context.demo) {
    out.push(
      '> **Development only.** This gateway runs in development mode and has a demo partner with access to every API. Its credentials are public and refused by any gateway running in production: use them to try things here, never anywhere else.',
      '',
      '```sh',
      '# DEVELOPMENT ONLY: the demo partner of this gateway',
      `export CLIENT_ID=${context.demo.clientId}`,
      `export CLIENT_SECRET=${context.demo.clientSecret}`,
      '```',
      '',
    );
  }

  out.push('## 2. Get an access token', '');
  if (context.issuesTokens) {
    out.push(
      `Exchange the credentials for an access token at \`${base}/oauth/token\` (OAuth 2.0 client credentials, RFC 6749 section 4.4: form-encoded, client authenticated with HTTP Basic):`,
      '',
      '```sh',
      `TOKEN=$(curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials ${base}/oauth/token \\`,
      `  | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
      '```',
      '',
      'The answer is `{"access_token": "...", "token_type": "Bearer", "expires_in": 3600, "scope": "..."}`. Ask for fewer scopes with `-d scope="..."`. Reuse the token until shortly before `expires_in` runs out: do not fetch one per request (the token endpoint is rate limited).',
      '',
    );
  } else {
    out.push(
      'Get an access token from the identity provider you were given (OAuth 2.0 client credentials) and send it as `Authorization: Bearer <token>`. Reuse it until shortly before it expires.',
      '',
    );
  }

  out.push('## 3. Your first call', '');
  if (first) {
    out.push(
      `Send the token as \`Authorization: Bearer <token>\`. For example \`${first.method} ${first.path}\` (${first.api.title} ${first.api.version}):`,
      '',
      '```sh',
      `curl -s -H "Authorization: Bearer $TOKEN" "${base}${first.path}"`,
      '```',
      '',
    );
  }
  out.push(
    'Lists are paginated: pass the `next_cursor` of one page as `cursor` to get the next; it is `null` on the last page. Every response carries `X-Request-Id`: quote it when you contact support.',
    '',
    'Operations that create something once (placing an order) take an `Idempotency-Key` header: send a fresh UUID per operation and the same key again when you retry, and it happens at most once.',
    '',
  );

  out.push('## 4. The SDK', '');
  out.push(
    `The TypeScript SDK \`@concord/partner-sdk\` ${context.sdk.version} is generated from the same contracts: one typed method per operation and version, token handling, retries with backoff and idempotency keys, typed errors, pagination and webhook verification; no runtime dependencies (Node.js 20 or newer, or any runtime with \`fetch\` and Web Crypto). Download it from [the SDK page](/docs/sdk) and install the file:`,
    '',
    '```sh',
    `curl -sO ${base}/docs/sdk/${context.sdk.fileName}`,
    `npm install ./${context.sdk.fileName}`,
    '```',
    '',
    ...sdkExample(base, first, context.apis),
    'Each call also takes options: `{ signal, timeoutMs, deadlineMs, retry, idempotencyKey, headers }`. The model types of each version are exported by name from its own entry point (`@concord/partner-sdk/<api>/v<major>`).',
    '',
  );

  out.push('## 5. Webhooks', '');
  if (subscribe) {
    out.push(
      `Register an HTTPS endpoint for the events you want (the [event catalogue](/docs/events) lists them) with \`${subscribe.method} ${subscribe.path}\`. The answer holds the signing secret \`whsec_...\`, shown only once: store it.`,
      '',
      '```sh',
      `curl -s -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
      `  -d '{"url":"https://partner.example/hooks/concord","event_types":["order.placed"]}' \\`,
      `  ${base}${subscribe.path}`,
      '```',
      '',
    );
  } else {
    out.push('Concord delivers the events in the [event catalogue](/docs/events) to the HTTPS endpoint registered for you.', '');
  }
  out.push(
    'Each delivery is a CloudEvent signed per [Standard Webhooks](https://www.standardwebhooks.com/) (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`). Verify it against the **raw** body before you trust it, answer 2xx quickly, and de-duplicate by the event `id`: delivery is at least once. The SDK verifies for you:',
    '',
    '```ts',
    "import { isEventType, verifyWebhook, WebhookVerificationError } from '@concord/partner-sdk/webhooks';",
    '',
    '// payload: the raw request body; headers: the request headers; secret: your whsec_... secret',
    'const event = await verifyWebhook({ payload, headers, secret: process.env.WEBHOOK_SECRET! });',
    "if (isEventType(event, 'order.placed')) console.log('order', event.data.id);",
    '```',
    '',
    '`verifyWebhook` checks the HMAC-SHA256 in constant time, accepts any of several signatures (sent while a secret is rotated), refuses a timestamp more than five minutes away and throws `WebhookVerificationError`: answer 400 then.',
    '',
  );
  if (test) {
    out.push(
      `To check your endpoint before real events flow, send it a signed \`webhook.test\` event now with \`${test.method} ${test.path}\`; the answer tells you what your endpoint replied:`,
      '',
      '```sh',
      `curl -s -X POST -H "Authorization: Bearer $TOKEN" ${base}${test.path.replace('{subscriptionId}', '$SUBSCRIPTION_ID')}`,
      '```',
      '',
    );
  }

  out.push('## 6. Errors, rate limits and retries', '');
  out.push(
    'Every error is `application/problem+json` (RFC 9457) with `type`, `title`, `status`, `detail` and `request_id`, and for an invalid request an `errors` array of `{ pointer, message }`, one per bad field. Branch on `type`, never on `detail`: each `type` is a link to a page that says what it means and what to do, and [the list of problem types](/problems) has them all.',
    '',
    'The SDK raises one class per status family (`ValidationError`, `AuthenticationError`, `PermissionDeniedError`, `NotFoundError`, `ConflictError`, `GoneError`, `UnprocessableEntityError`, `RateLimitedError`, `ConcordServerError`), each carrying the problem fields and `requestId`.',
    '',
    '**Rate limits.** Limited responses carry `RateLimit` (for example `"default";r=97;t=42`: 97 requests left, the window resets in 42 s) and `RateLimit-Policy`. Past the limit the answer is `429` with `Retry-After` in seconds: wait at least that long.',
    '',
    '**Retries.** Retry connection failures and `408`, `429`, `502`, `503`, `504` with exponential backoff and jitter, honouring `Retry-After`; retry a `POST` or `PATCH` only with an `Idempotency-Key`. The SDK does this by default.',
    '',
    '**Deprecations.** A deprecated version answers with `Deprecation`, `Sunset` and `Link: <...>; rel="successor-version"` headers, and after its sunset date with `410 Gone`. [The portal](/docs#apis) lists every version\'s dates and [the changelog](/docs/changelog) what changed.',
    '',
  );
  return out.join('\n');
}
