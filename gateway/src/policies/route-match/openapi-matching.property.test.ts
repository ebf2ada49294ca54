/**
 * Property: over generated sets of path templates (literal and templated siblings, templates that are
 * part of a segment, values with characters that must be percent-encoded), the gateway's route match
 * picks the operation a slow, obviously-correct reading of OpenAPI's rules picks: try every template
 * against the decoded segments, keep those that match, prefer at the first segment where they differ
 * a literal over a partial template (more literal characters first) over a whole-segment template.
 */
import type { OpenApiDocument } from '@concord/contracts/src/document/openapi-document.ts';
import fc from 'fast-check';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createGatewayFactory, type GatewayEnv } from '../../env.ts';
import { createErrorHandler, createNotFoundHandler } from '../../problem-response.ts';
import { buildRouteTable } from '../../routes.ts';
import { configFrom, testDeps } from '../../testing/test-gateway.ts';
import { routeMatch } from './route-match.ts';

// ── the reference: no trie, no shared code with the gateway ─────────────────────────────────────

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Rank of one template segment: smaller wins. [kind, -literal characters, -literal prefix, shape]. */
function rank(segment: string): [number, number, number, string] {
  if (!segment.includes('{')) return [0, 0, 0, ''];
  if (/^\{[^}]+\}$/.test(segment)) return [2, 0, 0, ''];
  const literal = segment.replace(/\{[^}]+\}/g, '');
  const prefix = segment.slice(0, segment.indexOf('{'));
  return [1, -literal.length, -prefix.length, segment.replace(/\{[^}]+\}/g, '{}')];
}

function compareRanks(a: [number, number, number, string][], b: [number, number, number, string][]): number {
  for (let i = 0; i < a.length; i++) {
    for (let k = 0; k < 4; k++) {
      const x = a[i]![k]!;
      const y = b[i]![k]!;
      if (x < y) return -1;
      if (x > y) return 1;
    }
  }
  return 0;
}

function referenceMatch(templates: string[], rawPath: string): { operation: string; params: Record<string, string> } | undefined {
  const segments = rawPath.split('/').map((s) => decodeURIComponent(s));
  let best: { operation: string; params: Record<string, string>; ranks: [number, number, number, string][] } | undefined;
  templates.forEach((template, index) => {
    const parts = template.split('/');
    if (parts.length !== segments.length) return;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const t = parts[i]!;
      const s = segments[i]!;
      if (!t.includes('{')) {
        if (t !== s) return;
        continue;
      }
      const names = [...t.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const pieces = t.split(/\{[^}]+\}/);
      let source = `^${escapeRegExp(pieces[0]!)}`;
      names.forEach((_, k) => {
        source += (k === names.length - 1 ? '(.+)' : '(.+?)') + escapeRegExp(pieces[k + 1]!);
      });
      const m = new RegExp(`${source}$`, 's').exec(s);
      if (!m) return;
      names.forEach((name, k) => {
        params[name] = m[k + 1]!;
      });
    }
    const ranks = parts.map(rank);
    if (!best || compareRanks(ranks, best.ranks) < 0) best = { operation: `op${index}`, params, ranks };
  });
  return best && { operation: best.operation, params: best.params };
}

// ── generators ─────────────────────────────────────────────────────────────────────────────────

const literal = fc.constantFrom('a', 'b', 'pet', 'findByStatus', 'x.json', 'mine', 'v-1');
const partial = fc.constantFrom('{}.json', '{}.{}', 'x{}', '{}-{}', '{}.tar.gz', 'a.{}', 'x.{}');
const segment = fc.oneof({ arbitrary: literal, weight: 3 }, { arbitrary: fc.constant('{}'), weight: 3 }, { arbitrary: partial, weight: 2 });
/** A template with its parameters named p0, p1, ... in order. */
const template = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segs) => {
  let n = 0;
  return `/${segs.join('/')}`.replace(/\{\}/g, () => `{p${n++}}`);
});
const shapeOf = (t: string) => t.replace(/\{[^}]+\}/g, '{}');
const templates = fc.uniqueArray(template, { minLength: 1, maxLength: 8, selector: shapeOf });
const value = fc.oneof(
  fc.constantFrom('a', 'json', 'x.json', 'mine', 'a.b', '%', 'a/b', 'é', ' ', 'findByStatus', '.', 'x', '-', 'tar.gz', 'a?b', '#'),
  fc.string({ minLength: 1, maxLength: 6 }),
);

/**
 * A request path: a template filled with values, encoded as a client would. A value that is a whole
 * segment `.` or `..` is left out: the URL parser removes dot segments (RFC 3986) before any router
 * sees the path, so no route can receive one.
 */
function requestFor(t: string, values: string[]): string {
  let k = 0;
  const filled = t.replace(/\{[^}]+\}/g, () => encodeURIComponent(values[k++ % values.length]!));
  return filled
    .split('/')
    .map((s) => (s === '.' || s === '..' ? 'dot' : s))
    .join('/');
}

// ── the gateway under test ─────────────────────────────────────────────────────────────────────

const config = configFrom({
  defaults: { policies: { public: true } },
  upstreams: { orders: { url: 'http://127.0.0.1:9' } },
  apis: [{ contract: 'orders.v1', basePath: '/v1', upstream: 'orders' }],
});

function documentOf(list: string[]): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  list.forEach((t, i) => {
    paths[t] = { get: { operationId: `op${i}`, responses: { '200': { description: 'ok' } } } };
  });
  return { openapi: '3.1.0', info: { title: 'generated', version: '1' }, paths };
}

const nowhere = () => ({ file: 'generated.yaml', line: 1, column: 1 });

function appFor(list: string[]): Hono<GatewayEnv> {
  const table = buildRouteTable(config, { 'orders.v1': documentOf(list) }, { locate: nowhere });
  const app = new Hono<GatewayEnv>();
  app.onError(createErrorHandler(testDeps()));
  app.notFound(createNotFoundHandler());
  app.use('*', routeMatch(createGatewayFactory(), table));
  app.all('*', (c) => c.json({ operation: c.get('route').operationId, params: c.get('pathParams') }));
  return app;
}

async function gatewayMatch(app: Hono<GatewayEnv>, rawPath: string) {
  const res = await app.request(`/v1${rawPath}`);
  if (res.status === 404) return undefined;
  expect(res.status).toBe(200);
  return (await res.json()) as { operation: string; params: Record<string, string> };
}

describe('route matching, property-based', () => {
  it('picks the operation OpenAPI path templating picks, with the same parameter values', async () => {
    await fc.assert(
      fc.asyncProperty(
        templates,
        fc.array(fc.tuple(fc.nat(), fc.array(value, { minLength: 1, maxLength: 4 }), fc.boolean()), { minLength: 1, maxLength: 6 }),
        async (list, requests) => {
          const app = appFor(list);
          for (const [which, values, trailingSlash] of requests) {
            const path = requestFor(list[which % list.length]!, values) + (trailingSlash ? '/' : '');
            expect(await gatewayMatch(app, path), path).toEqual(referenceMatch(list, path));
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);

  it('refuses a set exactly when two templates of one method differ only in parameter names', () => {
    fc.assert(
      fc.property(fc.array(template, { minLength: 1, maxLength: 6 }), (raw) => {
        // Rename each template's parameters apart, so only the shape can collide.
        const list = [...new Set(raw)].map((t, i) => t.replace(/\{p(\d+)\}/g, `{t${i}_$1}`));
        const collides = new Set(list.map(shapeOf)).size < list.length;
        const build = () => buildRouteTable(config, { 'orders.v1': documentOf(list) }, { locate: nowhere });
        if (collides) expect(build).toThrow(/cannot be told apart/);
        else expect(build).not.toThrow();
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
