import type { PublicEvent, PublicEventName } from '../generated/events.v1/public-events.ts';

/** Narrows a verified event to one type: `if (isEventType(event, 'order.placed')) event.data.lines`. */
export function isEventType<N extends PublicEventName>(event: PublicEvent, type: N): event is Extract<PublicEvent, { type: N }> {
  return event.type === type;
}
