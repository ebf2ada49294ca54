import { bundle, createConfig, type Config } from '@redocly/openapi-core';

/**
 * A contract written across files (`$ref: ./schemas/pet.yaml`), as one document: every external
 * reference pulled in (Redocly's bundler, which `concord generate` uses too; OpenAPI and AsyncAPI),
 * internal references kept. What is published for partners, whose tools cannot follow a reference to
 * a file they were never given.
 */
export interface ContractBundler {
  /** The bundled document; rejects with UnresolvedReferenceError when a reference cannot be resolved. */
  bundle(path: string): Promise<unknown>;
}

export class UnresolvedReferenceError extends Error {
  constructor(
    readonly path: string,
    /** Redocly's message and the pointer of the reference. */
    readonly detail: string,
  ) {
    super(`cannot bundle ${path}: ${detail}`);
    this.name = this.constructor.name;
  }
}

/** A `$ref` whose value does not start with `#`: a reference to another file (YAML or JSON text). */
const EXTERNAL_REF = /["']?\$ref["']?\s*:\s*["']?(?!#)[^\s"',}]/;

export function hasExternalRefs(text: string): boolean {
  return EXTERNAL_REF.test(text);
}

export function createContractBundler(): ContractBundler {
  let config: Promise<Config> | undefined;
  return {
    async bundle(path) {
      config ??= createConfig({ extends: ['minimal'] });
      const result = await bundle({ ref: path, config: await config });
      const unresolved = result.problems.find((p) => p.severity === 'error');
      if (unresolved) throw new UnresolvedReferenceError(path, `${unresolved.message} ${unresolved.location[0]?.pointer ?? ''}`.trim());
      return result.bundle.parsed;
    },
  };
}
