import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAsyncApi } from './asyncapi-loader.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-asyncapi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONTRACT = `asyncapi: 3.0.0
info: { title: Audit, version: 1.0.0 }
channels:
  recorded:
    address: audit.recorded
    messages:
      recorded: { $ref: '#/components/messages/Recorded' }
      withExample: { $ref: '#/components/messages/WithExample' }
operations:
  publish:
    action: send
    channel: { $ref: '#/channels/recorded' }
components:
  schemas:
    Envelope:
      type: object
      properties:
        id: { type: string, examples: [evt_1] }
        specversion: { const: '1.0' }
  messages:
    Recorded:
      name: audit.recorded
      payload:
        allOf:
          - $ref: '#/components/schemas/Envelope'
          - type: object
            properties:
              data:
                type: object
                properties:
                  actor: { type: string, examples: [ada] }
                  kind: { type: string, enum: [login, logout] }
                  tags: { type: array, items: { type: string, example: audit } }
                  note: { anyOf: [{ type: 'null' }, { type: string, default: none }] }
                  unknown: { type: string }
    WithExample:
      name: audit.exported
      payload: { type: object, properties: { id: { type: string, examples: [from-schema] } } }
      examples:
        - name: exported
          summary: An export
          payload: { id: from-message }
`;

describe('loadAsyncApi examples', () => {
  it("keeps a message's own examples, and builds one from its fields' examples when it has none", async () => {
    const file = join(dir, 'audit.v1.yaml');
    writeFileSync(file, CONTRACT);
    const loaded = await loadAsyncApi(file);
    const byName = Object.fromEntries(loaded.events.map((e) => [e.name, e]));
    expect(byName['audit.exported']?.examples).toEqual([{ name: 'exported', summary: 'An export', payload: { id: 'from-message' } }]);
    expect(byName['audit.recorded']?.examples).toEqual([
      {
        summary: 'Built from the examples of its fields',
        payload: { id: 'evt_1', specversion: '1.0', data: { actor: 'ada', kind: 'login', tags: ['audit'], note: 'none' } },
      },
    ]);
  });
});
