import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSecret, secretKey, signature, signatureHeader } from './standard-webhooks.ts';

describe('Standard Webhooks signing', () => {
  it('matches the specification example', () => {
    // From the Standard Webhooks specification's test vectors.
    const key = secretKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const body = '{"test": 2432232314}';
    expect(signature(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs with every key, newest first, space-separated', () => {
    const [a, b] = [generateSecret(), generateSecret()].map(secretKey);
    const header = signatureHeader([a!, b!], 'id1', 10, 'x');
    const parts = header.split(' ');
    expect(parts).toHaveLength(2);
    expect(parts[1]).toBe(`v1,${createHmac('sha256', b!).update('id1.10.x').digest('base64')}`);
  });

  it('makes whsec_ secrets of 24 random bytes', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(secretKey(secret)).toHaveLength(24);
    expect(() => secretKey('nope')).toThrow(/whsec_/);
  });
});
