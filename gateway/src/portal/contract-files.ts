import { extname } from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * The contract files the portal publishes at /contracts/<id>.<yaml|json>. A contract is written in
 * YAML or in JSON (both are legal OpenAPI and AsyncAPI); a partner's tooling may read only one of
 * them, so each is served in both: as written at its own extension, byte for byte, and converted at
 * the other (comments do not survive into JSON; everything the spec reads does). Links point at the
 * file as written.
 */
export type ContractFormat = 'yaml' | 'json';

/** A contract file as written. */
export interface ContractSource {
  text: string;
  format: ContractFormat;
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
  get(id: string, format: ContractFormat): ServedContract | undefined;
}

const CONTENT_TYPES: Record<ContractFormat, string> = {
  yaml: 'application/yaml; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

function convert(source: ContractSource): string {
  // The contract was parsed when the gateway was built, so it parses here; `uniqueKeys: false`
  // because the conversion is not the place to reject what the loader accepted.
  if (source.format === 'json') return stringify(JSON.parse(source.text), { aliasDuplicateObjects: false });
  return `${JSON.stringify(parse(source.text, { uniqueKeys: false }), null, 2)}\n`;
}

export function createContractFiles(sources: ReadonlyMap<string, ContractSource>): ContractFiles {
  // Converted on first request: most portals are asked for one format only.
  const converted = new Map<string, string>();
  return {
    get(id, format) {
      const source = sources.get(id);
      if (!source) return undefined;
      if (format === source.format) return { body: source.text, contentType: CONTENT_TYPES[format] };
      let body = converted.get(id);
      if (body === undefined) {
        body = convert(source);
        converted.set(id, body);
      }
      return { body, contentType: CONTENT_TYPES[format] };
    },
  };
}
