import { randomUUID } from 'node:crypto';
import type { components } from '@concord/contracts/generated/webhooks.v1/types.ts';
import type { AttemptResult, WebhookSender } from '../dispatcher/send.ts';
import { secretKey } from '../signing/standard-webhooks.ts';

type WebhookTestResult = components['schemas']['WebhookTestResult'];

/**
 * A `webhook.test` CloudEvent sent to one endpoint at once, signed like every message, for a
 * partner to check its URL and signature verification on day one (as Stripe's and Svix's test
 * events do). Never retried and not recorded as a delivery: it is the partner's own probe.
 */
export async function sendTestEvent(
  sender: WebhookSender,
  target: { subscriptionId: string; url: string; secrets: readonly string[] },
  now: Date,
): Promise<WebhookTestResult> {
  const id = randomUUID();
  const event: WebhookTestResult['event'] = {
    specversion: '1.0',
    id,
    type: 'webhook.test',
    source: '/webhooks',
    time: now.toISOString(),
    datacontenttype: 'application/json',
    data: { subscription_id: target.subscriptionId, message: 'This is a test event sent from the Concord API.' },
  };
  const result: AttemptResult = await sender.send({
    url: target.url,
    messageId: id,
    body: JSON.stringify(event),
    keys: target.secrets.map(secretKey),
  });
  return {
    message_id: id,
    event,
    attempt: {
      attempt: 1,
      started_at: result.startedAt.toISOString(),
      duration_ms: result.durationMs,
      outcome: result.outcome,
      status_code: result.statusCode,
      error: result.error,
    },
  };
}
