import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';
import { createPgDatabase } from './pg-database.ts';
import { createPgliteDatabase } from './pglite-database.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface OpenDatabaseOptions {
  /** The service's name: default schema and the `.data/<service>` directory of the embedded store. */
  service: string;
  /** PostgreSQL URL; without it the embedded store is used. */
  url?: string;
  /** Default: the service name (with `-` replaced by `_`). */
  schema?: string;
  /** Embedded store location; default `<repo>/.data/<service>`; `memory://` for tests. */
  dataDir?: string;
  /** PostgreSQL only: hears about lost connections that are being re-established. */
  onConnectionError?: (err: unknown) => void;
}

/** Where an embedded database named `name` keeps its files: `<repo>/.data/<name>`. */
export function defaultDataDir(name: string): string {
  return resolve(REPO_ROOT, '.data', name);
}

/** PostgreSQL when a URL is given, the embedded store otherwise: the one place that chooses. */
export function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const schema = options.schema ?? options.service.replace(/-/g, '_');
  if (options.url)
    return createPgDatabase({
      url: options.url,
      schema,
      ...(options.onConnectionError ? { onConnectionError: options.onConnectionError } : {}),
    });
  return createPgliteDatabase({ dataDir: options.dataDir ?? defaultDataDir(options.service), schema });
}
