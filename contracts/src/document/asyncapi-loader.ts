import { Parser, type Diagnostic } from '@asyncapi/parser';
import { readFile } from 'node:fs/promises';

export interface EventDefinition {
  /** The event name, also the CloudEvents `type`, e.g. `order.placed`. */
  name: string;
  /** The channel address: the NATS subject the event is published on. */
  channel: string;
  title: string;
  summary: string;
  /** Whether partners may subscribe to it (`x-concord-public`). */
  public: boolean;
  /** Who hears it as a webhook (`x-concord-audience: all`), by default only the owning partner. */
  audience: 'owner' | 'all';
  /** The CloudEvents envelope schema, every $ref resolved. */
  schema: Record<string, unknown>;
}

export interface LoadedAsyncApi {
  title: string;
  version: string;
  events: EventDefinition[];
  diagnostics: Diagnostic[];
}

/** Parser-internal annotations are not part of the contract; drop them from schemas we publish. */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('x-parser-') || k === 'examples' || k === 'example') continue;
      out[k] = clean(v);
    }
    return out;
  }
  return value;
}

export async function loadAsyncApi(path: string, parser: Parser = new Parser()): Promise<LoadedAsyncApi> {
  const text = await readFile(path, 'utf8');
  const { document, diagnostics } = await parser.parse(text, { source: path });
  if (!document) return { title: '', version: '', events: [], diagnostics };
  const events: EventDefinition[] = [];
  for (const channel of document.channels().all()) {
    for (const message of channel.messages().all()) {
      const name = message.name() ?? message.id();
      events.push({
        name,
        channel: channel.address() ?? channel.id(),
        title: message.title() ?? name,
        summary: message.summary() ?? '',
        public: message.extensions().get('x-concord-public')?.value() === true,
        audience: message.extensions().get('x-concord-audience')?.value() === 'all' ? 'all' : 'owner',
        schema: clean(message.payload()?.json() ?? {}) as Record<string, unknown>,
      });
    }
  }
  events.sort((a, b) => a.name.localeCompare(b.name));
  return { title: document.info().title(), version: document.info().version(), events, diagnostics };
}
