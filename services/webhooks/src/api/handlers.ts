import { eventCatalog } from '@concord/contracts/generated/events.v1/catalog.ts';
import type { WebhooksV1Handlers } from '@concord/contracts/generated/webhooks.v1/server.ts';
import { ProblemError, type FieldError } from '@concord/contracts/src/problem.ts';
import type { IdGenerator } from '@concord/service-runtime/src/ids.ts';
import { publicEventNames } from '../dispatcher/fan-out.ts';
import type { WebhookSender } from '../dispatcher/send.ts';
import { generateSecret } from '../signing/standard-webhooks.ts';
import { InvalidCursorError, type SubscriptionStore } from '../store/subscription-store.ts';
import { endpointUrlProblem } from '../subscriptions/endpoint-url.ts';
import type { PartnerVariables } from './partner.ts';
import { sendTestEvent } from './test-event.ts';

export type WebhooksEnv = { Variables: PartnerVariables };

export interface HandlerDeps {
  store: SubscriptionStore;
  ids: IdGenerator;
  production: boolean;
  blockPrivateNetworks?: boolean;
  blockedHosts?: readonly string[];
  /** How long the previous secret keeps signing after a rotation. */
  secretOverlapMs: number;
  /** Prefix of the Location header, as clients see the API (behind the gateway: `/v1`). */
  publicBasePath: string;
  /** New deliveries were queued (replay): wake the dispatcher. */
  onQueued?: () => void;
  /** Sends test events (the same guard against private networks as deliveries). */
  testSender: () => WebhookSender;
  now?: () => Date;
}

const publicNames = new Set<string>(publicEventNames);

function notFound(what: string): ProblemError {
  return new ProblemError('not-found', `${what} does not exist.`);
}

function unprocessable(errors: FieldError[]): ProblemError {
  return new ProblemError('invalid-subscription', `The subscription is not acceptable: ${errors.map((e) => e.pointer).join(', ')}`, {
    errors,
  });
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof InvalidCursorError)
      throw new ProblemError('validation-error', err.message, { errors: [{ pointer: '/query/cursor', message: err.message }] });
    throw err;
  }
}

export function createWebhooksHandlers(deps: HandlerDeps): WebhooksV1Handlers<WebhooksEnv> {
  const { store } = deps;

  async function owned(partner: string, id: string) {
    const sub = await store.get(partner, id);
    if (!sub) throw notFound(`Subscription ${id}`);
    return sub;
  }

  return {
    async listWebhookEventTypes() {
      return {
        status: 200,
        body: { data: publicEventNames.map((name) => ({ name, title: eventCatalog[name].title, summary: eventCatalog[name].summary })) },
      };
    },

    async listWebhookSubscriptions({ query }, c) {
      return { status: 200, body: await guard(() => store.list(c.get('partner'), query.limit ?? 20, query.cursor)) };
    },

    async createWebhookSubscription({ body }, c) {
      const errors: FieldError[] = [];
      const urlProblem = endpointUrlProblem(body.url, {
        production: deps.production,
        blockPrivateNetworks: deps.blockPrivateNetworks ?? true,
        blockedHosts: deps.blockedHosts ?? [],
      });
      if (urlProblem) errors.push({ pointer: '/body/url', message: urlProblem });
      body.event_types.forEach((type, i) => {
        if (!publicNames.has(type))
          errors.push({ pointer: `/body/event_types/${i}`, message: `${type} is not a public event type (see GET /webhooks/event-types)` });
      });
      if (errors.length > 0) throw unprocessable(errors);
      const secret = generateSecret();
      const sub = await store.create({
        id: deps.ids.prefixed('whs'),
        partner: c.get('partner'),
        url: body.url,
        eventTypes: body.event_types,
        description: body.description ?? null,
        secret,
      });
      return { status: 201, body: { ...sub, secret }, headers: { location: `${deps.publicBasePath}/webhooks/subscriptions/${sub.id}` } };
    },

    async getWebhookSubscription({ params }, c) {
      return { status: 200, body: await owned(c.get('partner'), params.subscriptionId) };
    },

    async deleteWebhookSubscription({ params }, c) {
      if (!(await store.remove(c.get('partner'), params.subscriptionId))) throw notFound(`Subscription ${params.subscriptionId}`);
      return { status: 204 };
    },

    async pauseWebhookSubscription({ params }, c) {
      const sub = await store.setStatus(c.get('partner'), params.subscriptionId, 'paused');
      if (!sub) throw notFound(`Subscription ${params.subscriptionId}`);
      return { status: 200, body: sub };
    },

    async resumeWebhookSubscription({ params }, c) {
      const sub = await store.setStatus(c.get('partner'), params.subscriptionId, 'active');
      if (!sub) throw notFound(`Subscription ${params.subscriptionId}`);
      deps.onQueued?.();
      return { status: 200, body: sub };
    },

    async rotateWebhookSecret({ params }, c) {
      const secret = generateSecret();
      const rotated = await store.rotateSecret(c.get('partner'), params.subscriptionId, secret, deps.secretOverlapMs);
      if (!rotated) throw notFound(`Subscription ${params.subscriptionId}`);
      return { status: 200, body: { secret, previous_secret_expires_at: rotated.expiresAt.toISOString() } };
    },

    async sendWebhookTestEvent({ params }, c) {
      const now = deps.now?.() ?? new Date();
      const target = await deps.store.signingTarget(c.get('partner'), params.subscriptionId, now);
      if (!target) throw notFound(`Subscription ${params.subscriptionId}`);
      return { status: 200, body: await sendTestEvent(deps.testSender(), { subscriptionId: params.subscriptionId, ...target }, now) };
    },

    async listWebhookDeliveries({ params, query }, c) {
      await owned(c.get('partner'), params.subscriptionId);
      return {
        status: 200,
        body: await guard(() => store.listDeliveries(params.subscriptionId, query.limit ?? 20, query.status, query.cursor)),
      };
    },

    async listWebhookDeliveryAttempts({ params }, c) {
      await owned(c.get('partner'), params.subscriptionId);
      const attempts = await store.listAttempts(params.subscriptionId, params.deliveryId);
      if (!attempts) throw notFound(`Delivery ${params.deliveryId}`);
      return { status: 200, body: { data: attempts } };
    },

    async replayWebhookMessages({ params, body }, c) {
      await owned(c.get('partner'), params.subscriptionId);
      const selector = 'message_id' in body ? { messageId: body.message_id } : { since: new Date(body.since) };
      const replayed = await store.replay(params.subscriptionId, selector);
      if ('messageId' in selector && replayed === 0) throw notFound(`Message ${selector.messageId} of this subscription`);
      if (replayed > 0) deps.onQueued?.();
      return { status: 202, body: { replayed } };
    },
  };
}
