import { describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from './verified-token-cache.ts';

describe('VerifiedTokenCache', () => {
  it('forgets a token once it expires', () => {
    const cache = new VerifiedTokenCache<string>(10);
    cache.set('a', 'A', 1000);
    expect(cache.get('a', 999)).toBe('A');
    expect(cache.get('a', 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used token, keeping one that is in use', () => {
    const cache = new VerifiedTokenCache<string>(4);
    cache.set('hot', 'H', Infinity);
    for (let i = 0; i < 20; i++) {
      cache.set(`cold-${i}`, 'C', Infinity);
      expect(cache.get('hot', 0)).toBe('H'); // used between every insertion: never evicted
    }
    expect(cache.size).toBe(4);
    expect(cache.get('cold-0', 0)).toBeUndefined();
    expect(cache.get('cold-19', 0)).toBe('C');
  });

  it('evicts the oldest entries first when none is used', () => {
    const cache = new VerifiedTokenCache<number>(3);
    for (let i = 0; i < 5; i++) cache.set(`t${i}`, i, Infinity);
    expect([0, 1, 2, 3, 4].map((i) => cache.get(`t${i}`, 0))).toEqual([undefined, undefined, 2, 3, 4]);
  });

  it('caches nothing with a size of 0', () => {
    const cache = new VerifiedTokenCache<string>(0);
    cache.set('a', 'A', Infinity);
    expect(cache.get('a', 0)).toBeUndefined();
  });
});
