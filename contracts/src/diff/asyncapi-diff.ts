import { createChangeLog, type Change, type Report } from './change.ts';
import { componentNames } from '../document/dereference.ts';
import { createSchemaComparer, type Direction, type SchemaComparer } from './schema-compare.ts';
import { isSchemaObject, type Schema } from './schema-flatten.ts';

interface Channel {
  key: string;
  address: string;
  messages: Map<string, Schema>;
  direction: Direction;
}

const record = (value: unknown): Schema => (isSchemaObject(value) ? value : {});

/**
 * The application `send`s a message: its subscribers read it, so it is compared like a response.
 * It `receive`s one: others write it, so it is compared like a request. A channel that is only
 * declared is treated as published, the common case for an event catalogue.
 */
function directionOf(channelKey: string, address: string, document: Schema): Direction {
  const actions = Object.values(record(document['operations']))
    .map(record)
    .filter((op) => {
      const channel = record(op['channel']);
      return channel['address'] === address || op['channel'] === record(document['channels'])[channelKey];
    })
    .map((op) => op['action']);
  return actions.includes('receive') && !actions.includes('send') ? 'request' : 'response';
}

function channelsOf(document: Schema): Channel[] {
  return Object.entries(record(document['channels'])).map(([key, value]) => {
    const channel = record(value);
    const address = typeof channel['address'] === 'string' ? channel['address'] : key;
    const messages = new Map<string, Schema>();
    for (const [messageKey, message] of Object.entries(record(channel['messages']))) {
      const m = record(message);
      messages.set(typeof m['name'] === 'string' ? m['name'] : messageKey, m);
    }
    return { key, address, messages, direction: directionOf(key, address, document) };
  });
}

/** Both documents must be dereferenced AsyncAPI 3 documents. Channels are matched by address, then by key. */
export function diffAsyncApi(contract: string, base: Schema, head: Schema): Change[] {
  const log = createChangeLog(contract);
  const schemas = createSchemaComparer(componentNames(head, componentNames(base)));
  const headChannels = channelsOf(head);
  const unmatched = new Set(headChannels);
  const pending: Channel[] = [];
  for (const b of channelsOf(base)) {
    const h = headChannels.find((c) => unmatched.has(c) && c.address === b.address);
    if (h) {
      unmatched.delete(h);
      compareChannel(b, h, log.reporter(h.address), schemas);
    } else pending.push(b);
  }
  for (const b of pending) {
    const h = headChannels.find((c) => unmatched.has(c) && c.key === b.key);
    const report = log.reporter(b.address);
    if (h) {
      unmatched.delete(h);
      report('channel-address-changed', `channel ${b.key}`, `channel ${b.key} moved from ${b.address} to ${h.address}`);
      compareChannel(b, h, report, schemas);
    } else report('channel-removed', `channel ${b.key}`, `channel ${b.address} was removed`);
  }
  for (const h of unmatched) log.reporter(h.address)('channel-added', `channel ${h.key}`, `new channel ${h.address}`);
  schemas.finish(log.shared);
  return log.changes;
}

function compareChannel(b: Channel, h: Channel, report: Report, schemas: SchemaComparer): void {
  for (const [name, message] of b.messages) {
    const now = h.messages.get(name);
    if (!now) {
      report('message-removed', `message ${name}`, `message ${name} is no longer sent on ${h.address}`);
      continue;
    }
    for (const part of ['payload', 'headers'] as const) {
      if (message[part] === undefined && now[part] === undefined) continue;
      schemas.compare(message[part] ?? {}, now[part] ?? {}, {
        direction: h.direction,
        operation: h.address,
        where: `message ${name} ${part}`,
        report,
      });
    }
  }
  for (const name of h.messages.keys()) {
    if (!b.messages.has(name)) report('message-added', `message ${name}`, `new message ${name} on ${h.address}`);
  }
}
