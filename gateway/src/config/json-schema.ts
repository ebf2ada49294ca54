/**
 * The JSON Schema editors use for gateway.config.yaml (`# yaml-language-server: $schema=...`).
 * Generated from the zod schema, so the two cannot drift; a test fails when the committed file is stale.
 * Regenerate with `npm run -w @concord/gateway config:schema`.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { gatewayConfigSchema } from './schema.ts';

export const JSON_SCHEMA_PATH = fileURLToPath(new URL('../../gateway.config.schema.json', import.meta.url));

export function gatewayConfigJsonSchema(): string {
  const schema = z.toJSONSchema(gatewayConfigSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Concord gateway configuration (gateway.config.yaml)' }, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(JSON_SCHEMA_PATH, gatewayConfigJsonSchema());
  console.log(`wrote ${JSON_SCHEMA_PATH}`);
}
