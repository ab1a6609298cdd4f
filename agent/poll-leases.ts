import { randomUUID } from 'node:crypto';
import { LogLimiter } from '../core/log-limit.js';
import type { Logger } from '../core/logger.js';
import type { RedisKeys } from '../core/redis-keys.js';
import type { RedisClient } from './redis.js';

// A device's lease names its holder, and it is good for as long as that holder's heartbeat is
// fresh: one heartbeat renews every lease a replica holds. Taken when free, or when its holder's
// heartbeat is older than a lease (the holder died or froze).
const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return 1 end
if holder then
  local beat = redis.call('ZSCORE', KEYS[2], holder)
  if beat and tonumber(beat) > tonumber(ARGV[3]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
const REFRESH = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * A lease key lives this many leases: only so that the key of a device nobody tracks any more goes
 * away. Its holder refreshes it every half of that, which costs a write per device every
 * ~20 intervals instead of one per device every half interval.
 */
const KEY_TTL_LEASES = 40;

/**
 * Spreads poll work across replicas: each device is polled by the replica holding its lease.
 * Every replica heartbeats into a sorted set, takes at most its fair share (devices / live
 * replicas), and gives back what is over its share so a new replica gets work. A lease is valid
 * while its holder's heartbeat is (see CLAIM), so a round costs a handful of commands however
 * many devices a replica holds: the heartbeat, and one MGET to see that nobody took one of ours.
 * A replica that dies stops heartbeating; after `leaseMs` the others take its devices on their
 * next claim.
 */
export class PollLeases {
  private readonly token: string;
  /** Devices held, with when their key's expiry was last pushed back. */
  private readonly owned = new Map<string, number>();
  private readonly keyTtlMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    agentId: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {
    this.token = `${agentId}/${randomUUID()}`;
    this.logLimit = new LogLimiter(logger);
    this.keyTtlMs = leaseMs * KEY_TTL_LEASES;
  }

  /** Looked at twice an interval: a Redis fault would log twice an interval without this. */
  private readonly logLimit: LogLimiter;

  /** Devices this replica polls now. Keeps the current set when Redis cannot be reached. */
  async claim(devices: readonly string[], now = Date.now()): Promise<ReadonlySet<string>> {
    try {
      const aliveAfter = now - this.leaseMs;
      await this.redis.zadd(this.keys.replicas, now, this.token);
      // A replica counts as live for one lease after its last heartbeat, the time its leases
      // outlive it too. A longer grace kept a dead replica in the fair-share count after its
      // leases had lapsed, so nobody took its devices (3 leases = 3 intervals unpolled).
      await this.redis.zremrangebyscore(this.keys.replicas, 0, aliveAfter);
      const replicas = Math.max(1, await this.redis.zcard(this.keys.replicas));
      const share = Math.ceil(devices.length / replicas);
      const wanted = new Set(devices);

      for (const d of [...this.owned.keys()]) if (!wanted.has(d)) this.owned.delete(d);
      await this.verify(now);
      for (const d of [...this.owned.keys()].slice(share)) await this.release(d);
      if (this.owned.size < share) await this.take(devices, share, now, aliveAfter);
    } catch (err) {
      // Nobody can take a lease while Redis is away, so polling what we hold stays single-owner.
      this.logLimit.warn(
        'acquire',
        { err: (err as Error).message },
        'poll leases: Redis unavailable, keeping current devices',
      );
    }
    return new Set(this.owned.keys());
  }

  /** Drops what another replica took (we froze past a lease), and pushes back due key expiries. */
  private async verify(now: number): Promise<void> {
    const held = [...this.owned.keys()];
    if (held.length === 0) return;
    const holders = await this.redis.mget(...held.map((d) => this.keys.pollLease(d)));
    const due: string[] = [];
    held.forEach((d, i) => {
      const holder = holders[i];
      if (holder === this.token) {
        if (now - (this.owned.get(d) ?? 0) >= this.keyTtlMs / 2) due.push(d);
      } else if (holder) this.owned.delete(d);
      // A key that expired (Redis away longer than its TTL) is taken again below.
      else this.owned.delete(d);
    });
    if (due.length === 0) return;
    const pipe = this.redis.pipeline();
    for (const d of due) pipe.eval(REFRESH, 1, this.keys.pollLease(d), this.token, this.keyTtlMs);
    const replies = (await pipe.exec()) ?? [];
    due.forEach((d, i) => {
      const [err, value] = replies[i] ?? [new Error('no reply'), 0];
      if (err) throw err;
      if (Number(value) === 1) this.owned.set(d, now);
      else this.owned.delete(d);
    });
  }

  /** Takes free devices, and those of replicas whose heartbeat stopped, up to the share. */
  private async take(
    devices: readonly string[],
    share: number,
    now: number,
    aliveAfter: number,
  ): Promise<void> {
    const free = devices.filter((d) => !this.owned.has(d));
    if (free.length === 0) return;
    // One read tells which devices are worth a try, so a replica below its share (uneven
    // division) does not send a claim per device every round.
    const holders = await this.redis.mget(...free.map((d) => this.keys.pollLease(d)));
    const live = new Set(await this.redis.zrangebyscore(this.keys.replicas, `(${aliveAfter}`, '+inf'));
    const candidates = free.filter((_, i) => {
      const holder = holders[i];
      // Our own token: a device we stopped wanting (no tracked port) keeps our key until it
      // expires; when it is wanted again it is ours to take back at once.
      return !holder || holder === this.token || !live.has(holder);
    });
    // Start at a random point so replicas do not all race for the same first devices.
    const start = Math.floor(Math.random() * Math.max(1, candidates.length));
    for (let i = 0; i < candidates.length && this.owned.size < share; i++) {
      const d = candidates[(start + i) % candidates.length] as string;
      const ok = await this.redis.eval(
        CLAIM,
        2,
        this.keys.pollLease(d),
        this.keys.replicas,
        this.token,
        this.keyTtlMs,
        aliveAfter,
      );
      if (Number(ok) === 1) this.owned.set(d, now);
    }
  }

  private async release(device: string): Promise<void> {
    this.owned.delete(device);
    await this.redis.eval(RELEASE, 1, this.keys.pollLease(device), this.token);
  }

  /** On shutdown: hand every device back at once instead of making the others wait for expiry. */
  async releaseAll(): Promise<void> {
    try {
      for (const d of [...this.owned.keys()]) await this.release(d);
      await this.redis.zrem(this.keys.replicas, this.token);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'poll leases: release failed; they will expire');
    }
  }
}
