import { createContractBundler, UnresolvedReferenceError, type ContractBundler } from '../document/bundle-contract.ts';
import { dereferenceLocal } from '../document/dereference.ts';
import type { OpenApiDocument } from '../document/openapi-document.ts';
import type { Schema } from './schema-flatten.ts';

/** A contract that cannot be read or resolved: the CLI exits 2 with this message, which names the file. */
export class ContractParseError extends Error {
  readonly code = 'CONTRACT_PARSE_ERROR';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`cannot parse ${file}: ${detail}`);
    this.name = this.constructor.name;
  }
}

export type LoadedContract =
  | { kind: 'openapi'; file: string; document: OpenApiDocument }
  | { kind: 'asyncapi'; file: string; document: Schema };

let bundler: ContractBundler | undefined;

/**
 * Reads a contract with every $ref resolved (Redocly's bundler understands OpenAPI and AsyncAPI),
 * so a schema moved between inline and `components` compares as unchanged.
 * @param file how to name the file in errors, e.g. `origin/main:contracts/openapi/orders.v1.yaml`
 */
export async function loadContract(path: string, file: string = path): Promise<LoadedContract> {
  bundler ??= createContractBundler();
  let parsed: unknown;
  try {
    // Bundled (external references pulled in), then dereferenced keeping identity, so that the diff
    // can compare a schema shared by many operations once.
    parsed = dereferenceLocal(await bundler.bundle(path));
  } catch (err) {
    if (err instanceof UnresolvedReferenceError) throw new ContractParseError(file, err.detail);
    const message = err instanceof Error ? err.message : String(err);
    throw new ContractParseError(file, /ENOENT/.test(message) ? 'no such file' : message.split(path).join(file));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ContractParseError(file, 'not a YAML or JSON object');
  if ('openapi' in parsed) return { kind: 'openapi', file, document: parsed as OpenApiDocument };
  if ('asyncapi' in parsed) return { kind: 'asyncapi', file, document: parsed as Schema };
  throw new ContractParseError(file, 'neither an OpenAPI nor an AsyncAPI document (no top-level `openapi:` or `asyncapi:`)');
}
