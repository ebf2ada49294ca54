import { createHash } from 'node:crypto';
import { GatewayError } from '../../errors.ts';

/**
 * The Idempotency-Key value is an RFC 8941 sf-string in the IETF draft (`"8e03978e-..."`); clients
 * also send it bare, as the contract's example does. Either way: 1-255 printable ASCII characters.
 */
const KEY = /^[\x21-\x7e]{1,255}$/;

export function parseIdempotencyKey(raw: string): string {
  let value = raw.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(["\\])/g, '$1');
  if (!KEY.test(value)) {
    throw new GatewayError(
      'IDEMPOTENCY_KEY_INVALID',
      'The Idempotency-Key header must be 1 to 255 printable ASCII characters without spaces.',
      {
        errors: [{ pointer: '/headers/Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' }],
      },
    );
  }
  return value;
}

/**
 * What makes two requests "the same" for a key: method, path with query, content type and the
 * exact body bytes. A retry that changes any of them is a different request (422).
 */
export function requestFingerprint(
  method: string,
  pathAndQuery: string,
  contentType: string | undefined,
  body: Uint8Array | null | undefined,
): string {
  const hash = createHash('sha256');
  hash.update(`${method.toUpperCase()}\n${pathAndQuery}\n${contentType ?? ''}\n`);
  if (body) hash.update(body);
  return hash.digest('base64url');
}
