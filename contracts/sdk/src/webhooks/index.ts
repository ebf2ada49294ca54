export {
  verifyWebhook,
  WebhookVerificationError,
  type VerifyWebhookOptions,
  type WebhookHeaders,
  type WebhookVerificationFailure,
} from './verify.ts';
export { isEventType } from './events.ts';
export { publicEventNames, publicEventTitles, type PublicEvent, type PublicEventName } from '../generated/events.v1/public-events.ts';
export type { EventData, EventEnvelope, EventEnvelopes, EventName } from '../generated/events.v1/types.ts';
