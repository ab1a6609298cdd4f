import type { RedisKeys } from '../core/redis-keys.js';
import type { NetconfLockRecords } from '../drivers/netconf/transaction.js';

/** The slice of an ioredis client the records need (standalone or cluster). */
export interface LockRecordsRedis {
  hset(key: string, field: string, value: string): Promise<number>;
  hget(key: string, field: string): Promise<string | null>;
  get(key: string): Promise<string | null>;
  pexpire(key: string, ms: number): Promise<number>;
}

interface Entry {
  /** The device lease token the session ran under. */
  lease: string;
  at: string;
}

/**
 * NETCONF lock holders in Redis: for each device, which device lease each session that took a
 * lock ran under. A session whose lease token is no longer the device's lease belongs to a holder
 * that lost it (a host that froze or was cut off) and writes nothing legitimate any more.
 */
export class RedisNetconfLocks implements NetconfLockRecords {
  constructor(
    private readonly redis: LockRecordsRedis,
    private readonly keys: RedisKeys,
    /** How long a device's records outlive its last lock (sessions that old are long gone). */
    private readonly keepMs: number,
  ) {}

  async record(deviceId: string, sessionId: number, lease: string): Promise<void> {
    const key = this.keys.netconfLockSessions(deviceId);
    const entry: Entry = { lease, at: new Date().toISOString() };
    await this.redis.hset(key, String(sessionId), JSON.stringify(entry));
    await this.redis.pexpire(key, this.keepMs);
  }

  async isStale(deviceId: string, sessionId: number): Promise<boolean> {
    const raw = await this.redis.hget(this.keys.netconfLockSessions(deviceId), String(sessionId));
    if (!raw) return false;
    let entry: Partial<Entry>;
    try {
      entry = JSON.parse(raw) as Partial<Entry>;
    } catch {
      return false;
    }
    if (typeof entry.lease !== 'string') return false;
    const holder = await this.redis.get(this.keys.deviceLock(deviceId));
    return holder !== entry.lease;
  }
}
