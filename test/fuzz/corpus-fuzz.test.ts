/**
 * The contract fuzz on a contract nobody here wrote: the unmodified Swagger Petstore 3 from the
 * corpus (JSON, XML, form and binary bodies; literal paths beside templated ones) goes into a private
 * copy of the workspace, `concord generate` registers it, and the gateway process serves it, every
 * operation public, in front of a stub upstream that answers each operation with a sample of its
 * documented success response. Generated requests (valid, boundary and hostile values; forms written
 * by the operation's encoding) must get no 5xx, a documented status or a gateway problem, of the
 * documented media type, valid against the documented schema; requests the gateway forwards reach
 * the upstream, and the form bodies it forwards are among them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { dereferenceLocal } from '@concord/contracts/src/document/dereference.ts';
import { listOperations, type OpenApiDocument, type OperationEntry } from '@concord/contracts/src/document/openapi-document.ts';
import { corpusFile } from '@concord/contracts/src/testing/corpus.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sampleOf } from '../e2e/contract-requests.ts';
import { createTempWorkspace, type GatewayProcess, type TempWorkspace } from '../e2e/temp-workspace.ts';
import { freePort } from '../support/free-port.ts';
import { fuzzOperation } from './support/fuzz-operation.ts';
import { fuzzSettings, operationSeed } from './support/fuzz-settings.ts';

const PETSTORE = corpusFile('petstore.openapi.yaml') ?? '';
const settings = fuzzSettings(process.env);
const document = PETSTORE ? dereferenceLocal(parse(await readFile(PETSTORE, 'utf8')) as OpenApiDocument) : undefined;
const operations = document ? listOperations(document) : [];

/** What the stub answers an operation with: its documented success, a sample of the JSON schema where it has one. */
function successOf(entry: OperationEntry): { status: number; contentType?: string; body: string } {
  const responses = entry.operation.responses ?? {};
  const status = Object.keys(responses).find((code) => /^2\d\d$/.test(code)) ?? '200';
  const content = responses[status]?.content ?? {};
  if (content['application/json'])
    return { status: Number(status), contentType: 'application/json', body: JSON.stringify(sampleOf(content['application/json'].schema)) };
  const [first] = Object.keys(content);
  return first ? { status: Number(status), contentType: first, body: '' } : { status: Number(status), body: '' };
}

/** The stub upstream: finds the operation by method and path (literal paths first, as OpenAPI matches). */
function startUpstream(
  entries: OperationEntry[],
): Promise<{ server: Server; url: string; received: { method: string; contentType?: string }[] }> {
  const routes = entries
    .map((entry) => ({
      entry,
      literal: !entry.path.includes('{'),
      pattern: new RegExp(`^/petstore${entry.path.replace(/\{[^}]+\}/g, '[^/]+')}(\\?|$)`),
    }))
    .sort((a, b) => Number(b.literal) - Number(a.literal));
  const received: { method: string; contentType?: string }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ method: req.method!, ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}) });
      const route = routes.find((r) => r.entry.method === req.method!.toLowerCase() && r.pattern.test(req.url!));
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      const reply = successOf(route.entry);
      res.writeHead(reply.status, reply.contentType ? { 'content-type': reply.contentType } : {});
      res.end(reply.body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received })),
  );
}

describe.skipIf(PETSTORE === '')(
  `contract fuzz on the Swagger Petstore (${settings.cases * 2} cases per operation, seed ${settings.seed})`,
  () => {
    let work: TempWorkspace;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let gateway: GatewayProcess;
    const statuses = new Map<string, Map<number, number>>();

    beforeAll(async () => {
      work = await createTempWorkspace();
      // Copied byte for byte: the point is a contract nobody adapted to Concord.
      await writeFile(join(work.root, 'contracts/openapi/petstore.v3.yaml'), await readFile(PETSTORE));
      await work.generate();
      upstream = await startUpstream(operations);
      const config = join(work.root, 'gateway.fuzz.yaml');
      await writeFile(
        config,
        `server: { watchConfig: false }
upstreams:
  petstore: { url: "${upstream.url}/petstore" }
apis:
  - contract: petstore.v3
    basePath: /api/v3
    upstream: petstore
    policies: { public: true }
security:
  # Public operations are limited per client IP, and every case comes from this one.
  rateLimit: { perIp: { points: 1000000, windowSeconds: 60 } }
`,
      );
      gateway = await work.startGateway(config, await freePort());
    }, 300_000);

    afterAll(async () => {
      if (process.env.CONCORD_FUZZ_REPORT === '1')
        for (const [operation, counts] of statuses) console.log(operation, Object.fromEntries(counts));
      await gateway?.stop();
      await new Promise((resolve) => upstream?.server.close(resolve));
      await work?.remove();
    });

    it.each(operations.map((entry) => ({ entry })))('$entry.method $entry.path ($entry.operationId)', async ({ entry }) => {
      const counts = new Map<number, number>();
      statuses.set(entry.operationId, counts);
      await fuzzOperation({
        baseUrl: gateway.url,
        token: undefined,
        contract: 'petstore.v3',
        basePath: '/api/v3',
        entry,
        known: {},
        // Twice our own contracts' count: there are only 19 operations, and the forms are what is new.
        numRuns: settings.cases * 2,
        seed: operationSeed(settings.seed, `petstore.v3 ${entry.operationId}`),
        onResponse: (_request, response) => counts.set(response.status, (counts.get(response.status) ?? 0) + 1),
      });
      expect([...counts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(settings.cases * 2);
    });

    it('forwarded generated bodies of every kind the contract takes, forms included', () => {
      const forwarded = new Set(upstream.received.map((r) => r.contentType?.split(';')[0]).filter(Boolean));
      expect([...forwarded].sort()).toEqual(expect.arrayContaining(['application/json', 'application/x-www-form-urlencoded']));
    });
  },
);
