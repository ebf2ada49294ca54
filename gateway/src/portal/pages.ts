import type { EventCatalogEntry } from '@concord/contracts/src/events/event-catalog.ts';
import { escapeHtml as e, scriptJson } from './html.ts';
import { CHANGE_KINDS, type ChangelogEntry } from './partner-changelog.ts';
import type { SdkPackage } from './sdk-package.ts';
import type { PortalApi } from './portal.ts';
import { eventDataSchema, schemaTable } from './schema-view.ts';

/** The public events of one AsyncAPI contract, as the catalogue shows them. */
export interface PortalEventContract {
  id: string;
  /** The contract file as written, as the portal publishes it. */
  href: string;
  events: [string, EventCatalogEntry][];
}

/** The last segment of a contract's address: what the download is called. */
function fileName(href: string): string {
  return href.slice(href.lastIndexOf('/') + 1);
}

function lifecycleBadge(api: PortalApi): string {
  if (api.gone) return `<span class="badge sunset">retired</span>`;
  return `<span class="badge ${api.lifecycle.status}">${e(api.lifecycle.status)}</span>`;
}

function date_(value: string): string {
  return `<time datetime="${e(value)}">${e(value)}</time>`;
}

function date(value: string | undefined): string {
  return value ? `<time datetime="${e(value)}">${e(value)}</time>` : '<span class="muted">-</span>';
}

export function indexPage(apis: PortalApi[], eventContracts: PortalEventContract[], origin: string, development: boolean): string {
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
  <td><a href="/docs/apis/${e(api.id)}">Reference</a><br><a href="${e(api.href)}" download>${e(fileName(api.href))}</a></td>
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
<p class="muted">Contracts are OpenAPI 3.1 documents at stable URLs, in YAML and in JSON: <code>/contracts/&lt;api&gt;.v&lt;major&gt;.yaml</code> and <code>.json</code> (the one linked is the file as written, the other converted from it). Generate your own client from them, or use the SDK below.</p>
</section>

<section id="credentials">
<h2>Get credentials</h2>
<p>Concord registers you as a partner and gives you a <strong>client id</strong> and a <strong>client secret</strong>, bound to a plan (rate limits) and to the APIs you may use. Keep the secret on your servers.</p>
${
  development
    ? `<p><strong>Development only:</strong> this gateway runs in development mode and has a demo partner; the <a href="/docs/guide">onboarding guide</a> shows its credentials.</p>`
    : ''
}
<p>Exchange the credentials for an access token (OAuth 2.0 client credentials, RFC 6749 section 4.4) and send it as <code>Authorization: Bearer &lt;token&gt;</code>:</p>
<pre><code>curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials ${e(origin)}/oauth/token
# {"access_token":"eyJ...","token_type":"Bearer","expires_in":3600,"scope":"..."}</code></pre>
<p>The <a href="/docs/guide">onboarding guide</a> walks through your first call, the SDK, webhooks, errors and rate limits.</p>
</section>

<section id="sdk">
<h2>The partner SDK</h2>
<p><code>@concord/partner-sdk</code> is generated from these contracts: typed methods for every version, typed errors, token handling, retries with backoff and idempotency keys, pagination and webhook verification, with no runtime dependencies. <a href="/docs/sdk">Download it here</a>.</p>
</section>

<section id="events">
<h2>Events and webhooks</h2>
<p>${publicEvents} event types can be delivered to your endpoint as webhooks: CloudEvents 1.0 payloads signed per Standard Webhooks. See the <a href="/docs/events">event catalogue</a>.</p>
<p>Event contracts (AsyncAPI 3): ${eventContracts.map((c) => `<a href="${e(c.href)}" download>${e(fileName(c.href))}</a>`).join(', ') || '<span class="muted">none</span>'}</p>
</section>

<section id="changelog">
<h2>Changelog and errors</h2>
<p>What changed in each API version, with dates: the <a href="/docs/changelog">changelog</a>. What every error type means and what to do about it: <a href="/problems">problem types</a>.</p>
</section>`;
}

export function eventsPage(contracts: PortalEventContract[]): string {
  const sections = contracts
    .map((contract) => {
      const items = contract.events.map(([name, event]) => eventSection(contract.id, name, event)).join('\n');
      return `<h2 id="${e(contract.id)}" data-contract="${e(contract.id)}">From <code>${e(contract.id)}</code> <a class="muted" href="${e(contract.href)}" download>${e(fileName(contract.href))}</a></h2>
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

export function guidePage(html: string): string {
  return `<article class="markdown"><section>${html}</section></article>`;
}

/** The SDK's download: version, file, install command, and its entry points (one per API version). */
export function sdkPage(sdk: Pick<SdkPackage, 'version' | 'fileName'>, versions: string[]): string {
  const href = `/docs/sdk/${e(sdk.fileName)}`;
  const entries = versions
    .map(
      (id) =>
        `<tr><td><code>@concord/partner-sdk/${e(id.replace('.', '/'))}</code></td><td>the model types of <code>${e(id)}</code> by name, and its operations' parameter and result types</td></tr>`,
    )
    .join('\n');
  return `<h1>The partner SDK</h1>
<p class="lead">TypeScript, generated from the contracts this gateway serves. ESM, Node.js 20 or newer (or any runtime with <code>fetch</code> and Web Crypto), no runtime dependencies.</p>
<section id="download">
<h2>Download</h2>
<p>Version <strong data-sdk-version>${e(sdk.version)}</strong>: <a href="${href}" download data-sdk-download>${e(sdk.fileName)}</a></p>
<pre><code>curl -sO &lt;this gateway&gt;${href}
npm install ./${e(sdk.fileName)}</code></pre>
<p class="muted">The first download after an update takes a few seconds: the package is built then.</p>
</section>
<section id="entry-points">
<h2>Entry points</h2>
<table>
<thead><tr><th>import from</th><th>what</th></tr></thead>
<tbody>
<tr><td><code>@concord/partner-sdk</code></td><td><code>createConcordClient</code>, the error classes, token providers, and everything below</td></tr>
<tr><td><code>@concord/partner-sdk/webhooks</code></td><td><code>verifyWebhook</code>, <code>isEventType</code>, the event types</td></tr>
${entries}
</tbody>
</table>
<p>Type declarations resolve under TypeScript's <code>node16</code>, <code>nodenext</code> and <code>bundler</code> module resolution, and under <code>node</code> for the entry points above.</p>
</section>
<section id="usage">
<h2>Usage</h2>
<p>The <a href="/docs/guide">onboarding guide</a> shows a first call, webhook verification and error handling.</p>
</section>`;
}

const KIND_TITLES: Record<ChangelogEntry['kind'], string> = {
  added: 'Added',
  changed: 'Changed',
  deprecated: 'Deprecated',
  removed: 'Removed',
};

/** Per API version (and event contract): its changes, newest first, grouped by date and kind. */
export function changelogPage(apis: PortalApi[], events: PortalEventContract[], entries: ReadonlyMap<string, ChangelogEntry[]>): string {
  const sections = [
    ...apis.map((api) => ({
      id: api.id,
      heading: `${e(api.title)} ${e(api.version)} <code>${e(api.basePath)}</code>`,
      badge: lifecycleBadge(api),
    })),
    ...events.map((contract) => ({ id: contract.id, heading: 'Events (webhooks)', badge: '' })),
  ].map(({ id, heading, badge }) => {
    const list = entries.get(id) ?? [];
    const dates = [...new Set(list.map((entry) => entry.date))];
    const body = dates
      .map((date) => {
        const onDate = list.filter((entry) => entry.date === date);
        const items = CHANGE_KINDS.flatMap((kind) => onDate.filter((entry) => entry.kind === kind))
          .map(
            (entry) =>
              `<li data-kind="${entry.kind}"><span class="badge ${entry.kind}">${KIND_TITLES[entry.kind]}</span>${entry.breaking ? ' <span class="badge breaking">breaking</span>' : ''}${entry.scheduled ? ' <span class="badge scheduled">scheduled</span>' : ''} ${entry.operation ? `<code>${e(entry.operation)}</code>: ` : ''}${e(entry.text)}</li>`,
          )
          .join('\n');
        return `<h3>${date_(date)}</h3>\n<ul>\n${items}\n</ul>`;
      })
      .join('\n');
    return `<section id="${e(id)}" data-changelog="${e(id)}">
<h2>${heading} ${badge}</h2>
<p class="muted"><code>${e(id)}</code></p>
${body || '<p class="muted">No changes recorded.</p>'}
</section>`;
  });
  return `<h1>Changelog</h1>
<p class="lead">What was added, changed, deprecated and removed in each API version, newest first. Breaking changes only ever come with a new major version, announced by a deprecation date and a sunset date.</p>
${sections.join('\n')}`;
}

/** Scalar's interactive reference for one version, fed the contract from /contracts and pointed at this gateway. */
export function apiReferencePage(api: PortalApi): string {
  const configuration = {
    url: api.href,
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
  <a href="${e(api.href)}" download>Download ${e(fileName(api.href))}</a>
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
