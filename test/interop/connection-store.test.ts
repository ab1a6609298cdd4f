import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ConnectionStore } from '../../agent/connections.js';
import { nextErrorCounter } from '../../agent/health/error-counter.js';
import { RedisKeys } from '../../core/redis-keys.js';

// The error counter record's write on a real Redis: its script is a compare-and-set on the
// record it follows, and it never brings back the hash of a connection that is gone.

describe('ConnectionStore: the error counter record', () => {
  const peers = inject('peers');
  const redis = new Redis(peers.redis.url, { maxRetriesPerRequest: 1 });
  const keys = new RedisKeys(`store${Date.now()}`, 'events');
  const store = new ConnectionStore(redis, keys);
  const port = {
    connectionId: 'hc-store-1',
    device: 'sw1',
    port: 'XGE1/0/1',
    portType: '10GBASE-LR' as const,
  };

  afterAll(() => {
    redis.disconnect();
  });

  it('is written over the record it follows, refused over any other, and never for a connection that is gone', async () => {
    await store.add(port);
    const first = nextErrorCounter(undefined, 3, Date.UTC(2026, 0, 1))!;
    expect(await store.saveErrorCounter(port.connectionId, first, null)).toBe('saved');
    // A replica that still believes there is none is refused, and the record stays.
    const late = nextErrorCounter(undefined, 1, Date.UTC(2025, 0, 1))!;
    expect(await store.saveErrorCounter(port.connectionId, late, null)).toBe('stale');
    expect(await store.readErrorCounter(port.connectionId)).toEqual(first);
    const grown = nextErrorCounter(first, 9, Date.UTC(2026, 0, 2))!;
    expect(await store.saveErrorCounter(port.connectionId, grown, first.changedAt)).toBe('saved');
    expect((await store.get(port.connectionId))?.errors).toEqual(grown);

    await store.remove(port.connectionId);
    const after = nextErrorCounter(grown, 10, Date.UTC(2026, 0, 3))!;
    expect(await store.saveErrorCounter(port.connectionId, after, grown.changedAt)).toBe('gone');
    expect(await redis.exists(keys.connection(port.connectionId))).toBe(0);
  });

  it('a field that is not JSON leaves the connection listed, without a counter', async () => {
    const other = { ...port, connectionId: 'hc-store-2' };
    await store.add(other);
    await redis.hset(keys.connection(other.connectionId), 'errors', '{not json');
    const listed = (await store.list()).find((t) => t.record.connectionId === other.connectionId);
    expect(listed?.record).toMatchObject(other);
    expect(listed?.errors).toBeUndefined();
    // And a write over it starts afresh, as over no record.
    const first = nextErrorCounter(undefined, 0, Date.UTC(2026, 0, 1))!;
    expect(await store.saveErrorCounter(other.connectionId, first, null)).toBe('saved');
  });
});
