/**
 * Partner API keys: `ck_live_` and 43 base64url characters (256 random bits). The fixed prefix lets
 * secret scanners (GitHub's, gitleaks, trufflehog) find a leaked key with one pattern,
 * `ck_live_[A-Za-z0-9_-]{43}`, and lets people tell a Concord key from others at a glance.
 *
 * Only `sha256:<base64url digest>` is stored. A fast hash is enough here, unlike for client secrets
 * and passwords (scrypt): a slow hash only helps when the secret is guessable, and 256 random bits
 * cannot be searched whatever the hash costs, while a per-request scrypt would cost milliseconds of
 * CPU on every call. Lookup is by the digest in a Map, so nothing is compared byte by byte on the
 * key itself and timing tells nothing about which keys exist.
 */
import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'ck_live_';
const API_KEY = /^ck_live_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** Whether the text has the shape of a Concord API key (not whether it is valid). */
export function isApiKeyShaped(text: string): boolean {
  return API_KEY.test(text);
}

export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('base64url')}`;
}
