import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH } from '../main.ts';
import { gatewayConfigJsonSchema, JSON_SCHEMA_PATH } from './json-schema.ts';

describe('gateway.config.schema.json', () => {
  it('is what the zod schema produces (regenerate: npm run -w @concord/gateway config:schema)', async () => {
    expect(await readFile(JSON_SCHEMA_PATH, 'utf8')).toBe(gatewayConfigJsonSchema());
  });

  it('is the schema the committed config points editors at', async () => {
    const firstLine = (await readFile(DEFAULT_CONFIG_PATH, 'utf8')).split('\n')[0];
    expect(firstLine).toBe('# yaml-language-server: $schema=./gateway.config.schema.json');
  });
});
