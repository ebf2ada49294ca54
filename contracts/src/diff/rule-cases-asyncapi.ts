import type { Edit, RuleCase } from './rule-cases-openapi.ts';
import { at, type Json } from './test-documents.ts';

const none: Edit = () => {};
const channels = (d: Json) => at(d, 'channels');
const messages = (d: Json, channel: string) => at(channels(d), channel, 'messages');
const payload = (d: Json, channel: string, message: string) => at(messages(d, channel), message, 'payload');
const renameKey =
  (object: (d: Json) => Json, from: string, to: string): Edit =>
  (d) => {
    const o = object(d);
    o[to] = o[from];
    delete o[from];
  };

export const ASYNCAPI_CASES: RuleCase[] = [
  {
    id: 'channel-removed',
    kind: 'asyncapi',
    triggers: (d) => delete channels(d)['thingCreated'],
    compatible: renameKey(channels, 'thingCreated', 'thingsCreated'),
  },
  {
    id: 'channel-added',
    kind: 'asyncapi',
    triggers: (d) => void (channels(d)['thingDeleted'] = { address: 'things.deleted', messages: {} }),
    compatible: none,
  },
  {
    id: 'channel-address-changed',
    kind: 'asyncapi',
    triggers: (d) => void (at(channels(d), 'thingCreated')['address'] = 'things.made'),
    compatible: renameKey(channels, 'thingCreated', 'thingsCreated'),
  },
  {
    id: 'message-removed',
    kind: 'asyncapi',
    triggers: (d) => delete messages(d, 'thingCreated')['thingCreated'],
    compatible: renameKey((d) => messages(d, 'thingCreated'), 'thingCreated', 'created'),
  },
  {
    id: 'message-added',
    kind: 'asyncapi',
    triggers: (d) => void (messages(d, 'thingCreated')['thingRenamed'] = { name: 'thing.renamed', payload: { type: 'object' } }),
    compatible: none,
  },
  // A published event is a response for its subscribers; a received one is a request.
  {
    id: 'response-property-removed',
    kind: 'asyncapi',
    triggers: (d) => delete at(payload(d, 'thingCreated', 'thingCreated'), 'properties')['nickname'],
    compatible: (d) => void (at(payload(d, 'thingCreated', 'thingCreated'), 'properties')['weight'] = { type: 'number' }),
  },
  {
    id: 'request-property-added-required',
    kind: 'asyncapi',
    triggers: (d) => {
      const p = payload(d, 'thingOrdered', 'thingOrdered');
      at(p, 'properties')['weight'] = { type: 'number' };
      (p['required'] as string[]).push('weight');
    },
    compatible: (d) => {
      const p = payload(d, 'thingCreated', 'thingCreated');
      at(p, 'properties')['weight'] = { type: 'number' };
      (p['required'] as string[]).push('weight');
    },
  },
];
