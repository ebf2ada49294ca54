import { Parser, type Diagnostic, type MessageInterface } from '@asyncapi/parser';
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
  /**
   * Example payloads: the message's own `examples`, else one built from the `examples` of the
   * payload schema's fields (empty when the contract has neither).
   */
  examples: EventExample[];
}

export interface EventExample {
  name?: string;
  summary?: string;
  payload: unknown;
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

function examplesOf(message: MessageInterface): EventExample[] {
  const declared = message
    .examples()
    .all()
    .filter((example) => example.hasPayload())
    .map((example) => ({
      ...(example.name() ? { name: example.name() } : {}),
      ...(example.summary() ? { summary: example.summary() } : {}),
      payload: example.payload(),
    }));
  if (declared.length > 0) return declared;
  const built = exampleFromSchema(message.payload()?.json(), 0);
  return built === undefined ? [] : [{ summary: 'Built from the examples of its fields', payload: built }];
}

/**
 * A value for a schema from the examples the contract gives its parts: `const`, `examples`,
 * `example`, `default` or the first `enum` value; objects from their properties (parts of `allOf`
 * merged), the first alternative of `anyOf`/`oneOf` that yields one. Undefined where nothing says.
 */
export function exampleFromSchema(schema: unknown, depth: number): unknown {
  if (!schema || typeof schema !== 'object' || depth > 12) return undefined;
  const s = schema as Record<string, unknown>;
  if ('const' in s) return s['const'];
  if (Array.isArray(s['examples']) && s['examples'].length > 0) return s['examples'][0];
  if ('example' in s) return s['example'];
  if ('default' in s) return s['default'];
  if (Array.isArray(s['enum']) && s['enum'].length > 0) return s['enum'][0];
  if (Array.isArray(s['allOf'])) {
    const parts = s['allOf'].map((part) => exampleFromSchema(part, depth + 1));
    const objects = parts.filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null && !Array.isArray(p));
    const own = exampleFromSchema({ ...s, allOf: undefined }, depth + 1);
    if (objects.length > 0 || (typeof own === 'object' && own !== null))
      return Object.assign({}, ...objects, typeof own === 'object' && own !== null ? own : {});
    return parts.find((p) => p !== undefined) ?? own;
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (!Array.isArray(s[key])) continue;
    for (const alternative of s[key]) {
      const value = exampleFromSchema(alternative, depth + 1);
      if (value !== undefined) return value;
    }
  }
  if (s['properties'] && typeof s['properties'] === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, sub] of Object.entries(s['properties'] as Record<string, unknown>)) {
      const value = exampleFromSchema(sub, depth + 1);
      if (value !== undefined) out[name] = value;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (s['items'] !== undefined) {
    const item = exampleFromSchema(s['items'], depth + 1);
    return item === undefined ? undefined : [item];
  }
  return undefined;
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
        examples: examplesOf(message),
      });
    }
  }
  events.sort((a, b) => a.name.localeCompare(b.name));
  return { title: document.info().title(), version: document.info().version(), events, diagnostics };
}
