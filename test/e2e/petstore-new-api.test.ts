/**
 * A new user adds an API nobody on this team wrote: the unmodified Swagger Petstore 3 from the
 * corpus goes into a private copy of the workspace (contracts/openapi/petstore.v3.yaml), `concord
 * generate` registers it, and a config binds it to an upstream: a small server that records what it
 * receives. The gateway process (serve.ts, as `npm run gateway` runs it) must start, and every one of
 * the contract's 19 operations, called with a request built from the contract itself for each media
 * type it declares, must reach the upstream at the right path and method with the body unchanged.
 * Most tests make its operations public in the config; one serves it with Petstore's own security
 * (an apiKey scheme and an oauth2 one, alone and as alternatives) enforced for configured partners.
 */
import { corpusFile } from '@concord/contracts/src/testing/corpus.ts';
import { generateApiKey, hashApiKey } from '@concord/gateway/src/partners/api-key.ts';
import { generateClientSecret, hashClientSecret } from '@concord/gateway/src/partners/client-secret.ts';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { listOperations, type OpenApiDocument } from '@concord/contracts/src/document/openapi-document.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { BINARY, requestsFor, sampleOf } from './contract-requests.ts';
import { createTempWorkspace, runGatewayToExit, type GatewayProcess, type TempWorkspace } from './temp-workspace.ts';

const PETSTORE = corpusFile('petstore.openapi.yaml') ?? '';
/** Petstore operations with no `security` of their own. */
const UNSECURED = [
  'placeOrder',
  'getOrderById',
  'deleteOrder',
  'createUser',
  'createUsersWithListInput',
  'loginUser',
  'logoutUser',
  'getUserByName',
  'updateUser',
  'deleteUser',
];

interface Received {
  method: string;
  url: string;
  contentType: string | undefined;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Reply = { status: number; contentType?: string; body?: string };

/** The upstream: records every request; answers 200 `{}` unless a test says otherwise for a path. */
function startRecordingUpstream(): Promise<{ server: Server; url: string; received: Received[]; replies: Map<string, Reply> }> {
  const received: Received[] = [];
  const replies = new Map<string, Reply>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method!,
        url: req.url!,
        contentType: req.headers['content-type'],
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const reply = replies.get(`${req.method} ${req.url}`) ?? { status: 200, contentType: 'application/json', body: '{}' };
      res.writeHead(reply.status, reply.contentType ? { 'content-type': reply.contentType } : {});
      res.end(reply.body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, replies }),
    ),
  );
}

function configYaml(upstreamUrl: string, extra = ''): string {
  return `server: { watchConfig: false }
upstreams:
  petstore: { url: "${upstreamUrl}/petstore" }
apis:
  - contract: petstore.v3
    basePath: /api/v3
    upstream: petstore
    policies: { public: true, validation: { response: enforce } }
${extra}`;
}

describe.skipIf(PETSTORE === '')('the Swagger Petstore as a new API behind the gateway', () => {
  let work: TempWorkspace;
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  let gateway: GatewayProcess;
  let document: OpenApiDocument;

  beforeAll(async () => {
    work = await createTempWorkspace();
    // Copied byte for byte: the point is a contract nobody adapted to Concord.
    await writeFile(join(work.root, 'contracts/openapi/petstore.v3.yaml'), await readFile(PETSTORE));
    await work.generate();
    document = ((await import(join(work.root, 'contracts/generated/petstore.v3/document.ts'))) as { document: OpenApiDocument }).document;
    upstream = await startRecordingUpstream();
    await writeFile(join(work.root, 'gateway.e2e.yaml'), configYaml(upstream.url));
    gateway = await work.startGateway(join(work.root, 'gateway.e2e.yaml'), await freePort());
  }, 300_000);

  afterAll(async () => {
    await gateway?.stop();
    await new Promise((resolve) => upstream?.server.close(resolve));
    await work?.remove();
  });

  const send = (target: string, init: { method: string; headers?: Record<string, string>; body?: Uint8Array | string }) =>
    fetch(`${gateway.url}/api/v3${target}`, { ...init, body: init.body as BodyInit | undefined });

  it('routes every operation, for every declared request media type, to the upstream path and method, bodies unchanged', async () => {
    const operations = listOperations(document);
    expect(operations).toHaveLength(19);
    const requests = operations.flatMap(requestsFor);
    const mediaTypes = new Set(requests.map((r) => r.mediaType).filter(Boolean));
    expect([...mediaTypes].sort()).toEqual([
      'application/json',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'application/xml',
    ]);
    for (const request of requests) {
      // The upstream answers what the contract documents, so enforced response validation passes.
      const documented = operations.find((o) => o.operationId === request.operationId)!.operation.responses?.['200']?.content;
      const schema = documented?.['application/json']?.schema;
      upstream.replies.set(`${request.method} /petstore${request.target}`, {
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify(schema === undefined ? {} : sampleOf(schema)),
      });
      const before = upstream.received.length;
      const res = await send(request.target, { method: request.method, headers: request.headers, body: request.body });
      const what = `${request.operationId} ${request.method} ${request.target} ${request.mediaType ?? '(no body)'}`;
      expect(res.status, `${what}: ${await res.clone().text()}`).toBe(200);
      await res.arrayBuffer();
      expect(upstream.received.length, what).toBe(before + 1);
      const got = upstream.received.at(-1)!;
      expect(`${got.method} ${got.url}`, what).toBe(`${request.method} /petstore${request.target}`);
      if (request.body) {
        expect(got.contentType, what).toBe(request.mediaType);
        expect(Buffer.compare(got.body, Buffer.from(request.body)), what).toBe(0);
      }
    }
    const reached = new Set(requests.map((r) => r.operationId));
    expect(reached.size).toBe(19);
  });

  it('tells literal paths from templated siblings: each is validated as its own operation', async () => {
    // Routed to getPetById, `findByStatus` would fail its integer petId; routed to getUserByName,
    // `login` would be refused its unknown query parameters. The replies are what each literal
    // operation documents (a list, a string), which the templated one's enforced schema would refuse.
    const json = (body: unknown): Reply => ({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    upstream.replies.set('GET /petstore/pet/findByStatus?status=sold', json([]));
    upstream.replies.set('GET /petstore/user/login?username=u&password=p', json('session-token'));
    upstream.replies.set('GET /petstore/pet/findByTags?tags=a&tags=b', json([]));
    expect((await send('/pet/findByStatus?status=sold', { method: 'GET' })).status).toBe(200);
    expect((await send('/user/login?username=u&password=p', { method: 'GET' })).status).toBe(200);
    expect((await send('/pet/findByTags?tags=a&tags=b', { method: 'GET' })).status).toBe(200);
    const notAnId = await send('/pet/fluffy', { method: 'GET' });
    expect(notAnId.status).toBe(400);
    expect(await notAnId.json()).toMatchObject({ errors: [{ pointer: '/path/petId' }] });
    const withQuery = await send('/user/theUser?username=u', { method: 'GET' });
    expect(withQuery.status).toBe(400);
    const wrongMethod = await send('/pet/findByStatus', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
  });

  it('answers 415 naming the declared media types for one the operation does not declare, and 400 for an invalid form', async () => {
    const before = upstream.received.length;
    const csv = await send('/pet', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'name,doggie' });
    expect(csv.status).toBe(415);
    expect(csv.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await csv.json()) as { detail: string }).detail).toBe(
      'Content-Type text/csv is not supported here; send application/json or application/xml or application/x-www-form-urlencoded.',
    );
    const upload = await send('/pet/10/uploadImage', { method: 'POST', headers: { 'content-type': 'image/png' }, body: BINARY });
    expect(upload.status).toBe(415);
    const form = await send('/pet', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=doggie&id=ten&status=lost',
    });
    expect(form.status).toBe(400);
    const problem = (await form.json()) as { errors: { pointer: string }[] };
    expect(problem.errors.map((e) => e.pointer).sort()).toEqual(['/body/id', '/body/photoUrls', '/body/status']);
    expect(upstream.received.length).toBe(before);
  });

  it('checks a non-JSON response by its documented media type only', async () => {
    upstream.replies.set('GET /petstore/pet/7', { status: 200, contentType: 'application/xml', body: '<Pet><name>doggie</name></Pet>' });
    const xml = await send('/pet/7', { method: 'GET', headers: { accept: 'application/xml' } });
    expect(xml.status).toBe(200);
    expect(await xml.text()).toBe('<Pet><name>doggie</name></Pet>');
    upstream.replies.set('GET /petstore/pet/8', { status: 200, contentType: 'text/html', body: '<html></html>' });
    const html = await send('/pet/8', { method: 'GET' });
    expect(html.status).toBe(502);
    expect(await html.json()).toMatchObject({ code: 'UPSTREAM_CONTRACT_BROKEN' });
  });

  it("enforces Petstore's own security as written: apiKey-only refuses a bearer token and takes a partner key; either alternative of an OR passes", async () => {
    // The same unmodified contract, now not made public: its `api_key` (apiKey, header) and
    // `petstore_auth` (oauth2) schemes are what the gateway checks. One partner holds an API key,
    // another gets tokens from the built-in issuer with Petstore's scopes.
    const key = generateApiKey();
    const secret = generateClientSecret();
    await writeFile(
      join(work.root, 'gateway.secured.yaml'),
      `server: { watchConfig: false }
upstreams:
  petstore: { url: "${upstream.url}/petstore" }
apis:
  - contract: petstore.v3
    basePath: /api/v3
    upstream: petstore
    # Petstore's store and user operations declare no security: the config opens them on purpose.
    operations:
${UNSECURED.map((id) => `      ${id}: { policies: { public: true } }`).join('\n')}
security:
  demo: { enabled: false }
  plans:
    gold: { rateLimit: { points: 1000, windowSeconds: 60 } }
  partners:
    - { clientId: keyholder, name: Keyholder, plan: gold, apis: [petstore], apiKeys: ['${hashApiKey(key)}'] }
    - clientId: keeper
      name: Keeper
      plan: gold
      apis: [petstore]
      scopes: ['read:pets', 'write:pets']
      secrets: ['${await hashClientSecret(secret, { N: 1024, r: 8, p: 1 })}']
    - clientId: reader
      name: Reader
      plan: gold
      apis: [petstore]
      scopes: ['read:pets']
      secrets: ['${await hashClientSecret(secret, { N: 1024, r: 8, p: 1 })}']
`,
    );
    const secured = await work.startGateway(join(work.root, 'gateway.secured.yaml'), await freePort());
    try {
      const tokenFor = async (clientId: string): Promise<string> => {
        const res = await fetch(`${secured.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString(),
        });
        expect(res.status, await res.clone().text()).toBe(200);
        return ((await res.json()) as { access_token: string }).access_token;
      };
      const keeper = await tokenFor('keeper');
      const reader = await tokenFor('reader');
      const call = (target: string, headers: Record<string, string>) => fetch(`${secured.url}/api/v3${target}`, { headers });
      upstream.replies.set('GET /petstore/store/inventory', { status: 200, contentType: 'application/json', body: '{"available":3}' });
      upstream.replies.set('GET /petstore/pet/5', {
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ id: 5, name: 'doggie', photoUrls: [] }),
      });

      // GET /store/inventory: `security: [{api_key: []}]`, an apiKey scheme only.
      const before = upstream.received.length;
      const bearerOnKeyOnly = await call('/store/inventory', { authorization: `Bearer ${keeper}` });
      expect(bearerOnKeyOnly.status).toBe(401);
      expect(bearerOnKeyOnly.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await bearerOnKeyOnly.json()) as { detail: string }).detail).toMatch(/api_key/);
      const unknownKey = await call('/store/inventory', { api_key: generateApiKey() });
      expect(unknownKey.status).toBe(401);
      const noCredentials = await call('/store/inventory', {});
      expect(noCredentials.status).toBe(401);
      expect(upstream.received.length).toBe(before);
      const withKey = await call('/store/inventory', { api_key: key });
      expect(withKey.status, await withKey.clone().text()).toBe(200);
      expect(await withKey.json()).toEqual({ available: 3 });
      const forwarded = upstream.received.at(-1)!;
      expect(`${forwarded.method} ${forwarded.url}`).toBe('GET /petstore/store/inventory');
      // The partner's key is its credential at the gateway, never the upstream's.
      expect(forwarded.headers.api_key).toBeUndefined();
      expect(forwarded.headers['x-concord-partner']).toBe('keyholder');

      // GET /pet/{petId}: `security: [{api_key: []}, {petstore_auth: [write:pets, read:pets]}]`, an OR.
      expect((await call('/pet/5', { api_key: key })).status).toBe(200);
      expect((await call('/pet/5', { authorization: `Bearer ${keeper}` })).status).toBe(200);
      expect(upstream.received.at(-1)!.headers.authorization).toBeUndefined();
      // The oauth2 alternative is an AND of both scopes: a token with read:pets alone satisfies neither.
      const partial = await call('/pet/5', { authorization: `Bearer ${reader}` });
      expect(partial.status).toBe(403);
      expect(((await partial.json()) as { detail: string }).detail).toMatch(/write:pets/);
      // An operation secured by petstore_auth only (PUT /pet) refuses the API key.
      const keyOnOauthOnly = await fetch(`${secured.url}/api/v3/pet`, {
        method: 'PUT',
        headers: { api_key: key, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 5, name: 'doggie', photoUrls: [] }),
      });
      expect(keyOnOauthOnly.status).toBe(401);
    } finally {
      await secured.stop();
    }
  }, 120_000);

  it('refuses to start while an operation without security is not made public, naming each at its file:line:col', async () => {
    await writeFile(
      join(work.root, 'gateway.unsecured.yaml'),
      `server: { watchConfig: false }
upstreams:
  petstore: { url: "${upstream.url}/petstore" }
apis:
  - { contract: petstore.v3, basePath: /api/v3, upstream: petstore }
`,
    );
    const result = await runGatewayToExit(work.root, join(work.root, 'gateway.unsecured.yaml'), await freePort());
    expect(result.code).toBe(1);
    const source = (await readFile(PETSTORE, 'utf8')).split('\n');
    // placeOrder is the `post:` under `/store/order:`.
    const orderLine = source.indexOf('  /store/order:') + 1;
    const postLine = source.findIndex((line, i) => i >= orderLine && line === '    post:') + 1;
    expect(result.stderr).toContain(`petstore.v3.yaml:${postLine}:5 petstore.v3#placeOrder`);
    for (const id of UNSECURED) expect(result.stderr).toContain(`petstore.v3#${id}`);
    expect(result.stderr).not.toContain('petstore.v3#getInventory');
  }, 120_000);

  it('refuses to start on a contract with two operations it cannot tell apart, naming file:line:col of both', async () => {
    const source = await readFile(PETSTORE, 'utf8');
    // The same path as /pet/{petId} under another parameter name, with the same method.
    const twin = source.replace(
      '  /pet/{petId}/uploadImage:',
      '  /pet/{id}:\n    get:\n      operationId: getPetTwin\n      responses:\n        "200":\n          description: ok\n  /pet/{petId}/uploadImage:',
    );
    expect(twin).not.toBe(source);
    await writeFile(join(work.root, 'contracts/openapi/petstore.v3.yaml'), twin);
    await work.generate();
    const result = await runGatewayToExit(work.root, join(work.root, 'gateway.e2e.yaml'), await freePort());
    expect(result.code).toBe(1);
    const twinLine = twin.split('\n').indexOf('  /pet/{id}:') + 2;
    const originalLine = twin.split('\n').indexOf('  /pet/{petId}:') + 2;
    expect(result.stderr).toMatch(
      new RegExp(
        `petstore\\.v3\\.yaml:${twinLine}:5: GET /api/v3/pet/\\{id\\} \\(petstore\\.v3 getPetTwin\\) cannot be told apart from GET /api/v3/pet/\\{petId\\} \\(petstore\\.v3 getPetById\\) at \\S*petstore\\.v3\\.yaml:${originalLine}:5`,
      ),
    );
  }, 300_000);
});
