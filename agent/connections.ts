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

/** Hash field beside `tracker` holding its version, so the scripts compare without decoding JSON. */
const TRACKER_VERSION_FIELD = 'trackerVer';

// Only while the record exists (a deprovision that raced this poll must not resurrect it), and
// only over an older or equal version (a newer one is another replica's later word).
const SAVE_TRACKER = `
if redis.call('HEXISTS', KEYS[1], 'record') == 0 then return 0 end
local stored = tonumber(redis.call('HGET', KEYS[1], ARGV[4]) or '0') or 0
if stored > tonumber(ARGV[2]) then return -1 end
redis.call('HSET', KEYS[1], 'tracker', ARGV[1], ARGV[4], ARGV[3])
return 1
`;

/**
 * The error counter record beside the tracker state: written only while the connection is still
 * tracked (0), and only over the record it follows, named by its changedAt ('' for none), so a
 * replica that polled late cannot put an older record back (-1).
 */
const SAVE_ERROR_COUNTER = `
if redis.call('HEXISTS', KEYS[1], 'record') == 0 then return 0 end
local stored = redis.call('HGET', KEYS[1], 'errors')
local at = ''
if stored then
  local ok, doc = pcall(cjson.decode, stored)
  if ok and type(doc) == 'table' and type(doc.changedAt) == 'string' then at = doc.changedAt end
end
if at ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[1], 'errors', ARGV[1])
return 1
`;

export type SaveOutcome = 'saved' | 'stale' | 'gone';

/** What the store needs of a tracker state: its version. */
export interface VersionedState {
  readonly ver: number;
}

export interface TrackedConnection {
  record: ConnectionRecord;
  /** The health tracker's serialised state, or undefined before the first poll. */
  tracker: unknown;
  /** The port's input error counter as last written (agent/health/error-counter.ts), if any. */
  errors?: unknown;
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
    // Its optics baseline and history describe this connection only; a re-provision starts afresh.
    await this.redis.del(
      this.keys.opticsBaseline(connectionId),
      this.keys.opticsHistory(connectionId),
      this.keys.opticsTrend(connectionId),
    );
    await this.redis.incr(this.keys.trackedVersion);
  }

  /**
   * The same write as saveTracker, for the outbox to do atomically with the event it explains.
   * `write: false` only checks the version (a step's earlier events; its last one writes).
   */
  trackerWrite(connectionId: string, state: VersionedState, base: number, write = true): StateWrite {
    return {
      key: this.keys.connection(connectionId),
      field: 'tracker',
      value: JSON.stringify(state),
      onlyIfField: 'record',
      version: { field: TRACKER_VERSION_FIELD, base, next: state.ver, write },
    };
  }

  /** Changes whenever the tracked set does (null before the first connection, or after Redis lost its data). */
  version(): Promise<string | null> {
    return this.redis.get(this.keys.trackedVersion);
  }

  /**
   * Saves the state derived from version `base`. 'stale' when Redis holds a newer one: another
   * replica moved this connection on meanwhile, and this replica's copy must be re-read, not saved.
   */
  async saveTracker(connectionId: string, state: VersionedState, base: number): Promise<SaveOutcome> {
    const reply = await this.redis.eval(
      SAVE_TRACKER,
      1,
      this.keys.connection(connectionId),
      JSON.stringify(state),
      String(base),
      String(state.ver),
      TRACKER_VERSION_FIELD,
    );
    return Number(reply) === 1 ? 'saved' : Number(reply) === -1 ? 'stale' : 'gone';
  }

  /**
   * The port's error counter record, over the one whose changedAt is `follows` (null: none yet).
   * 'stale' when Redis holds another (another replica wrote it); 'gone' when no longer tracked.
   */
  async saveErrorCounter(
    connectionId: string,
    value: { changedAt: string },
    follows: string | null,
  ): Promise<SaveOutcome> {
    const reply = await this.redis.eval(
      SAVE_ERROR_COUNTER,
      1,
      this.keys.connection(connectionId),
      JSON.stringify(value),
      follows ?? '',
    );
    return Number(reply) === 1 ? 'saved' : Number(reply) === -1 ? 'stale' : 'gone';
  }

  /** The port's error counter record as stored, unparsed (undefined when absent or unreadable). */
  async readErrorCounter(connectionId: string): Promise<unknown> {
    return safeJson(await this.redis.hget(this.keys.connection(connectionId), 'errors'));
  }

  /** One connection as stored (undefined when it is no longer tracked). */
  async get(connectionId: string): Promise<TrackedConnection | undefined> {
    const fields = await this.redis.hmget(this.keys.connection(connectionId), ...STORED_FIELDS);
    return fromFields(fields);
  }

  async list(): Promise<TrackedConnection[]> {
    const out: TrackedConnection[] = [];
    for await (const page of this.pages()) out.push(...page);
    return out;
  }

  /**
   * Every tracked connection, a page at a time: pipelined, so ten thousand connections cost a few
   * round trips, not ten thousand, and a reader that keeps little of each holds one page at once.
   */
  async *pages(size = 500): AsyncGenerator<TrackedConnection[]> {
    const ids = await this.redis.smembers(this.keys.trackedConnections);
    for (let i = 0; i < ids.length; i += size) {
      const page = ids.slice(i, i + size);
      const pipe = this.redis.pipeline();
      for (const id of page) pipe.hmget(this.keys.connection(id), ...STORED_FIELDS);
      const replies = (await pipe.exec()) ?? [];
      const out: TrackedConnection[] = [];
      for (const [err, value] of replies) {
        const tracked = err ? undefined : fromFields(value as (string | null)[]);
        if (tracked) out.push(tracked);
      }
      yield out;
    }
  }
}

const STORED_FIELDS = ['record', 'tracker', 'errors'] as const;

/** JSON text as data; undefined for none or for text that is not JSON. */
function safeJson(text: string | null | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A connection from its hash's STORED_FIELDS; undefined without a valid record. The error counter
 * is only a reading for display: if it cannot be read it is left out, and the next read rewrites it.
 */
function fromFields([record, tracker, errors]: readonly (string | null | undefined)[]):
  | TrackedConnection
  | undefined {
  if (!record) return undefined;
  const parsed = connectionRecordSchema.safeParse(JSON.parse(record));
  if (!parsed.success) return undefined;
  const errorsDoc = safeJson(errors);
  return {
    record: parsed.data,
    tracker: tracker ? JSON.parse(tracker) : undefined,
    ...(errorsDoc !== undefined ? { errors: errorsDoc } : {}),
  };
}
