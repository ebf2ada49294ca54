import { describe, expect, it } from 'vitest';
import { withTimeout } from './with-timeout.ts';

describe('withTimeout', () => {
  it('settles at the deadline even when the call ignores its signal', async () => {
    let aborted = false;
    const never = (signal: AbortSignal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise<never>(() => {});
    };
    await expect(withTimeout(20, never)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(aborted).toBe(true);
  });

  it('passes through what the call resolves or rejects with before the deadline', async () => {
    await expect(withTimeout(1000, async () => 42)).resolves.toBe(42);
    await expect(withTimeout(1000, async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  });
});
