import { randomUUID } from 'node:crypto';
import { DcAgentError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RedisKeys } from '../core/redis-keys.js';

/** The slice of an ioredis client the lock needs (standalone or cluster). */
export interface LockRedis {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

// Compare-and-act scripts: only the holder of the token may extend or release the lease.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface HeldLock {
  readonly deviceId: string;
  readonly token: string;
  /** Aborts when the lease is lost (renewal failed or someone else holds it): stop touching the device. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

/**
 * One writer per device across every replica: a Redis lease (SET NX PX) renewed at a third of
 * its length while held. A holder that dies simply stops renewing, and the lease lapses.
 */
export class DeviceLock {
  constructor(
    private readonly redis: LockRedis,
    private readonly keys: RedisKeys,
    private readonly leaseMs: number,
    private readonly logger: Logger,
    /** Who holds it, for operators reading the key: `<agent id>/<job id>`. */
    private readonly ownerPrefix: string,
  ) {}

  /** Takes the lease, or returns undefined when another job holds it. */
  async tryAcquire(deviceId: string, owner: string): Promise<HeldLock | undefined> {
    const key = this.keys.deviceLock(deviceId);
    const token = `${this.ownerPrefix}/${owner}/${randomUUID()}`;
    const ok = await this.redis.set(key, token, 'PX', this.leaseMs, 'NX');
    if (ok !== 'OK') return undefined;

    const controller = new AbortController();
    let released = false;
    const renew = async () => {
      try {
        const extended = await this.redis.eval(RENEW, 1, key, token, this.leaseMs);
        if (Number(extended) !== 1 && !released) {
          this.logger.error({ deviceId }, 'device lock lost to another holder');
          controller.abort(new Error(`device lock for ${deviceId} was lost`));
        }
      } catch (err) {
        // A renewal that cannot reach Redis may still land before expiry; give up only when
        // the lease has surely lapsed, which the next failures will tell.
        this.logger.warn({ deviceId, err: (err as Error).message }, 'device lock renewal failed');
        if (Date.now() - lastRenewed > this.leaseMs && !released) {
          controller.abort(
            new DcAgentError(
              'backend-unavailable',
              `device lock for ${deviceId} expired while Redis was unreachable`,
            ),
          );
        }
        return;
      }
      lastRenewed = Date.now();
    };
    let lastRenewed = Date.now();
    const timer = setInterval(() => void renew(), Math.max(250, Math.floor(this.leaseMs / 3)));
    timer.unref();

    return {
      deviceId,
      token,
      lost: controller.signal,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        try {
          await this.redis.eval(RELEASE, 1, key, token);
        } catch (err) {
          // The lease runs out by itself; a failed release only delays the next job by leaseMs.
          this.logger.warn(
            { deviceId, err: (err as Error).message },
            'device lock release failed; it will expire',
          );
        }
      },
    };
  }
}
