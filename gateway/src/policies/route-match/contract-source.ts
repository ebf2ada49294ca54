/**
 * Where something in a contract was written: `contracts/openapi/petstore.v3.yaml:201:3`. The route
 * table runs on the generated, dereferenced documents, which carry no positions, so a problem found
 * while building it is located in the source YAML, read only then (start-up never pays for it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractSourceFile, displayPath, OPENAPI_DIR } from '@concord/contracts/src/paths.ts';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';

export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export type ContractLocator = (contract: string, path: readonly string[]) => SourcePosition;

/** Positions of `path`'s key in `<dir>/<contract>.yaml` (.yml, .json); the deepest key that exists when some do not. */
export function createContractLocator(dir: string = OPENAPI_DIR): ContractLocator {
  const parsed = new Map<string, { file: string; doc: Document; lines: LineCounter } | undefined>();
  const load = (contract: string) => {
    if (parsed.has(contract)) return parsed.get(contract);
    let loaded: { file: string; doc: Document; lines: LineCounter } | undefined;
    const file = contractSourceFile(dir, contract);
    if (file) {
      // JSON is YAML to this parser, positions included.
      const lines = new LineCounter();
      loaded = { file, doc: parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines }), lines };
    }
    parsed.set(contract, loaded);
    return loaded;
  };
  return (contract, path) => {
    const source = load(contract);
    if (!source) return { file: join(displayPath(dir), `${contract}.yaml`), line: 1, column: 1 };
    let offset = source.doc.contents?.range?.[0] ?? 0;
    for (let depth = 1; depth <= path.length; depth++) {
      const parent = depth === 1 ? source.doc.contents : source.doc.getIn(path.slice(0, depth - 1), true);
      if (!isMap(parent)) break;
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === path[depth - 1]);
      if (!pair || !isScalar(pair.key) || !pair.key.range) break;
      offset = pair.key.range[0];
    }
    const pos = source.lines.linePos(offset);
    return { file: displayPath(source.file), line: pos.line, column: pos.col };
  };
}

export function formatPosition(p: SourcePosition): string {
  return `${p.file}:${p.line}:${p.column}`;
}
