import { describe, expect, it } from 'vitest';
import { LruCache } from '../../../../drivers/snmp/lru-cache.js';

describe('LruCache', () => {
  it('keeps at most its limit, dropping the least recently used, so a busy key survives churn', () => {
    const cache = new LruCache<string, number>(32);
    cache.set('busy', 0);
    for (let i = 1; i <= 60; i++) {
      cache.set(`set-${i}`, i);
      expect(cache.get('busy')).toBe(0);
    }
    expect(cache.size).toBe(32);
    expect(cache.get('set-1')).toBeUndefined();
    expect(cache.get('set-60')).toBe(60);
  });

  it('replacing a key does not grow it', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('a', 2);
    cache.set('b', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBe(2);
  });
});
