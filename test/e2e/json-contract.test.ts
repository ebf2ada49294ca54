/**
 * A contract written in JSON, as many are published (Discord's, GitHub's): the Swagger Petstore from
 * the corpus, turned into JSON, goes into a private copy of the workspace. Misnamed, `concord
 * generate` and `concord lint` refuse it by name instead of skipping it; a second file of the same
 * contract is refused too; named `petstore.v3.json` it is generated, the gateway places its start-up
 * errors at a line of the JSON, and then serves it.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { corpusFile } from '@concord/contracts/src/testing/corpus.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort } from '../support/free-port.ts';
import { createTempWorkspace, runConcord, runGatewayToExit, type TempWorkspace } from './temp-workspace.ts';

const PETSTORE = corpusFile('petstore.openapi.yaml') ?? '';

describe.skipIf(PETSTORE === '')('a contract written in JSON', () => {
  let work: TempWorkspace;
  let upstream: Server;
  let upstreamUrl: string;
  const openapi = (name: string) => join(work.root, 'contracts/openapi', name);

  beforeAll(async () => {
    work = await createTempWorkspace();
    upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 7, petId: 1, quantity: 1, status: 'placed', complete: true }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    // Pretty-printed, as published JSON contracts are, so the lines of its keys differ from the YAML's.
    await writeFile(openapi('Petstore.json'), `${JSON.stringify(parse(await readFile(PETSTORE, 'utf8')), null, 2)}\n`);
  }, 120_000);

  afterAll(async () => {
    await new Promise((resolve) => upstream?.close(resolve));
    await work?.remove();
  });

  it('is refused by name while misnamed or doubled, never skipped', async () => {
    const generate = await runConcord(work.root, ['generate']);
    expect(generate.code).toBe(1);
    expect(generate.stdout).toContain(
      'contracts/openapi/Petstore.json: an OpenAPI document whose name is not <api>.v<major>.yaml (or .yml, .json; lower case, e.g. petstore.v1.yaml), so no command would see it: rename it',
    );
    expect(generate.stderr).toContain('nothing was generated');

    const lint = await runConcord(work.root, ['lint']);
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(/^contracts\/openapi\/Petstore\.json:1:1 error contract-file-name an OpenAPI document/m);

    await rename(openapi('Petstore.json'), openapi('petstore.v3.json'));
    await writeFile(openapi('petstore.v3.yaml'), await readFile(PETSTORE));
    const doubled = await runConcord(work.root, ['generate']);
    expect(doubled.code).toBe(1);
    expect(doubled.stdout).toContain(
      'contracts/openapi/petstore.v3.yaml: petstore.v3 is also petstore.v3.json: keep one file per contract',
    );
    await rm(openapi('petstore.v3.yaml'));
  }, 240_000);

  it('is generated and served, with start-up errors placed at its lines', async () => {
    const generate = await runConcord(work.root, ['generate']);
    expect(generate.code, generate.stderr).toBe(0);
    expect(await readFile(join(work.root, 'contracts/generated/index.ts'), 'utf8')).toContain('"petstore.v3": petstoreV3');

    const config = join(work.root, 'gateway.json-contract.yaml');
    const api = `server: { watchConfig: false }
upstreams:
  petstore: { url: "${upstreamUrl}" }
apis:
  - contract: petstore.v3
    basePath: /api/v3
    upstream: petstore
`;
    // Petstore leaves its store operations unsecured: refused, each at its line in the JSON.
    await writeFile(config, api);
    const refused = await runGatewayToExit(work.root, config, await freePort());
    expect(refused.code).toBe(1);
    const text = await readFile(openapi('petstore.v3.json'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('"operationId": "placeOrder"'));
    const placed = /contracts\/openapi\/petstore\.v3\.json:(\d+):\d+ petstore\.v3#placeOrder/.exec(refused.stderr);
    expect(placed, refused.stderr).not.toBeNull();
    // The position is the operation's `post` key, a few lines above its operationId.
    expect(Number(placed![1])).toBeLessThanOrEqual(line + 1);
    expect(line + 1 - Number(placed![1])).toBeLessThan(10);

    await writeFile(config, `${api}    policies: { public: true }\n`);
    const gateway = await work.startGateway(config, await freePort());
    try {
      const res = await fetch(`${gateway.url}/api/v3/store/order/7`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: 7, status: 'placed' });
      const invalid = await fetch(`${gateway.url}/api/v3/store/order/seven`);
      expect(invalid.status).toBe(400);
      expect(invalid.headers.get('content-type')).toBe('application/problem+json');
      // The portal links and serves the file as written, and the same document in YAML.
      expect(await (await fetch(`${gateway.url}/docs`)).text()).toContain(
        'href="/contracts/petstore.v3.json" download>petstore.v3.json</a>',
      );
      const asWritten = await fetch(`${gateway.url}/contracts/petstore.v3.json`);
      expect(asWritten.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await asWritten.text()).toBe(text);
      const asYaml = await fetch(`${gateway.url}/contracts/petstore.v3.yaml`);
      expect(asYaml.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
      expect(parse(await asYaml.text())).toEqual(JSON.parse(text));
    } finally {
      await gateway.stop();
    }
  }, 240_000);
});
