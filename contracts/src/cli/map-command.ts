import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildIntegrationMap } from '../map/build-map.ts';
import { formatMap, MAP_FORMATS, type MapFormat } from '../map/map-formats.ts';
import { readMapSources } from '../map/map-sources.ts';
import { REPO_ROOT } from '../paths.ts';
import { UsageError, type Io } from './usage-error.ts';

const isMapFormat = (value: string): value is MapFormat => (MAP_FORMATS as readonly string[]).includes(value);

/**
 * `concord map [--format json|mermaid|dot] [--root <dir>]`: the static integration map of a
 * repository (default: the one the CLI belongs to), derived from its contracts, gateway config and
 * pacts, with the pact verification `concord verify` recorded.
 */
export async function mapCommand(args: string[], io: Io): Promise<number> {
  let format: MapFormat = 'json';
  let root = REPO_ROOT;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const [name, inline] = arg.startsWith('--') ? (arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]) : ['', undefined];
    if (name !== 'format' && name !== 'root')
      throw new UsageError(arg.startsWith('--') ? `map takes no option ${arg}` : `map takes no argument ${arg}`);
    const value = inline ?? args[++i];
    if (!value) throw new UsageError(`map --${name} needs a value`);
    if (name === 'format') {
      if (!isMapFormat(value)) throw new UsageError(`--format must be ${MAP_FORMATS.join(', ')}, not ${value}`);
      format = value;
    } else {
      root = resolve(value);
      if (!existsSync(resolve(root, 'contracts/openapi')))
        throw new UsageError(`--root ${value} has no contracts/openapi: not a Concord repository`);
    }
  }
  io.out(formatMap(buildIntegrationMap(readMapSources(root)), format));
  return 0;
}
