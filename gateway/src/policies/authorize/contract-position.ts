/**
 * `contracts/openapi/orders.v1.yaml:57:7`: where a key of a contract was written, for start-up
 * errors about a contract's security. The gateway runs on the generated, dereferenced documents,
 * which carry no positions, so the source YAML is read only when there is something to report.
 * (The route table's own contract locator, when it lands, can replace this one.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { displayPath, OPENAPI_DIR } from '@concord/contracts/src/paths.ts';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';

export type ContractPosition = (contract: string, path: readonly string[]) => string;

/** The deepest key of `path` that exists in `<dir>/<contract>.yaml`, as `file:line:col`. */
export function contractPosition(dir: string = OPENAPI_DIR): ContractPosition {
  return (contract, path) => {
    const file = join(dir, `${contract}.yaml`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return `${displayPath(file)}:1:1`;
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines });
    let offset = doc.contents?.range?.[0] ?? 0;
    let node: unknown = doc.contents;
    for (const key of path) {
      if (!isMap(node)) break;
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      if (!pair || !isScalar(pair.key) || !pair.key.range) break;
      offset = pair.key.range[0];
      node = pair.value;
    }
    const pos = lines.linePos(offset);
    return `${displayPath(file)}:${pos.line}:${pos.col}`;
  };
}
