import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenApiDocument } from '@concord/contracts/src/document/openapi-document.ts';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createGatewayFactory, type GatewayEnv } from '../../env.ts';
import { createErrorHandler, createNotFoundHandler } from '../../problem-response.ts';
import { buildRouteTable } from '../../routes.ts';
import { configFrom, testDeps } from '../../testing/test-gateway.ts';
import { createContractLocator } from './contract-source.ts';
import { routeMatch } from './route-match.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-route-match-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A contract with one operation per `METHOD path` (operationId = the given name), written to disk so positions can be found. */
function contractYaml(operations: Record<string, string>, requestBodies: Record<string, string[]> = {}): string {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, operationId] of Object.entries(operations)) {
    const [method, path] = key.split(' ') as [string, string];
    const content = requestBodies[operationId];
    paths[path] = {
      ...paths[path],
      [method.toLowerCase()]: {
        operationId,
        responses: { '200': { description: 'ok' } },
        ...(content ? { requestBody: { content: Object.fromEntries(content.map((m) => [m, {}])) } } : {}),
      },
    };
  }
  const lines = ['openapi: 3.1.0', 'info: { title: t, version: "1" }', 'paths:'];
  for (const [path, methods] of Object.entries(paths)) {
    lines.push(`  ${JSON.stringify(path)}:`);
    for (const [method, op] of Object.entries(methods)) lines.push(`    ${method}: ${JSON.stringify(op)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The route table over that contract, served as `orders.v1` under /v1 (the id only picks a config slot). */
function tableFor(operations: Record<string, string>, requestBodies: Record<string, string[]> = {}) {
  const text = contractYaml(operations, requestBodies);
  writeFileSync(join(dir, 'orders.v1.yaml'), text);
  const config = configFrom({
    defaults: { policies: { public: true } },
    upstreams: { orders: { url: 'http://127.0.0.1:9' } },
    apis: [{ contract: 'orders.v1', basePath: '/v1', upstream: 'orders' }],
  });
  return buildRouteTable(config, { 'orders.v1': parse(text) as OpenApiDocument }, { locate: createContractLocator(dir) });
}

function appFor(operations: Record<string, string>) {
  const app = new Hono<GatewayEnv>();
  app.onError(createErrorHandler(testDeps()));
  app.notFound(createNotFoundHandler());
  app.use('*', routeMatch(createGatewayFactory(), tableFor(operations)));
  app.all('*', (c) => c.json({ operation: c.get('route').operationId, params: c.get('pathParams') }));
  return app;
}

async function call(app: Hono<GatewayEnv>, path: string, method = 'GET') {
  const res = await app.request(path, { method });
  return { status: res.status, allow: res.headers.get('allow'), body: (await res.json()) as Record<string, unknown> };
}

describe('routing by OpenAPI path templating', () => {
  it('a literal segment beats a template beside it, whatever the order in the contract', async () => {
    const app = appFor({
      'GET /pet/{petId}': 'getPetById',
      'POST /pet/{petId}': 'updatePetWithForm',
      'GET /pet/findByStatus': 'findPetsByStatus',
      'GET /user/{username}': 'getUserByName',
      'GET /user/login': 'loginUser',
    });
    expect((await call(app, '/v1/pet/findByStatus')).body).toEqual({ operation: 'findPetsByStatus', params: {} });
    expect((await call(app, '/v1/pet/42')).body).toEqual({ operation: 'getPetById', params: { petId: '42' } });
    expect((await call(app, '/v1/pet/42', 'POST')).body).toMatchObject({ operation: 'updatePetWithForm' });
    expect((await call(app, '/v1/user/login')).body).toMatchObject({ operation: 'loginUser' });
    expect((await call(app, '/v1/user/log%20in')).body).toEqual({ operation: 'getUserByName', params: { username: 'log in' } });
    // The path decides first: the literal path exists, so another method on it is a 405, not the template's.
    const post = await call(app, '/v1/pet/findByStatus', 'POST');
    expect(post.status).toBe(405);
    expect(post.allow).toBe('GET');
  });

  it('keeps trailing slashes and empty segments unmatched, and 404s what no template has', async () => {
    const app = appFor({ 'GET /pet/{petId}': 'getPetById', 'GET /pet': 'listPets' });
    for (const path of ['/v1/pet/', '/v1/pet/42/', '/v1/pet//', '/v1/pets', '/v1/pet/42/x']) {
      expect((await call(app, path)).status, path).toBe(404);
    }
    expect((await call(app, '/v1/pet')).body).toMatchObject({ operation: 'listPets' });
  });

  it('matches templates that are part of a segment, the more literal one first', async () => {
    const app = appFor({
      'GET /reports/{id}.{format}': 'getReport',
      'GET /files/{name}.json': 'getJsonFile',
      'GET /files/{name}': 'getFile',
      'GET /files/{name}.tar.gz': 'getTarball',
    });
    expect((await call(app, '/v1/reports/q1.csv')).body).toEqual({ operation: 'getReport', params: { id: 'q1', format: 'csv' } });
    expect((await call(app, '/v1/reports/q1.2026.csv')).body).toEqual({ operation: 'getReport', params: { id: 'q1', format: '2026.csv' } });
    expect((await call(app, '/v1/reports/q1')).status).toBe(404);
    expect((await call(app, '/v1/files/a.json')).body).toEqual({ operation: 'getJsonFile', params: { name: 'a' } });
    expect((await call(app, '/v1/files/a.tar.gz')).body).toEqual({ operation: 'getTarball', params: { name: 'a' } });
    expect((await call(app, '/v1/files/a%2Fb.json')).body).toEqual({ operation: 'getJsonFile', params: { name: 'a/b' } });
    expect((await call(app, '/v1/files/a.xml')).body).toEqual({ operation: 'getFile', params: { name: 'a.xml' } });
    expect((await call(app, '/v1/files/.json')).body).toEqual({ operation: 'getFile', params: { name: '.json' } });
  });

  it('backs up when a literal branch has no complete path below it', async () => {
    const app = appFor({ 'GET /a/b/c': 'literal', 'GET /{x}/b/d': 'templated' });
    expect((await call(app, '/v1/a/b/c')).body).toMatchObject({ operation: 'literal' });
    expect((await call(app, '/v1/a/b/d')).body).toEqual({ operation: 'templated', params: { x: 'a' } });
  });

  it('serves one path written with different parameter names for different methods, each under its own names', async () => {
    const app = appFor({ 'GET /pets/{petId}': 'getPet', 'DELETE /pets/{id}': 'deletePet' });
    expect((await call(app, '/v1/pets/7')).body).toEqual({ operation: 'getPet', params: { petId: '7' } });
    expect((await call(app, '/v1/pets/7', 'DELETE')).body).toEqual({ operation: 'deletePet', params: { id: '7' } });
    expect((await call(app, '/v1/pets/7', 'PUT')).allow).toBe('DELETE, GET');
  });
});

describe('contract problems found while building the route table', () => {
  it('refuses the same method on paths that differ only in parameter names, naming both places', () => {
    const build = () =>
      tableFor({ 'GET /pets/{a}': 'first', 'GET /pets/{b}': 'second', 'GET /pets/{a}.json': 'third', 'GET /pets/{z}.json': 'fourth' });
    expect(build).toThrow(
      /orders\.v1\.yaml:7:5: GET \/v1\/pets\/\{b\} \(orders\.v1 second\) cannot be told apart from GET \/v1\/pets\/\{a\} \(orders\.v1 first\) at \S*orders\.v1\.yaml:5:5/,
    );
    expect(build).toThrow(
      /orders\.v1\.yaml:11:5: GET \/v1\/pets\/\{z\}\.json \(orders\.v1 fourth\) cannot be told apart from GET \/v1\/pets\/\{a\}\.json \(orders\.v1 third\) at \S*orders\.v1\.yaml:9:5/,
    );
  });

  it('refuses a request media type key that is no media type, at its line', () => {
    expect(() => tableFor({ 'POST /pets': 'addPet' }, { addPet: ['application/json', 'json'] })).toThrow(
      /orders\.v1\.yaml:5:\d+: addPet: "json" is not a media type or range/,
    );
  });
});
