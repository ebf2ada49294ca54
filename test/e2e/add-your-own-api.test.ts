/**
 * docs/add-your-own-api.md, followed step by step on the unmodified Swagger Petstore from the corpus
 * in a private copy of the workspace: contract in, lint, generate, config (the guide's own YAML),
 * npm start, token, call, diff, a consumer pact verified through the gateway (the guide's own
 * providers.yaml entry), the SDK and the portal. No TypeScript of the workspace is edited.
 *
 * Two departures from the guide, both about this machine rather than Concord: the copy has no
 * system APIs (only contracts/ and gateway/ are copied), so `stack.services` keeps only the Petstore
 * server; and ports are free ones (PORT, PETSTORE_PORT), so the guide's 8080 and 4010 are replaced.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { corpusFile } from '@concord/contracts/src/testing/corpus.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { freePort } from '../support/free-port.ts';
import { createTempWorkspace, runConcord, type TempWorkspace } from './temp-workspace.ts';

const PETSTORE = corpusFile('petstore.openapi.yaml') ?? '';
const GUIDE = fileURLToPath(new URL('../../docs/add-your-own-api.md', import.meta.url));
const EXAMPLE_SERVER = fileURLToPath(new URL('../../docs/examples/petstore-server.mjs', import.meta.url));
const DEMO = { clientId: 'demo-partner', clientSecret: 'concord-demo-secret-do-not-use-in-production' };

/** The code block that follows `<!-- guide:<name> -->` in the guide. */
function guideBlock(guide: string, name: string): string {
  const match = new RegExp(`<!-- guide:${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(guide);
  if (!match) throw new Error(`the guide has no block guide:${name}`);
  return match[1]!;
}

/** The guide's config additions merged into the workspace's gateway.config.yaml, comments kept. */
function mergeConfig(base: string, additions: string): string {
  const doc = parseDocument(base);
  const add = parse(additions) as {
    upstreams: Record<string, unknown>;
    apis: unknown[];
    stack: { services: Record<string, unknown> };
  };
  for (const [name, upstream] of Object.entries(add.upstreams)) doc.setIn(['upstreams', name], doc.createNode(upstream));
  for (const api of add.apis) (doc.get('apis') as YAMLSeq).add(doc.createNode(api));
  // This copy has no system APIs to start: the stack is the guide's Petstore server alone.
  doc.setIn(['stack', 'services'], doc.createNode(add.stack.services));
  doc.setIn(['server', 'watchConfig'], false);
  expect((doc.getIn(['stack', 'services']) as YAMLMap).items).toHaveLength(1);
  return doc.toString();
}

describe.skipIf(PETSTORE === '')('the add-your-own-API guide, followed with the Swagger Petstore', () => {
  let work: TempWorkspace;
  let guide: string;
  let stack: ChildProcess | undefined;
  let stackExited: Promise<number | null>;
  let gatewayUrl: string;
  let petstorePort: number;
  const stackLines: string[] = [];

  const token = async (scope = 'read:pets write:pets'): Promise<string> => {
    const res = await fetch(`${gatewayUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${DEMO.clientId}:${DEMO.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };

  beforeAll(async () => {
    guide = await readFile(GUIDE, 'utf8');
    work = await createTempWorkspace();
    await mkdir(join(work.root, 'docs/examples'), { recursive: true });
    await cp(EXAMPLE_SERVER, join(work.root, 'docs/examples/petstore-server.mjs'));
    await mkdir(join(work.root, 'pacts'));
  }, 120_000);

  afterAll(async () => {
    if (stack && stack.exitCode === null) stack.kill('SIGTERM');
    await stackExited;
    await work?.remove();
  });

  it('1-2. contract in, unmodified; lint names the operations without security', async () => {
    await cp(PETSTORE, join(work.root, 'contracts/openapi/petstore.v3.yaml'));
    expect(await readFile(join(work.root, 'contracts/openapi/petstore.v3.yaml'))).toEqual(await readFile(PETSTORE));
    const lint = await runConcord(work.root, ['lint', 'contracts/openapi/petstore.v3.yaml']);
    expect(lint.code).toBe(1);
    const errors = lint.stdout.split('\n').filter((l) => / error /.test(l));
    expect(errors).toHaveLength(10);
    expect(errors.every((l) => l.includes(' error security-defined '))).toBe(true);
    expect(lint.stdout).toContain(
      'contracts/openapi/petstore.v3.yaml:377:5 error security-defined Every operation should have security defined on it or on the root level.',
    );
  }, 240_000);

  it('3-4. generate, then the guide config: lint has no errors left, and npm start runs the Petstore server and the gateway', async () => {
    await work.generate();
    const configFile = join(work.root, 'gateway/gateway.config.yaml');
    await writeFile(configFile, mergeConfig(await readFile(configFile, 'utf8'), guideBlock(guide, 'config')));
    const lint = await runConcord(work.root, ['lint', 'contracts/openapi/petstore.v3.yaml']);
    expect(lint.stdout.split('\n').filter((l) => / error /.test(l))).toEqual([]);

    petstorePort = await freePort();
    const port = await freePort();
    stack = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/stack.ts'], {
      cwd: work.root,
      env: { ...process.env, PORT: String(port), ADMIN_PORT: '0', PETSTORE_PORT: String(petstorePort), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    stack.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    stackExited = new Promise((resolve) => stack!.once('exit', (code) => resolve(code)));
    gatewayUrl = await new Promise<string>((resolve, reject) => {
      createInterface({ input: stack!.stdout! }).on('line', (line) => {
        stackLines.push(line);
        // The banner's line, once everything is up (the start-up line of the gateway ends in its ms).
        const match = /^ {2}gateway +(http:\/\/localhost:\d+)$/.exec(line);
        if (match) resolve(match[1]!);
      });
      stack!.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${stderr}`)));
    });
    expect(stackLines).toContain(`[petstore] petstore listening on http://127.0.0.1:${petstorePort}`);
    expect(stackLines).toContainEqual(expect.stringMatching(new RegExp(`^ {2}petstore +http://127\\.0\\.0\\.1:${petstorePort} +\\d+ ms$`)));
  }, 300_000);

  it('5-6. a token with the contract scopes, and calls through the gateway', async () => {
    const bearer = { authorization: `Bearer ${await token()}` };
    const created = await fetch(`${gatewayUrl}/api/v3/pet`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'doggie', photoUrls: [], status: 'available' }),
    });
    expect(created.status).toBe(200);
    const pet = (await created.json()) as { id: number; name: string };
    expect(pet).toMatchObject({ name: 'doggie' });

    const list = await fetch(`${gatewayUrl}/api/v3/pet/findByStatus?status=available`, { headers: bearer });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { id: number }[]).map((p) => p.id)).toContain(pet.id);
    const one = await fetch(`${gatewayUrl}/api/v3/pet/${pet.id}`, { headers: bearer });
    expect(await one.json()).toMatchObject({ id: pet.id, name: 'doggie' });

    const anonymous = await fetch(`${gatewayUrl}/api/v3/pet/findByStatus?status=available`);
    expect(anonymous.status).toBe(401);
    const invalid = await fetch(`${gatewayUrl}/api/v3/pet/findByStatus?status=lost`, { headers: bearer });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ errors: [{ pointer: '/query/status' }] });
    // A token without the operation's scopes is refused: the contract's security is enforced.
    const readOnly = await fetch(`${gatewayUrl}/api/v3/pet`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('read:pets')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'kitty', photoUrls: [] }),
    });
    expect(readOnly.status).toBe(403);
  }, 60_000);

  it('7. diff: removing /pet/findByTags is breaking', async () => {
    const next = join(work.root, 'next');
    await mkdir(next);
    const source = await readFile(join(work.root, 'contracts/openapi/petstore.v3.yaml'), 'utf8');
    const edited = source.slice(0, source.indexOf('  /pet/findByTags:')) + source.slice(source.indexOf('  /pet/{petId}:'));
    await writeFile(join(next, 'petstore.v3.yaml'), edited);
    const diff = await runConcord(work.root, ['diff', 'contracts/openapi/petstore.v3.yaml', 'next/petstore.v3.yaml']);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/^breaking path-removed +petstore\.v3 \/pet\/findByTags path$/m);
    expect(diff.stdout).toContain('1 breaking, 0 warnings, 0 info');
  }, 240_000);

  it('8. a consumer pact, verified through the gateway against the Petstore server as providers.yaml declares it', async () => {
    const pacts = join(work.root, 'pacts');
    const pact = new PactV4({ consumer: 'petstore-web', provider: 'petstore', dir: pacts, logLevel: 'warn' });
    await pact
      .addInteraction()
      .given('a pet exists', { id: 10, name: 'doggie', status: 'available' })
      .uponReceiving('a request for a pet')
      .withRequest('GET', '/api/v3/pet/10')
      .willRespondWith(200, (b) => b.jsonBody({ id: MatchersV3.integer(10), name: MatchersV3.string('doggie') }))
      .executeTest(async (mock) => {
        const pet = (await (await fetch(`${mock.url}/api/v3/pet/10`)).json()) as { name: string };
        expect(pet.name).toBe('doggie');
      });
    // One pass: replaced one after the other, a gateway on port 4010x would have its address
    // rewritten again as the Petstore's (CI once got http://127.0.0.1:439855).
    const addresses: Record<string, string> = { 8080: gatewayUrl, 4010: `http://127.0.0.1:${petstorePort}` };
    const providers = guideBlock(guide, 'providers').replace(/http:\/\/localhost:(8080|4010)\b/g, (_, port: string) => addresses[port]!);
    await writeFile(join(pacts, 'providers.yaml'), providers);

    const verify = await runConcord(work.root, ['verify']);
    expect(verify.stdout, verify.stderr).toMatch(/^ok {3}petstore-web -> petstore \(petstore-web-petstore\.json\)$/m);
    expect(verify.code).toBe(0);
    const gate = await runConcord(work.root, ['can-i-deploy']);
    expect(gate.code).toBe(0);

    // A state the Petstore server does not know fails the verification.
    const file = join(pacts, 'petstore-web-petstore.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"a pet exists"', '"a pet was adopted"'));
    const unknown = await runConcord(work.root, ['verify']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/FAIL petstore-web -> petstore[\s\S]*a request for a pet \(given a pet was adopted\)/);
  }, 300_000);

  it('9. the SDK, generated again, has a typed petstoreV3 that calls the gateway', async () => {
    await work.generate();
    const sdk = (await import(join(work.root, 'contracts/sdk/src/index.ts'))) as {
      createConcordClient(options: unknown): {
        petstoreV3: {
          addPet(params: { body: unknown }): Promise<{ id: number; name: string }>;
          getPetById(params: { petId: number }): Promise<{ id: number; name: string }>;
        };
      };
      apiVersions: readonly { id: string; basePath: string }[];
    };
    expect(sdk.apiVersions).toContainEqual(expect.objectContaining({ id: 'petstore.v3', basePath: '/api/v3' }));
    const api = await readFile(join(work.root, 'contracts/sdk/src/generated/petstore.v3/api.ts'), 'utf8');
    expect(api).toContain('path: "/api/v3/pet/{petId}"');
    const concord = sdk.createConcordClient({ baseUrl: gatewayUrl, clientCredentials: DEMO });
    const pet = await concord.petstoreV3.addPet({ body: { name: 'rex', photoUrls: [], status: 'available' } });
    expect(await concord.petstoreV3.getPetById({ petId: pet.id })).toMatchObject({ id: pet.id, name: 'rex' });
    expect((await runConcord(work.root, ['generate', '--check'])).code).toBe(0);
  }, 300_000);

  it('10. the portal lists it, renders its reference and serves the contract byte for byte', async () => {
    const index = await (await fetch(`${gatewayUrl}/docs`)).text();
    expect(index).toMatch(/<tr data-api="petstore\.v3" data-lifecycle="current">/);
    const reference = await fetch(`${gatewayUrl}/docs/apis/petstore.v3`);
    expect(reference.status).toBe(200);
    expect(await reference.text()).toContain('"url":"/contracts/petstore.v3.yaml"');
    const contract = await fetch(`${gatewayUrl}/contracts/petstore.v3.yaml`);
    expect(Buffer.from(await contract.arrayBuffer())).toEqual(await readFile(PETSTORE));
  }, 60_000);
});
