/**
 * The page behind every problem type URI: `/problems/<slug>` (what it means, what to do) and the
 * list at `/problems`, rendered once from the problem catalogue. A type URI's path is
 * `/problems/<slug>` under the catalogue's base, so the same path on any gateway shows its page.
 */
import { PROBLEM_CATALOGUE, PROBLEM_SLUGS, type ProblemSlug, problemTypeUri } from '@concord/contracts/src/problems/catalogue.ts';
import { Hono } from 'hono';
import { GatewayError } from '../errors.ts';
import { escapeHtml, page } from './html.ts';
import { renderMarkdown } from './markdown.ts';

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'public, max-age=3600',
  'content-security-policy': "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'",
};

/** The catalogue's prose is Markdown (backticks): rendered inline, its raw HTML escaped. */
function inline(markdown: string): string {
  return renderMarkdown(markdown)
    .replace(/^<p>/, '')
    .replace(/<\/p>\n?$/, '');
}

function problemPage(slug: ProblemSlug): string {
  const entry = PROBLEM_CATALOGUE[slug];
  return page(
    `${entry.title} - Concord problem types`,
    `<p><a href="/problems">Problem types</a></p>
<h1>${escapeHtml(entry.title)}</h1>
<p class="lead"><code>${escapeHtml(problemTypeUri(slug))}</code></p>
<section>
<table>
<tr><th>status</th><td>${entry.status}</td></tr>
<tr><th>code</th><td><code>${escapeHtml(entry.code)}</code></td></tr>
<tr><th>sent by</th><td>${entry.sentBy === 'both' ? 'the gateway and the APIs behind it' : entry.sentBy === 'gateway' ? 'the gateway' : 'the APIs behind the gateway'}</td></tr>
</table>
</section>
<section><h2>What it means</h2><p>${inline(entry.meaning)}</p></section>
<section><h2>What to do</h2><p>${inline(entry.action)}</p></section>
<p class="muted">Every problem is <code>application/problem+json</code> with <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code>, <code>code</code>, <code>instance</code> and <code>request_id</code>; quote the <code>request_id</code> to support.</p>`,
  );
}

function listPage(): string {
  const rows = PROBLEM_SLUGS.map((slug) => {
    const e = PROBLEM_CATALOGUE[slug];
    return `<tr><td><a href="/problems/${slug}">${escapeHtml(e.title)}</a></td><td>${e.status}</td><td><code>${escapeHtml(e.code)}</code></td><td><code>${escapeHtml(problemTypeUri(slug))}</code></td></tr>`;
  });
  return page(
    'Problem types - Concord developer portal',
    `<h1>Problem types</h1>
<p class="lead">Every error is <code>application/problem+json</code> (RFC 9457). Branch on <code>type</code> or <code>code</code>, never on <code>detail</code>, which is written for people.</p>
<section><table>
<tr><th>title</th><th>status</th><th>code</th><th>type</th></tr>
${rows.join('\n')}
</table></section>`,
  );
}

export function createProblemPages(): Hono {
  const pages = new Map<string, string>(PROBLEM_SLUGS.map((slug) => [slug, problemPage(slug)]));
  const list = listPage();
  const app = new Hono();
  app.get('/problems', (c) => c.body(list, 200, HEADERS));
  app.get('/problems/:slug', (c) => {
    const body = pages.get(c.req.param('slug'));
    if (!body) throw new GatewayError('NOT_FOUND', `No problem type ${c.req.param('slug')}; see /problems for the list.`);
    return c.body(body, 200, HEADERS);
  });
  return app;
}
