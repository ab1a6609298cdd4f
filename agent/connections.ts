import { z } from 'zod';
import { PORT_TYPES } from '../contract/port-types.js';
import type { RedisKeys } from '../core/redis-keys.js';
import type { WatchedPort } from '../jobs/ports.js';
import type { StateWrite } from './events/outbox.js';
import type { RedisClient } from './redis.js';

/**
 * Tracked connections, persisted in Redis so any replica (or a restarted agent) resumes each one
 * where it was: the record says what to watch, the tracker field holds the health machine's state.
 */
export const connectionRecordSchema = z.strictObject({
  connectionId: z.string(),
  device: z.string(),
  port: z.string(),
  portType: z.enum(PORT_TYPES),
  /** When provisioning put it under watch (ISO). */
  since: z.string(),
});
export type ConnectionRecord = z.infer<typeof connectionRecordSchema>;

export interface TrackedConnection {
  record: ConnectionRecord;
  /** The health tracker's serialised state, or undefined before the first poll. */
  tracker: unknown;
}

export class ConnectionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** Starts tracking; a connection already tracked keeps its state (a re-provision is no reset). */
  async add(port: WatchedPort, now = new Date()): Promise<boolean> {
    const record: ConnectionRecord = { ...port, since: now.toISOString() };
    const created = await this.redis.hsetnx(
      this.keys.connection(port.connectionId),
      'record',
      JSON.stringify(record),
    );
    await this.redis.sadd(this.keys.trackedConnections, port.connectionId);
    await this.redis.incr(this.keys.trackedVersion);
    return created === 1;
  }

  async remove(connectionId: string): Promise<void> {
    await this.redis.srem(this.keys.trackedConnections, connectionId);
    await this.redis.del(this.keys.connection(connectionId));
    await this.redis.incr(this.keys.trackedVersion);
  }

  /** The same write as saveTracker, for the outbox to do atomically with the event it explains. */
  trackerWrite(connectionId: string, state: unknown): StateWrite {
    return {
      key: this.keys.connection(connectionId),
      field: 'tracker',
      value: JSON.stringify(state),
      onlyIfField: 'record',
    };
  }

  /** Changes whenever the tracked set does (null before the first connection, or after Redis lost its data). */
  version(): Promise<string | null> {
    return this.redis.get(this.keys.trackedVersion);
  }

  async saveTracker(connectionId: string, state: unknown): Promise<void> {
    // Only while the record exists: a deprovision that raced this poll must not resurrect it.
    await this.redis.eval(
      `if redis.call('HEXISTS', KEYS[1], 'record') == 1 then return redis.call('HSET', KEYS[1], 'tracker', ARGV[1]) else return 0 end`,
      1,
      this.keys.connection(connectionId),
      JSON.stringify(state),
    );
  }

  async list(): Promise<TrackedConnection[]> {
    const ids = await this.redis.smembers(this.keys.trackedConnections);
    const out: TrackedConnection[] = [];
    // Pipelined in pages, so ten thousand connections cost a few round trips, not ten thousand.
    for (let i = 0; i < ids.length; i += 500) {
      const page = ids.slice(i, i + 500);
      const pipe = this.redis.pipeline();
      for (const id of page) pipe.hmget(this.keys.connection(id), 'record', 'tracker');
      const replies = (await pipe.exec()) ?? [];
      replies.forEach(([err, value]) => {
        if (err) return;
        const [record, tracker] = value as [string | null, string | null];
        if (!record) return;
        const parsed = connectionRecordSchema.safeParse(JSON.parse(record));
        if (!parsed.success) return;
        out.push({ record: parsed.data, tracker: tracker ? JSON.parse(tracker) : undefined });
      });
    }
    return out;
  }
}
