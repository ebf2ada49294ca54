import { publicEventNames, type PublicEvent } from '../generated/events.v1/public-events.ts';

/** Request headers as a Fetch `Headers`, or as Node's `IncomingMessage.headers`. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /** The request body exactly as received, before any JSON parsing. */
  payload: string | Uint8Array;
  headers: WebhookHeaders;
  /** The endpoint's signing secret, `whsec_<base64>`; several while a secret is being rotated. */
  secret: string | readonly string[];
  /** How far `webhook-timestamp` may be from now, in seconds, either way. Default 300. */
  toleranceSeconds?: number;
  /** Epoch ms; for tests. */
  now?: () => number;
}

export type WebhookVerificationFailure =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_out_of_tolerance'
  | 'invalid_secret'
  | 'no_matching_signature'
  | 'invalid_payload'
  | 'unknown_event_type';

export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: WebhookVerificationFailure,
    message: string,
    /** For `unknown_event_type` only: the signature was valid, the event is newer than this SDK. */
    readonly event?: unknown,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

const encoder = new TextEncoder();

/**
 * Verifies a webhook per Standard Webhooks and returns its CloudEvent, typed by the AsyncAPI
 * contract. The signature (`webhook-signature: v1,<base64>`, several separated by spaces) is an
 * HMAC-SHA256 with the secret's bytes over `${webhook-id}.${webhook-timestamp}.${body}`; it is
 * compared in constant time, and a timestamp outside the tolerance is refused so a captured
 * request cannot be replayed later. Throws WebhookVerificationError; answer 4xx then.
 *
 * Deliveries are at least once: de-duplicate by `event.id` (equal to `webhook-id`).
 */
export async function verifyWebhook(options: VerifyWebhookOptions): Promise<PublicEvent> {
  const id = header(options.headers, 'webhook-id');
  const timestamp = header(options.headers, 'webhook-timestamp');
  const signatures = header(options.headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError('missing_headers', 'webhook-id, webhook-timestamp and webhook-signature are required');
  }
  if (!/^\d{1,15}$/.test(timestamp))
    throw new WebhookVerificationError('invalid_timestamp', `webhook-timestamp ${JSON.stringify(timestamp)} is not a Unix time in seconds`);
  const tolerance = options.toleranceSeconds ?? 300;
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError('timestamp_out_of_tolerance', `webhook-timestamp is more than ${tolerance} s away from now`);
  }

  const body = typeof options.payload === 'string' ? encoder.encode(options.payload) : options.payload;
  const signed = concat(encoder.encode(`${id}.${timestamp}.`), body);
  const candidates = signatures
    .split(' ')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1,'))
    .map((s) => base64ToBytes(s.slice(3)))
    .filter((b): b is Uint8Array => b !== undefined);

  let matched = false;
  for (const secret of typeof options.secret === 'string' ? [options.secret] : options.secret) {
    const expected = await hmacSha256(secretBytes(secret), signed);
    // Every candidate is compared, matched or not, so the time taken does not say which one matched.
    for (const candidate of candidates) matched = timingSafeEqual(expected, candidate) || matched;
  }
  if (!matched) throw new WebhookVerificationError('no_matching_signature', 'no v1 signature matches the payload and secret');

  let event: unknown;
  try {
    event = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new WebhookVerificationError('invalid_payload', 'the payload is not JSON');
  }
  if (!isCloudEvent(event))
    throw new WebhookVerificationError('invalid_payload', 'the payload is not a CloudEvent 1.0 (specversion, id, type, source)');
  if (!(publicEventNames as readonly string[]).includes(event.type)) {
    throw new WebhookVerificationError(
      'unknown_event_type',
      `event type ${event.type} is newer than this SDK; acknowledge it and upgrade`,
      event,
    );
  }
  return event as PublicEvent;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value.join(' ') : value;
}

function secretBytes(secret: string): Uint8Array {
  const bytes = base64ToBytes(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
  if (!bytes || bytes.length === 0) throw new WebhookVerificationError('invalid_secret', 'the secret must be whsec_ followed by base64');
  return bytes;
}

async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await globalThis.crypto.subtle.importKey(
    'raw',
    key as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', cryptoKey, data as Uint8Array<ArrayBuffer>));
}

function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function base64ToBytes(value: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  try {
    const binary = atob(value);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function isCloudEvent(value: unknown): value is { specversion: string; id: string; type: string; source: string } {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return v.specversion === '1.0' && typeof v.id === 'string' && typeof v.type === 'string' && typeof v.source === 'string';
}
