import { basename } from 'node:path';
import { diffAsyncApi } from './asyncapi-diff.ts';
import type { Change } from './change.ts';
import { ContractParseError, type LoadedContract } from './load-contract.ts';
import { diffOpenApi } from './openapi-diff.ts';

/** `contracts/openapi/customers.v2.yaml` -> `customers.v2`. */
export function contractIdOf(path: string): string {
  return basename(path).replace(/\.(ya?ml|json)$/, '');
}

export function diffContracts(contract: string, base: LoadedContract, head: LoadedContract): Change[] {
  if (base.kind === 'openapi' && head.kind === 'openapi') return diffOpenApi(contract, base.document, head.document);
  if (base.kind === 'asyncapi' && head.kind === 'asyncapi') return diffAsyncApi(contract, base.document, head.document);
  throw new ContractParseError(head.file, `is ${head.kind} but ${base.file} is ${base.kind}; they cannot be compared`);
}
