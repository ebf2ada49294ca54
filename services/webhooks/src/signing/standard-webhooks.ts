import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/): the receiver checks
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the bytes the secret's
 * base64 part (after `whsec_`) decodes to. Several signatures are space-separated, which is how a
 * rotated secret keeps working while partners switch.
 */
export const SECRET_PREFIX = 'whsec_';

/** 24 random bytes: the length Svix and the reference libraries generate. */
export function generateSecret(bytes = 24): string {
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('A webhook secret starts with whsec_');
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/** One `v1,<base64>` signature. */
export function signature(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.`).update(body).digest('base64')}`;
}

/** The `webhook-signature` header value: one signature per key, the newest first. */
export function signatureHeader(keys: readonly Buffer[], id: string, timestampSeconds: number, body: string): string {
  return keys.map((key) => signature(key, id, timestampSeconds, body)).join(' ');
}
