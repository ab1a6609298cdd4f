import { randomUUID } from 'node:crypto';
import { LogLimiter } from '../core/log-limit.js';
import type { Logger } from '../core/logger.js';
import type { RedisKeys } from '../core/redis-keys.js';
import type { RedisClient } from './redis.js';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Spreads poll work across replicas: each device is polled by the replica holding its lease.
 * Every replica heartbeats into a sorted set, takes at most its fair share (devices / live
 * replicas), renews what it holds, and gives back what is over its share so a new replica gets
 * work. A replica that dies stops renewing; its leases lapse after `leaseMs` and the others take
 * them on their next claim.
 */
export class PollLeases {
  private readonly token: string;
  private readonly owned = new Set<string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    agentId: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {
    this.token = `${agentId}/${randomUUID()}`;
    this.logLimit = new LogLimiter(logger);
  }

  /** Looked at twice an interval: a Redis fault would log twice an interval without this. */
  private readonly logLimit: LogLimiter;

  /** Devices this replica polls now. Keeps the current set when Redis cannot be reached. */
  async claim(devices: readonly string[], now = Date.now()): Promise<ReadonlySet<string>> {
    try {
      await this.redis.zadd(this.keys.replicas, now, this.token);
      // A replica counts as live for one lease after its last heartbeat, the time its leases
      // outlive it too. A longer grace kept a dead replica in the fair-share count after its
      // leases had lapsed, so nobody took its devices (3 leases = 3 intervals unpolled).
      await this.redis.zremrangebyscore(this.keys.replicas, 0, now - this.leaseMs);
      const replicas = Math.max(1, await this.redis.zcard(this.keys.replicas));
      const share = Math.ceil(devices.length / replicas);
      const wanted = new Set(devices);

      // One pipelined round trip renews every lease held, however many devices that is.
      for (const d of [...this.owned]) if (!wanted.has(d)) this.owned.delete(d);
      const held = [...this.owned];
      if (held.length > 0) {
        const pipe = this.redis.pipeline();
        for (const d of held) pipe.eval(RENEW, 1, this.keys.pollLease(d), this.token, this.leaseMs);
        const replies = (await pipe.exec()) ?? [];
        held.forEach((d, i) => {
          const [err, value] = replies[i] ?? [new Error('no reply'), 0];
          if (err) throw err;
          if (Number(value) !== 1) this.owned.delete(d);
        });
      }
      for (const d of [...this.owned].slice(share)) await this.release(d);

      if (this.owned.size < share) {
        // Start at a random point so replicas do not all race for the same first devices.
        const start = Math.floor(Math.random() * Math.max(1, devices.length));
        for (let i = 0; i < devices.length && this.owned.size < share; i++) {
          const d = devices[(start + i) % devices.length] as string;
          if (this.owned.has(d)) continue;
          const ok = await this.redis.set(this.keys.pollLease(d), this.token, 'PX', this.leaseMs, 'NX');
          if (ok === 'OK') this.owned.add(d);
        }
      }
    } catch (err) {
      // Nobody can take a lease while Redis is away, so polling what we hold stays single-owner.
      this.logLimit.warn(
        'acquire',
        { err: (err as Error).message },
        'poll leases: Redis unavailable, keeping current devices',
      );
    }
    return this.owned;
  }

  private async release(device: string): Promise<void> {
    this.owned.delete(device);
    await this.redis.eval(RELEASE, 1, this.keys.pollLease(device), this.token);
  }

  /** On shutdown: hand every device back at once instead of making the others wait for expiry. */
  async releaseAll(): Promise<void> {
    try {
      for (const d of [...this.owned]) await this.release(d);
      await this.redis.zrem(this.keys.replicas, this.token);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'poll leases: release failed; they will expire');
    }
  }
}
