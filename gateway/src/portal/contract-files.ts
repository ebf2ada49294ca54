import { extname } from 'node:path';
import { parse, stringify } from 'yaml';
import { hasExternalRefs, type ContractBundler } from '@concord/contracts/src/document/bundle-contract.ts';

/**
 * The contract files the portal publishes at /contracts/<id>.<yaml|json>. A contract is written in
 * YAML or in JSON (both are legal OpenAPI and AsyncAPI); a partner's tooling may read only one of
 * them, so each is served in both: as written at its own extension, byte for byte, and converted at
 * the other (comments do not survive into JSON; everything the spec reads does). Links point at the
 * file as written. A contract written across files is served bundled, in both formats.
 */
export type ContractFormat = 'yaml' | 'json';

/** A contract file as written. */
export interface ContractSource {
  text: string;
  format: ContractFormat;
  /** The file on disk, to bundle from when it refers to other files. */
  path?: string;
}

/** The format of a contract file, from its name (.json, else YAML: .yaml or .yml). */
export function contractFormatOf(path: string): ContractFormat {
  return extname(path).toLowerCase() === '.json' ? 'json' : 'yaml';
}

/** Where the portal publishes a contract as written. */
export function contractHref(id: string, source: Pick<ContractSource, 'format'>): string {
  return `/contracts/${id}.${source.format}`;
}

export interface ServedContract {
  body: string;
  contentType: string;
}

export interface ContractFiles {
  /** The contract in the format asked for; undefined when there is no such contract. */
  get(id: string, format: ContractFormat): Promise<ServedContract | undefined>;
}

const CONTENT_TYPES: Record<ContractFormat, string> = {
  yaml: 'application/yaml; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

function parsed(source: ContractSource): unknown {
  // The contract was parsed when the gateway was built, so it parses here; `uniqueKeys: false`
  // because the conversion is not the place to reject what the loader accepted.
  return source.format === 'json' ? JSON.parse(source.text) : parse(source.text, { uniqueKeys: false });
}

function serialize(value: unknown, format: ContractFormat): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { aliasDuplicateObjects: false });
}

export function createContractFiles(sources: ReadonlyMap<string, ContractSource>, bundler: ContractBundler): ContractFiles {
  // Converted (or bundled) on first request: most portals are asked for one format only.
  const converted = new Map<string, Promise<string>>();
  const produce = (source: ContractSource, format: ContractFormat): Promise<string> => {
    // A contract that refers to other files is published bundled, in either format: the files it
    // refers to are not published, so the references would lead nowhere.
    if (source.path && hasExternalRefs(source.text)) return bundler.bundle(source.path).then((value) => serialize(value, format));
    return Promise.resolve(format === source.format ? source.text : serialize(parsed(source), format));
  };
  return {
    async get(id, format) {
      const source = sources.get(id);
      if (!source) return undefined;
      const key = `${id}.${format}`;
      let body = converted.get(key);
      if (body === undefined) {
        body = produce(source, format);
        // A failed bundle (a referenced file gone since start-up) is tried again on the next request.
        body.catch(() => converted.delete(key));
        converted.set(key, body);
      }
      return { body: await body, contentType: CONTENT_TYPES[format] };
    },
  };
}
