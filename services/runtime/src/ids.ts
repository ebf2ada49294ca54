import { randomBytes, randomUUID } from 'node:crypto';

/** Makes identifiers: `prefixed('cus')` for resources, `uuid()` for event ids. Injected so tests can predict them. */
export interface IdGenerator {
  prefixed(prefix: string): string;
  uuid(): string;
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 16 base62 characters (~95 bits): fits the contracts' `<prefix>_[0-9A-Za-z]{8,32}` patterns. */
function base62(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  // Rejection sampling keeps every character equally likely.
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    const byte = bytes[i]!;
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out.length === length ? out : out + base62(length - out.length);
}

export const randomIds: IdGenerator = {
  prefixed: (prefix) => `${prefix}_${base62(16)}`,
  uuid: () => randomUUID(),
};
