import type { EventCatalogEntry } from '@concord/contracts/src/events/event-catalog.ts';
import { escapeHtml as e, scriptJson } from './html.ts';
import type { PortalApi } from './portal.ts';
import { eventDataSchema, schemaTable } from './schema-view.ts';

/** The public events of one AsyncAPI contract, as the catalogue shows them. */
export interface PortalEventContract {
  id: string;
  events: [string, EventCatalogEntry][];
}

function lifecycleBadge(api: PortalApi): string {
  if (api.gone) return `<span class="badge sunset">retired</span>`;
  return `<span class="badge ${api.lifecycle.status}">${e(api.lifecycle.status)}</span>`;
}

function date(value: string | undefined): string {
  return value ? `<time datetime="${e(value)}">${e(value)}</time>` : '<span class="muted">-</span>';
}

export function indexPage(apis: PortalApi[], eventContracts: PortalEventContract[], demoClientId: string | undefined): string {
  const publicEvents = eventContracts.reduce((sum, c) => sum + c.events.length, 0);
  const rows = apis
    .map(
      (api) => `<tr data-api="${e(api.id)}" data-lifecycle="${api.gone ? 'retired' : e(api.lifecycle.status)}">
  <td><strong>${e(api.title)}</strong><br><span class="muted">${e(api.summary ?? '')}</span></td>
  <td><code>${e(api.id)}</code><br><span class="muted">${e(api.version)}</span></td>
  <td><code>${e(api.basePath)}</code></td>
  <td>${lifecycleBadge(api)}</td>
  <td>${date(api.lifecycle.deprecation)}</td>
  <td>${date(api.lifecycle.sunset)}</td>
  <td>${api.lifecycle.successor ? `<code>${e(api.lifecycle.successor)}</code>` : '<span class="muted">-</span>'}</td>
  <td><a href="/docs/apis/${e(api.id)}">Reference</a><br><a href="/contracts/${e(api.id)}.yaml" download>${e(api.id)}.yaml</a></td>
</tr>`,
    )
    .join('\n');
  const deprecated = apis.filter((a) => a.lifecycle.status === 'deprecated' && !a.gone);
  return `<h1>Concord APIs</h1>
<p class="lead">Every public API version, its lifecycle and its contract; the events you can receive as webhooks; and how to make your first call.</p>

<section id="apis">
<h2>API versions</h2>
<table>
<thead><tr><th>API</th><th>Contract</th><th>Base path</th><th>Lifecycle</th><th>Deprecated on</th><th>Sunset</th><th>Successor</th><th>Docs</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${
  deprecated.length
    ? `<p>Deprecated versions answer with <code>Deprecation</code> (RFC 9745), <code>Sunset</code> (RFC 8594) and <code>Link: &lt;...&gt;; rel="successor-version"</code> headers; after the sunset date they answer <code>410 Gone</code>. Plan your move before: ${deprecated
        .map((a) => `<code>${e(a.id)}</code> on ${e(a.lifecycle.sunset ?? '')}`)
        .join(', ')}.</p>`
    : ''
}
<p class="muted">Contracts are OpenAPI 3.1 documents at stable URLs: <code>/contracts/&lt;api&gt;.v&lt;major&gt;.yaml</code>. Generate your own client from them, or use the SDK below.</p>
</section>

<section id="credentials">
<h2>Get credentials</h2>
<p>Concord registers you as a partner and gives you a <strong>client id</strong> and a <strong>client secret</strong>, bound to a plan (rate limits) and to the APIs you may use. Keep the secret on your servers.</p>
${
  demoClientId
    ? `<p>This gateway also runs a <strong>demo partner</strong>, <code>${e(demoClientId)}</code>, for trying the APIs: its secret is printed in the gateway's log at start (never when <code>NODE_ENV=production</code>).</p>`
    : ''
}
<p>Exchange the credentials for an access token (OAuth 2.0 client credentials, RFC 6749 section 4.4) and send it as <code>Authorization: Bearer &lt;token&gt;</code>:</p>
<pre><code>curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials https://api.concord.example/oauth/token
# {"access_token":"eyJ...","token_type":"Bearer","expires_in":3600,"scope":"customers:read customers:write ..."}

curl -s -H "Authorization: Bearer $TOKEN" https://api.concord.example/v2/customers?limit=10</code></pre>
<p>The <a href="/docs/guide">onboarding guide</a> walks through your first call, the SDK, webhooks, errors and rate limits.</p>
</section>

<section id="sdk">
<h2>The partner SDK</h2>
<p><code>@concord/partner-sdk</code> is generated from these contracts: typed methods for every version, typed errors, token handling, retries with backoff and idempotency keys, pagination and webhook verification, with no runtime dependencies.</p>
<pre><code>import { createConcordClient, NotFoundError } from '@concord/partner-sdk';

const concord = createConcordClient({ baseUrl: 'https://api.concord.example', clientCredentials: { clientId, clientSecret } });
for await (const customer of concord.customersV2.listCustomers.all({ limit: 50 })) console.log(customer.email);</code></pre>
</section>

<section id="events">
<h2>Events and webhooks</h2>
<p>${publicEvents} event types can be delivered to your endpoint as webhooks: CloudEvents 1.0 payloads signed per Standard Webhooks. See the <a href="/docs/events">event catalogue</a>.</p>
<p>Event contracts (AsyncAPI 3): ${eventContracts.map((c) => `<a href="/contracts/${e(c.id)}.yaml" download>${e(c.id)}.yaml</a>`).join(', ') || '<span class="muted">none</span>'}</p>
</section>

<section id="changelog">
<h2>Changelog</h2>
<p>What changed in the contracts, version by version: <a href="/docs/changelog">changelog</a>.</p>
</section>`;
}

export function eventsPage(contracts: PortalEventContract[]): string {
  const sections = contracts
    .map((contract) => {
      const items = contract.events.map(([name, event]) => eventSection(contract.id, name, event)).join('\n');
      return `<h2 id="${e(contract.id)}" data-contract="${e(contract.id)}">From <code>${e(contract.id)}</code> <a class="muted" href="/contracts/${e(contract.id)}.yaml" download>${e(contract.id)}.yaml</a></h2>
${items || '<section><p>No public events in this contract.</p></section>'}`;
    })
    .join('\n');
  return `<h1>Event catalogue</h1>
<p class="lead">The events Concord can deliver to your webhook endpoint, from every AsyncAPI contract. Each delivery is one CloudEvent (structured JSON) signed per
<a href="https://www.standardwebhooks.com/">Standard Webhooks</a>: verify <code>webhook-signature</code> before you trust it (the SDK's <code>verifyWebhook</code> does), and de-duplicate by the event <code>id</code>, because delivery is at least once.</p>
${sections || '<section><p>No public events yet.</p></section>'}`;
}

function eventSection(contract: string, name: string, event: EventCatalogEntry): string {
  const data = eventDataSchema(event.schema);
  const example = event.examples?.[0];
  return `<section id="${e(name)}" data-event="${e(name)}" data-contract="${e(contract)}">
<h3><code>${e(name)}</code> - ${e(event.title)}</h3>
<p>${e(event.summary)}</p>
<p class="muted">Channel <code>${e(event.channel)}</code>; delivered to ${event.audience === 'all' ? 'every subscribed partner' : 'the partner that owns the resource'}.</p>
<h4>Fields of <code>data</code></h4>
<div data-schema="data">${data ? schemaTable(data) : '<p class="muted">The contract does not describe <code>data</code>.</p>'}</div>
${
  example
    ? `<h4>Example${example.summary ? `: ${e(example.summary)}` : ''}</h4>
<pre data-example="${e(name)}"><code>${e(JSON.stringify(example.payload, null, 2))}</code></pre>`
    : '<p class="muted">The contract gives no example of this event.</p>'
}
<details><summary>Whole CloudEvent envelope schema</summary><pre><code>${e(JSON.stringify(event.schema, null, 2))}</code></pre></details>
</section>`;
}

export function guidePage(html: string | undefined): string {
  return `<article class="markdown"><section>${html ?? '<h1>Onboarding guide</h1><p>The guide (the "Partner onboarding" section of the README) is not installed on this gateway.</p>'}</section></article>`;
}

export function changelogPage(html: string | undefined): string {
  return `<article class="markdown"><section>${html ?? '<h1>Changelog</h1><p>No changes have been recorded yet: every contract is at its first published version.</p>'}</section></article>`;
}

/** Scalar's interactive reference for one version, fed the contract from /contracts and pointed at this gateway. */
export function apiReferencePage(api: PortalApi): string {
  const configuration = {
    url: `/contracts/${api.id}.yaml`,
    // The portal works offline: system fonts instead of Scalar's font CDN, and no AI agent (it
    // would call Scalar's registry).
    withDefaultFonts: false,
    customCss:
      ':root { --scalar-font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif !important; --scalar-font-code: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace !important; }',
    agent: { disabled: true },
    telemetry: false,
    showDeveloperTools: 'never',
    metaData: { title: `${api.title} ${api.version} - Concord` },
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(api.title)} ${e(api.version)} - Concord API reference</title>
<style>
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  .portal-bar { background: #111827; color: #fff; padding: 10px 20px; display: flex; gap: 18px; align-items: center; font-size: 14px; }
  .portal-bar a { color: #c7d2fe; text-decoration: none; }
  .portal-bar .lifecycle { margin-left: auto; }
</style>
</head>
<body>
<nav class="portal-bar">
  <a href="/docs">&larr; Concord developer portal</a>
  <strong>${e(api.title)} ${e(api.version)}</strong>
  <code>${e(api.basePath)}</code>
  <span class="lifecycle" data-lifecycle="${api.gone ? 'retired' : e(api.lifecycle.status)}">${e(api.gone ? 'retired' : api.lifecycle.status)}${
    api.lifecycle.sunset ? ` &middot; sunset ${e(api.lifecycle.sunset)}` : ''
  }</span>
  <a href="/contracts/${e(api.id)}.yaml" download>Download ${e(api.id)}.yaml</a>
</nav>
<!-- Not id="api-reference": the bundle would take such an element for its legacy auto-mount. -->
<div id="scalar-reference"></div>
<script src="/docs/assets/scalar.js"></script>
<script>
  const configuration = ${scriptJson(configuration)};
  // "Try it" calls this gateway, not the production host written in the contract.
  configuration.servers = [{ url: location.origin + ${scriptJson(api.basePath)}, description: 'This gateway' }];
  Scalar.createApiReference('#scalar-reference', configuration);
</script>
</body>
</html>
`;
}
