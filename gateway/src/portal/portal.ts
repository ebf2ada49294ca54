/**
 * The developer portal at /docs, written for partners: an interactive reference per public API
 * version (Scalar, served from node_modules, no CDN), the public events of every AsyncAPI contract,
 * each version's lifecycle, the changelog, the onboarding guide, and the SDK to download; the
 * contracts themselves (the versions served and every AsyncAPI contract) at /contracts/<id>.yaml and
 * /contracts/<id>.json (contract-files.ts).
 * What does not depend on the request is rendered once when the portal is built; the guide and the
 * index speak of the address the partner reached them at, so they are rendered once per origin; the
 * SDK tarball and the changelog cost seconds, so they are built on first request, never at start.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import type { OpenApiDocument } from '@concord/contracts/src/document/openapi-document.ts';
import type { EventCatalog } from '@concord/contracts/src/events/event-catalog.ts';
import { createContractBundler, type ContractBundler } from '@concord/contracts/src/document/bundle-contract.ts';
import { REPO_ROOT, listContracts } from '@concord/contracts/src/paths.ts';
import { eventCatalogs, openApiContracts } from '@concord/contracts/generated/index.ts';
import type { ApiConfig, GatewayConfig } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import { PORTAL_CSS, page } from './html.ts';
import { contractFormatOf, contractHref, createContractFiles, type ContractFormat, type ContractSource } from './contract-files.ts';
import { partnerGuide } from './guide.ts';
import { renderMarkdown } from './markdown.ts';
import { createProblemPages } from './problem-pages.ts';
import { apiReferencePage, changelogPage, eventsPage, guidePage, indexPage, sdkPage, type PortalEventContract } from './pages.ts';
import { partnerChangelog } from './partner-changelog.ts';
import { repositorySdkPackage, type SdkPackage } from './sdk-package.ts';

export interface PortalContract {
  document: OpenApiDocument;
  /** The contract file as written, served at /contracts/<id>.<yaml|json>. */
  source: ContractSource;
}

/** An AsyncAPI contract: its event catalogue, and the file as written (served at /contracts/<id>.<yaml|json>). */
export interface PortalEventCatalog {
  catalog: EventCatalog;
  source: ContractSource;
}

export interface PortalOptions {
  config: Pick<GatewayConfig, 'apis' | 'security'>;
  /** By contract id; default: every OpenAPI contract of the repository. */
  contracts?: Record<string, PortalContract>;
  /** By contract id; default: every AsyncAPI contract of the repository (only public events are shown). */
  events?: Record<string, PortalEventCatalog>;
  /**
   * The demo partner's credentials, shown (marked development-only) in the guide; set only when the
   * gateway runs in development: the partner registry never has them in production.
   */
  demo?: { clientId: string; clientSecret: string } | undefined;
  /** Whether the gateway issues tokens at /oauth/token itself; default true. */
  issuesTokens?: boolean;
  /** The SDK offered for download; default: the repository's contracts/sdk, packed on first download. */
  sdk?: SdkPackage;
  /** The repository whose git history the changelog is read from; default: this one. */
  repositoryRoot?: string;
  /** Epoch ms; decides whether a sunset date has passed. */
  now?: () => number;
  /** Bundles a contract written across files for publishing; default: Redocly's bundler. */
  bundler?: ContractBundler;
}

/** A public API version as the portal lists it. */
export interface PortalApi {
  id: string;
  /** The contract file as written, as the portal publishes it. */
  href: string;
  title: string;
  version: string;
  summary: string | undefined;
  basePath: string;
  lifecycle: ApiConfig['lifecycle'];
  /** The sunset date has passed (the gateway answers 410) or the version is retired. */
  gone: boolean;
}

const require = createRequire(import.meta.url);

/** Scalar's standalone browser bundle, from the installed package: no CDN, works offline. */
function scalarBundlePath(): string {
  return join(dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js');
}

function readContractSource(path: string): ContractSource {
  return { text: readFileSync(path, 'utf8'), format: contractFormatOf(path), path };
}

export function defaultPortalContracts(): Record<string, PortalContract> {
  const out: Record<string, PortalContract> = {};
  for (const file of listContracts()) {
    const document = openApiContracts[file.id];
    if (file.kind === 'openapi' && document) out[file.id] = { document, source: readContractSource(file.path) };
  }
  return out;
}

export function defaultPortalEvents(): Record<string, PortalEventCatalog> {
  const out: Record<string, PortalEventCatalog> = {};
  for (const file of listContracts()) {
    const catalog = eventCatalogs[file.id];
    if (file.kind === 'asyncapi' && catalog) out[file.id] = { catalog, source: readContractSource(file.path) };
  }
  return out;
}

export function createPortal(options: PortalOptions): Hono {
  const contracts = options.contracts ?? defaultPortalContracts();
  const now = options.now ?? Date.now;
  const eventContracts = options.events ?? defaultPortalEvents();
  const events: PortalEventContract[] = Object.entries(eventContracts).map(([id, { catalog, source }]) => ({
    id,
    href: contractHref(id, source),
    events: Object.entries(catalog).filter(([, event]) => event.public),
  }));

  const apis: PortalApi[] = options.config.apis.map((api) => {
    const contract = contracts[api.contract];
    if (!contract) throw new Error(`portal: no contract ${api.contract} for the API at ${api.basePath}`);
    const { info } = contract.document;
    return {
      id: api.contract,
      href: contractHref(api.contract, contract.source),
      title: info.title,
      version: info.version,
      summary: typeof info.summary === 'string' ? info.summary : undefined,
      basePath: api.basePath,
      lifecycle: api.lifecycle,
      gone: api.lifecycle.status === 'retired' || (api.lifecycle.sunset !== undefined && Date.parse(api.lifecycle.sunset) <= now()),
    };
  });
  // The versions the gateway serves, and every event contract (webhooks deliver from all of them).
  const files = createContractFiles(
    new Map([
      ...apis.map((api): [string, ContractSource] => [api.id, contracts[api.id]!.source]),
      ...Object.entries(eventContracts).map(([id, contract]): [string, ContractSource] => [id, contract.source]),
    ]),
    options.bundler ?? createContractBundler(),
  );

  const sdk = options.sdk ?? repositorySdkPackage();
  const sdkVersions = apis.filter((api) => !api.gone).map((api) => api.id);
  const guideApis = apis.map((api) => ({ api, document: contracts[api.id]!.document }));
  const html = {
    events: page('Events - Concord developer portal', eventsPage(events)),
    sdk: page('SDK - Concord developer portal', sdkPage(sdk, sdkVersions)),
    reference: new Map(apis.map((api) => [api.id, apiReferencePage(api)])),
  };
  // The pages that name this deployment's address, by origin. Bounded: the Host header is the
  // client's to choose, and a client cycling through names must not grow the map.
  const byOrigin = new Map<string, { index: string; guide: string }>();
  const forOrigin = (origin: string) => {
    let pages = byOrigin.get(origin);
    if (!pages) {
      const guide = partnerGuide({ baseUrl: origin, demo: options.demo, issuesTokens: options.issuesTokens ?? true, sdk, apis: guideApis });
      pages = {
        index: page('Concord developer portal', indexPage(apis, events, origin, options.demo !== undefined)),
        guide: page('Onboarding guide - Concord developer portal', guidePage(renderMarkdown(guide))),
      };
      if (byOrigin.size >= 16) byOrigin.delete(byOrigin.keys().next().value!);
      byOrigin.set(origin, pages);
    }
    return pages;
  };
  let changelog: Promise<string> | undefined;
  const changelogHtml = () => {
    changelog ??= partnerChangelog({
      root: options.repositoryRoot ?? REPO_ROOT,
      versions: new Map([
        ...apis.map((api): [string, ChangelogLifecycle] => [api.id, api.lifecycle]),
        ...events.map((contract): [string, ChangelogLifecycle] => [contract.id, {}]),
      ]),
      now,
      ...eventVisibility(events, apis),
    }).then((entries) => page('Changelog - Concord developer portal', changelogPage(apis, events, entries)));
    return changelog;
  };

  const htmlHeaders = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-cache',
    'content-security-policy': contentSecurityPolicy(''),
  };
  const referenceHeaders = new Map(
    [...html.reference].map(([id, body]) => [id, { ...htmlHeaders, 'content-security-policy': contentSecurityPolicy(body) }]),
  );
  let scalar: Uint8Array | undefined;

  const portal = new Hono();

  portal.get('/docs', (c) => c.body(forOrigin(originOf(c.req.url)).index, 200, htmlHeaders));
  portal.get('/docs/', (c) => c.redirect('/docs', 301));
  portal.get('/docs/events', (c) => c.body(html.events, 200, htmlHeaders));
  portal.get('/docs/guide', (c) => c.body(forOrigin(originOf(c.req.url)).guide, 200, htmlHeaders));
  portal.get('/docs/changelog', async (c) => c.body(await changelogHtml(), 200, htmlHeaders));
  portal.get('/docs/sdk', (c) => c.body(html.sdk, 200, htmlHeaders));
  portal.get('/docs/sdk/:file', async (c) => {
    if (c.req.param('file') !== sdk.fileName) {
      throw new GatewayError('NOT_FOUND', `No SDK file ${c.req.param('file')}; this portal offers ${sdk.fileName} (see /docs/sdk).`);
    }
    let tarball: Uint8Array;
    try {
      tarball = await sdk.tarball();
    } catch (err) {
      // The client learns only that it failed; the operator's log line carries why.
      throw new GatewayError('DEPENDENCY_UNAVAILABLE', 'The SDK package could not be built on this gateway; try again later.', {
        cause: err,
      });
    }
    return c.body(tarball as Uint8Array<ArrayBuffer>, 200, {
      'content-type': 'application/gzip',
      'content-disposition': `attachment; filename="${sdk.fileName}"`,
      'cache-control': 'public, max-age=3600',
    });
  });
  portal.get('/docs/apis/:id', (c) => {
    const body = html.reference.get(c.req.param('id'));
    if (!body) throw new GatewayError('NOT_FOUND', `No public API version ${c.req.param('id')}; see /docs for the list.`);
    return c.body(body, 200, referenceHeaders.get(c.req.param('id')));
  });
  portal.get('/docs/assets/portal.css', (c) =>
    c.body(PORTAL_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }),
  );
  portal.get('/docs/assets/scalar.js', (c) => {
    // Read on first use: 3.5 MB that a gateway without portal visitors never needs in memory.
    scalar ??= readFileSync(scalarBundlePath());
    return c.body(scalar as Uint8Array<ArrayBuffer>, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=86400',
    });
  });
  portal.route('/', createProblemPages());
  portal.get('/contracts/:file', async (c) => {
    const match = /^([a-z][a-z0-9-]*\.v[0-9]+)\.(yaml|json)$/.exec(c.req.param('file'));
    const file = match?.[1] ? await files.get(match[1], match[2] as ContractFormat) : undefined;
    if (file === undefined) throw new GatewayError('NOT_FOUND', `No public contract ${c.req.param('file')}; see /docs for the list.`);
    return c.body(file.body, 200, {
      'content-type': file.contentType,
      'cache-control': 'no-cache',
      'access-control-allow-origin': '*',
    });
  });
  return portal;
}

/**
 * The portal is self-contained: everything it loads comes from this gateway. The policy makes the
 * browser hold Scalar to that too (its bundle would otherwise fetch fonts from a CDN and call its
 * AI agent's registry); the one inline script is allowed by its hash.
 */
function contentSecurityPolicy(html: string): string {
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
  return [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-ancestors 'self'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The scheme and host the partner used: every example in the guide calls the gateway they are reading. */
function originOf(url: string): string {
  return new URL(url).origin;
}

type ChangelogLifecycle = Pick<ApiConfig['lifecycle'], 'deprecation' | 'sunset' | 'successor'>;

/**
 * AsyncAPI contracts have internal channels too: partners see the changes of public events only,
 * named as events (`order.placed`) rather than channels; OpenAPI operations get their public path.
 */
function eventVisibility(events: PortalEventContract[], apis: PortalApi[]) {
  const eventByChannel = new Map(
    events.flatMap((contract) => contract.events.map(([name, event]) => [`${contract.id} ${event.channel}`, name])),
  );
  const eventContracts = new Set(events.map((contract) => contract.id));
  const basePath = new Map(apis.map((api) => [api.id, api.basePath.replace(/\/$/, '')]));
  return {
    visible: (contract: string, operation: string) =>
      !eventContracts.has(contract) || operation === '' || eventByChannel.has(`${contract} ${operation}`),
    operationName: (contract: string, operation: string) =>
      eventByChannel.get(`${contract} ${operation}`) ?? operation.replace(/^((?:[A-Z]+ )?)\//, `$1${basePath.get(contract) ?? ''}/`),
  };
}
