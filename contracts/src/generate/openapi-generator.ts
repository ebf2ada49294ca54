import { bundle, createConfig } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';
import { pathToFileURL } from 'node:url';
import { relative } from 'node:path';
import { REPO_ROOT, pascalId, type ContractFile } from '../paths.ts';
import type { GeneratedFile } from './generated-file.ts';
import { banner, serialize } from './generated-file.ts';
import { dereferenceLocal } from '../document/dereference.ts';
import { hasCycle, serializeGraph, stripExamplesInPlace } from './object-graph.ts';

/**
 * For one OpenAPI contract: the openapi-typescript types, the dereferenced document the runtime
 * validates against, a typed openapi-fetch client and a typed Hono server binding.
 */
export async function generateOpenApi(contract: ContractFile): Promise<GeneratedFile[]> {
  const source = relative(REPO_ROOT, contract.path).replace(/\\/g, '/');
  const name = pascalId(contract.id);
  const dir = contract.id;
  const head = banner(contract.path);

  const ast = await withFile(contract.path, () => openapiTS(pathToFileURL(contract.path), { alphabetize: false, exportType: false }));
  const types = head + astToString(ast);

  const documentModule = await withFile(contract.path, () => documentSource(contract.path));

  return [
    { path: `${dir}/types.ts`, contents: types },
    {
      path: `${dir}/document.ts`,
      contents: `${head}import type { OpenApiDocument } from '../../src/document/openapi-document.ts';\n\n${documentModule.prelude}/** ${source}, every $ref resolved: what the gateway routes by and Ajv compiles. */\nexport const document: OpenApiDocument = ${documentModule.expression};\n`,
    },
    {
      path: `${dir}/client.ts`,
      contents: `${head}import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './types.ts';

export type ${name}Client = Client<paths>;

/** A typed client for ${contract.id}: paths, parameters, bodies and responses come from the contract. */
export function create${name}Client(options: ClientOptions): ${name}Client {
  return createClient<paths>(options);
}
`,
    },
    {
      path: `${dir}/server.ts`,
      contents: `${head}import type { Env, Hono } from 'hono';
import { bindContract, type BindOptions } from '../../src/server/bind-contract.ts';
import type { ContractHandlers } from '../../src/server/handler-types.ts';
import type { OperationValidator } from '../../src/server/request-validator.ts';
import { document } from './document.ts';
import type { operations } from './types.ts';

export type ${name}Handlers<E extends Env = Env> = ContractHandlers<operations, E>;

/** Registers every ${contract.id} operation on \`app\`, validated against the contract. */
export function register${name}<E extends Env>(app: Hono<E>, handlers: ${name}Handlers<E>, options?: BindOptions): OperationValidator[] {
  return bindContract<operations, E>(app, document, handlers, options);
}
`,
    },
    {
      path: `${dir}/index.ts`,
      contents: `${head}export type { components, operations, paths } from './types.ts';
export { document } from './document.ts';
export { create${name}Client, type ${name}Client } from './client.ts';
export { register${name}, type ${name}Handlers } from './server.ts';
`,
    },
  ];
}

/** Any failure while generating from a contract names the contract. */
async function withFile<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${relative(process.cwd(), path) || path}: ${message}`, { cause: err });
  }
}

/**
 * The dereferenced document as a TypeScript expression. A tree (every contract of ours) is written
 * as JSON, as before; a document whose schemas are recursive is rebuilt as an object graph, since
 * expanding it as a tree would never end.
 */
async function documentSource(path: string): Promise<{ prelude: string; expression: string }> {
  const config = await createConfig({ extends: ['minimal'] });
  const bundled = await bundle({ ref: path, config, dereference: true });
  if (!hasCycle(bundled.bundle.parsed)) return { prelude: '', expression: serialize(stripExamples(bundled.bundle.parsed)) };
  // Redocly copies a target at each use; dereferencing ourselves keeps one object per schema.
  const plain = await bundle({ ref: path, config });
  const graph = dereferenceLocal(plain.bundle.parsed);
  stripExamplesInPlace(graph);
  return serializeGraph(graph);
}

/**
 * Examples document the contract for people; the runtime never reads them, and keeping them out
 * of the dereferenced document keeps start-up and memory small.
 */
function stripExamples(value: unknown, parentKey = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => stripExamples(v));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Inside `properties` a key is a field name, which may well be called `example`.
      if ((k === 'example' || k === 'examples') && parentKey !== 'properties') continue;
      out[k] = stripExamples(v, k);
    }
    return out;
  }
  return value;
}
