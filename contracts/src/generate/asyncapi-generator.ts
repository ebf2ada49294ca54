import openapiTS, { astToString } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';
import { loadAsyncApi } from '../document/asyncapi-loader.ts';
import { pascalId, type ContractFile } from '../paths.ts';
import { banner, serialize, type GeneratedFile } from './generated-file.ts';

function typeName(event: string): string {
  return `${pascalId(event.replace(/\./g, '-'))}Event`;
}

/**
 * For the AsyncAPI contract: a type per event envelope (through openapi-typescript, so event and
 * API types read alike), the event catalogue (channel, visibility, schema) and validators.
 */
export async function generateAsyncApi(contract: ContractFile): Promise<GeneratedFile[]> {
  const loaded = await loadAsyncApi(contract.path);
  const errors = loaded.diagnostics.filter((d) => d.severity === 0);
  if (errors.length) throw new Error(`${contract.path} has ${errors.length} error(s); run \`concord lint\``);
  const head = banner(contract.path);
  const dir = contract.id;

  const schemas: Record<string, unknown> = {};
  for (const e of loaded.events) schemas[typeName(e.name)] = e.schema;
  const synthetic = { openapi: '3.1.0', info: { title: loaded.title, version: loaded.version }, paths: {}, components: { schemas } };
  const ast = await openapiTS(synthetic as unknown as OpenAPI3, { exportType: false });

  const map = loaded.events
    .map((e) => `  ${JSON.stringify(e.name)}: components['schemas'][${JSON.stringify(typeName(e.name))}];`)
    .join('\n');
  const types = `${head}${astToString(ast)}
/** Every event of ${contract.id}, by name (the CloudEvents \`type\`): its whole envelope. */
export interface EventEnvelopes {
${map}
}

export type EventName = keyof EventEnvelopes;
export type EventEnvelope<N extends EventName = EventName> = EventEnvelopes[N];
/** The \`data\` of an event: what producers build and consumers read. */
export type EventData<N extends EventName> = EventEnvelopes[N]['data'];
`;

  const catalog = Object.fromEntries(
    loaded.events.map((e) => [
      e.name,
      {
        channel: e.channel,
        title: e.title,
        summary: e.summary,
        public: e.public,
        audience: e.audience,
        schema: e.schema,
        examples: e.examples,
      },
    ]),
  );
  return [
    { path: `${dir}/types.ts`, contents: types },
    {
      path: `${dir}/catalog.ts`,
      contents: `${head}import type { EventCatalog } from '../../src/events/event-catalog.ts';
import type { EventName } from './types.ts';

/** Every event: its channel address (NATS subject), whether partners may receive it, its envelope schema. */
export const eventCatalog: EventCatalog<EventName> = ${serialize(catalog)};

export const eventNames = Object.keys(eventCatalog) as EventName[];
`,
    },
    {
      path: `${dir}/index.ts`,
      contents: `${head}export type { EventData, EventEnvelope, EventEnvelopes, EventName } from './types.ts';
export { eventCatalog, eventNames } from './catalog.ts';
`,
    },
  ];
}
