// Over 400 lines: one class, the outbox (dedupe, numbering and XADD in one script, the spill file and its flush), kept whole.
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { Counter, Gauge } from 'prom-client';
import {
  type DcEvent,
  type EventData,
  type EventType,
  eventSchema,
  failedTypeFor,
  subjectSchema,
} from '../../contract/events.js';
import { EventRefusedError } from '../../core/errors.js';
import { LogLimiter } from '../../core/log-limit.js';
import type { Logger } from '../../core/logger.js';
import type { RedisClient } from '../../core/redis-client.js';
import type { RedisKeys } from '../../core/redis-keys.js';

/**
 * The events outbox: at-least-once delivery to the Redis stream with stable ids and a contiguous
 * per-subject sequence.
 *
 * With Redis up, one Lua script dedupes the id, takes the next sequence and appends to the stream
 * atomically, so there is no window in which an event is numbered but not written. With Redis
 * away, events go to a local append-only spill file (fsynced) and are flushed in order when Redis
 * returns, also after a restart. Sequences are given at write time, so they stay contiguous even
 * for events that waited in the spill; a redelivered event (crash mid-flush, retried job) finds
 * its id already published and is not written again.
 *
 * Two things travel with each event, in Redis and in the spill file alike:
 * - a floor: the highest sequence this outbox has seen for the subject. A Redis that comes back
 *   empty (no persistence, failover to an empty replica) has lost the counter with the stream;
 *   without the floor a consumer that read 1..n before would get 1, 2, … again and could take
 *   the new facts for old ones. With it the numbering continues at n+1.
 * - optionally a hash field written by the same script (the monitor's tracker state), so state
 *   stored in Redis never falls behind the events it produced. Without it, an agent restarted
 *   during an outage resumed from the state saved before its spilled transitions and missed the
 *   next one (or repeated one).
 * - with that state, its version: the version the event was derived from (`base`) and the one it
 *   writes. When Redis already holds a newer version than `base`, another replica has moved the
 *   connection on since this one looked (a replica that slept through its lease, or a late spill
 *   flush), so the event is stale: it is refused, not numbered and not written, and the caller
 *   re-reads the state.
 */

const PUBLISH_SCRIPT = `
local seen = redis.call('GET', KEYS[3])
if seen then return {0, tonumber(seen)} end
if ARGV[8] ~= '' then
  local stored = tonumber(redis.call('HGET', KEYS[4], ARGV[8]) or '0') or 0
  if stored > tonumber(ARGV[9]) then return {2, stored} end
end
local seq = redis.call('INCR', KEYS[2])
local floor = tonumber(ARGV[4])
if seq <= floor then
  seq = floor + 1
  redis.call('SET', KEYS[2], seq)
end
local body = string.gsub(ARGV[1], '"sequence":0', '"sequence":' .. seq, 1)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'event', body)
redis.call('SET', KEYS[3], seq, 'EX', ARGV[3])
if ARGV[5] ~= '' and (ARGV[7] == '' or redis.call('HEXISTS', KEYS[4], ARGV[7]) == 1) then
  redis.call('HSET', KEYS[4], ARGV[5], ARGV[6])
  if ARGV[8] ~= '' then redis.call('HSET', KEYS[4], ARGV[8], ARGV[10]) end
end
return {1, seq}
`;

/** A hash field to write in the same script as the event. */
export interface StateWrite {
  key: string;
  field: string;
  value: string;
  /** Write only while this field exists (a record deleted meanwhile must not come back). */
  onlyIfField?: string;
  /**
   * Compare-and-set on a version kept in `field`: refused when Redis holds a version above
   * `base`; `next` is stored with the value. With `write: false` the event is only checked (the
   * earlier events of one step; the step's last event writes).
   */
  version?: { field: string; base: number; next: number; write?: boolean };
}

export interface EventDraft<T extends EventType = EventType> {
  type: T;
  /** The connection id (or `job-<jobId>` for a job too broken to name one). */
  subject: string;
  data: EventData<T>;
  /** Stable id; give a deterministic one when the same fact may be reported again (a retried job). */
  id?: string;
  time?: Date;
  /** Written with the event, atomically; never before it (see the class comment). */
  state?: StateWrite;
}

export interface PublishResult {
  event: DcEvent;
  /** False when Redis was away and the event waits in the spill file. */
  delivered: boolean;
  /** False when the id had already been published (a redelivery). */
  fresh: boolean;
  /** True when the event was refused: its state version is older than Redis's (see the class comment). */
  stale: boolean;
}

/** The series the outbox keeps (agent/metrics.ts provides them; named here so events/ needs nothing above it). */
export interface OutboxMetrics {
  eventsPublished: Pick<Counter<'type'>, 'inc'>;
  eventsRefused: Pick<Counter<'type'>, 'inc'>;
  outboxDepth: Pick<Gauge, 'set'>;
}

export interface OutboxOptions {
  redis: RedisClient;
  keys: RedisKeys;
  agentId: string;
  maxLen: number;
  spillFile: string;
  logger: Logger;
  metrics?: OutboxMetrics;
  /** How long a published id is remembered for dedupe. */
  idTtlSeconds?: number;
  /** Retry period while events wait in the spill. */
  retryMs?: number;
  /** How many subjects' last sequence to remember (least recently used dropped first); config `events.maxSubjects`. */
  maxSubjects?: number;
}

type Envelope = Omit<DcEvent, 'sequence'> & { sequence: number };

/** One event waiting in the spill, with what travels with it. */
interface Spilled {
  event: Envelope;
  floor: number;
  state?: StateWrite;
}

export class EventOutbox {
  private readonly pending: Spilled[] = [];
  /** Highest sequence seen per subject: the floor for the next one. */
  private readonly lastSeq = new Map<string, number>();
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private fd: number | undefined;
  private closed = false;
  private readonly idTtl: number;
  private readonly retryMs: number;

  /** Every event published during an outage would log a line without this. */
  private readonly logLimit: LogLimiter;

  constructor(private readonly opts: OutboxOptions) {
    this.logLimit = new LogLimiter(opts.logger);
    this.idTtl = opts.idTtlSeconds ?? 7 * 86_400;
    this.retryMs = opts.retryMs ?? 1_000;
  }

  /** Loads what a previous run left in the spill file and starts flushing it. */
  open(): void {
    mkdirSync(dirname(this.opts.spillFile), { recursive: true });
    let text = '';
    try {
      text = readFileSync(this.opts.spillFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const item = JSON.parse(line) as Spilled | Envelope;
        // Lines written before the floor existed are bare events.
        this.pending.push('specversion' in item ? { event: item, floor: 0 } : item);
      } catch {
        // A torn last line from a crash mid-write: the event was never acknowledged to anyone.
        this.opts.logger.warn({ spillFile: this.opts.spillFile }, 'skipping a torn line in the outbox spill');
      }
    }
    this.fd = openSync(this.opts.spillFile, 'a');
    this.updateDepth();
    if (this.pending.length > 0) {
      this.opts.logger.info(
        { events: this.pending.length },
        'outbox: flushing events spilled by a previous run',
      );
      this.kick();
    }
  }

  depth(): number {
    return this.pending.length;
  }

  async publish<T extends EventType>(draft: EventDraft<T>): Promise<PublishResult> {
    const built = this.envelope(draft);
    if (typeof built === 'string') return this.refuse(draft, built);
    const item: Spilled = {
      event: built,
      floor: this.lastSeq.get(draft.subject) ?? 0,
      ...(draft.state ? { state: draft.state } : {}),
    };
    const envelope = item.event;
    if (this.closed) {
      // A job still running when the drain deadline closed us: its event (often its final one)
      // must not be lost, so it waits in the spill file for the next run to deliver.
      this.spillAfterClose(item);
      return { event: envelope as DcEvent, delivered: false, fresh: true, stale: false };
    }
    // Anything already waiting goes first, so events keep their order.
    if (this.pending.length === 0) {
      try {
        const r = await this.send(item);
        if (r.stale) return { event: envelope as DcEvent, delivered: false, fresh: false, stale: true };
        return {
          event: { ...envelope, sequence: r.seq } as DcEvent,
          delivered: true,
          fresh: r.fresh,
          stale: false,
        };
      } catch (err) {
        this.logLimit.warn(
          'spill',
          { err: (err as Error).message, type: draft.type },
          'outbox: Redis unavailable, spilling event',
        );
      }
    }
    this.spill(item);
    this.kick();
    return { event: envelope as DcEvent, delivered: false, fresh: true, stale: false };
  }

  /** Tries to deliver everything waiting; resolves when the spill is empty or Redis failed again. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Final flush within `deadlineMs`; whatever is left stays in the spill file for the next run. */
  async close(deadlineMs = 5_000): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.race([this.flush(), new Promise((r) => setTimeout(r, deadlineMs).unref())]);
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** The envelope, or what is wrong with it (the event failed its own schema). */
  private envelope<T extends EventType>(draft: EventDraft<T>): Envelope | string {
    const dryRun = draft.type === 'provision.planned' || draft.type === 'deprovision.planned';
    // Field order matters: the script fills in the first `"sequence":0`, which precedes `data`.
    const ev = {
      specversion: '1.0' as const,
      id: draft.id ?? randomUUID(),
      source: `dcagent/${this.opts.agentId}`,
      type: draft.type,
      subject: draft.subject,
      time: (draft.time ?? new Date()).toISOString(),
      sequence: 0,
      dryRun,
      data: draft.data,
    };
    // A malformed event is a bug of ours; it is refused here rather than handed to consumers.
    const check = eventSchema.safeParse({ ...ev, sequence: 1 });
    if (!check.success) return check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return ev as Envelope;
  }

  /**
   * An event failed its own schema. Dropping it would leave a job with no final event at all, so
   * a job's event is replaced by a final `*.failed` with code `internal-error` that names the
   * offending fields (CONTRACT §4), built only from values that are checked here. Either way the
   * refusal is logged at error level, counted, and thrown to the caller.
   */
  private async refuse<T extends EventType>(draft: EventDraft<T>, problem: string): Promise<never> {
    const what = `refused malformed ${draft.type} event (an agent bug): ${problem}`.slice(0, 2_000);
    this.opts.metrics?.eventsRefused.inc({ type: draft.type });
    const failedType = failedTypeFor(draft.type);
    if (!failedType) {
      this.opts.logger.error({ type: draft.type, subject: draft.subject, problem }, what);
      throw new EventRefusedError(what, false);
    }
    const d = (draft.data ?? {}) as Record<string, unknown>;
    const text = (v: unknown, max: number) =>
      typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;
    const count = (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 1 ? (v as number) : 1);
    const jobId = text(d.jobId, 200);
    const attempt = count(d.attempt);
    const replacement: EventDraft<'provision.failed'> = {
      // Every job type's `*.failed` has the same data shape (failedDataSchema).
      type: failedType as 'provision.failed',
      subject: this.usableSubject(draft.subject, jobId),
      data: {
        device: text(d.device, 64) ?? null,
        port: text(d.port, 64) ?? null,
        ...(jobId ? { jobId } : {}),
        code: 'internal-error',
        message: what,
        retryable: false,
        attempt,
        attemptsMax: Math.max(attempt, count(d.attemptsMax)),
        final: true,
      },
      // Deterministic when the refused one was, so a redelivered job reports it once.
      id: draft.id && draft.id.length <= 180 ? `${draft.id}:refused` : randomUUID(),
    };
    this.opts.logger.error(
      { type: draft.type, subject: draft.subject, jobId, problem },
      `${what}; publishing a final ${replacement.type} internal-error instead`,
    );
    if (typeof this.envelope(replacement) === 'string') throw new EventRefusedError(what, false);
    await this.publish(replacement);
    throw new EventRefusedError(what, true);
  }

  /** The refused event's subject when it is a valid one, else the job's. */
  private usableSubject(subject: string, jobId: string | undefined): string {
    if (subjectSchema.safeParse(subject).success) return subject;
    return `job-${(jobId ?? 'unknown').replace(/\s+/g, '_').slice(0, 200)}`;
  }

  private async send(item: Spilled): Promise<{ fresh: boolean; seq: number; stale: boolean }> {
    const { keys, redis, maxLen } = this.opts;
    const ev = item.event;
    const version = item.state?.version;
    const writes = item.state !== undefined && version?.write !== false;
    // What this process learnt since the item was spilled counts too.
    const floor = Math.max(item.floor, this.lastSeq.get(ev.subject) ?? 0);
    const reply = (await redis.eval(
      PUBLISH_SCRIPT,
      4,
      keys.events,
      keys.sequence(ev.subject),
      keys.eventId(ev.id),
      // An unused fourth key still has to be a key of this slot for Redis Cluster.
      item.state?.key ?? keys.sequence(ev.subject),
      JSON.stringify(ev),
      String(maxLen),
      String(this.idTtl),
      String(floor),
      writes ? item.state!.field : '',
      writes ? item.state!.value : '',
      item.state?.onlyIfField ?? '',
      version?.field ?? '',
      String(version?.base ?? 0),
      String(version?.next ?? 0),
    )) as [number, number];
    if (reply[0] === 2) {
      this.opts.logger.info(
        { id: ev.id, type: ev.type, subject: ev.subject, base: version?.base, stored: Number(reply[1]) },
        'outbox: stale event refused (its state is older than the one in Redis)',
      );
      return { fresh: false, seq: 0, stale: true };
    }
    const fresh = reply[0] === 1;
    const seq = Number(reply[1]);
    this.remember(ev.subject, seq);
    if (fresh) this.opts.metrics?.eventsPublished.inc({ type: ev.type });
    return { fresh, seq, stale: false };
  }

  /**
   * Keeps the highest sequence per subject, bounded: every job with junk data has its own subject
   * (`job-<id>`), so an unbounded map grows for as long as the agent runs. A subject dropped here
   * only loses its floor for the rare Redis that comes back empty; Redis still holds its counter.
   */
  private remember(subject: string, seq: number): void {
    const known = this.lastSeq.get(subject) ?? 0;
    // Re-inserting moves the subject to the young end of the map's insertion order.
    this.lastSeq.delete(subject);
    this.lastSeq.set(subject, Math.max(known, seq));
    const max = this.opts.maxSubjects ?? Number.POSITIVE_INFINITY;
    while (this.lastSeq.size > max) {
      const oldest = this.lastSeq.keys().next().value as string;
      this.lastSeq.delete(oldest);
    }
  }

  /** How many subjects' sequences are remembered (bounded by maxSubjects). */
  get rememberedSubjects(): number {
    return this.lastSeq.size;
  }

  private spill(item: Spilled): void {
    if (this.fd === undefined) this.open();
    const line = `${JSON.stringify(item)}\n`;
    writeSync(this.fd as number, line);
    // The event must survive a crash from the moment publish() returns.
    fdatasyncSync(this.fd as number);
    this.pending.push(item);
    this.updateDepth();
  }

  /** Appends to the spill file alone: nothing in this process will flush it any more. */
  private spillAfterClose(item: Spilled): void {
    const fd = openSync(this.opts.spillFile, 'a');
    try {
      writeSync(fd, `${JSON.stringify(item)}\n`);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.opts.logger.warn(
      { type: item.event.type, id: item.event.id },
      'outbox closed: event kept in the spill file for the next run',
    );
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const item = this.pending[0] as Spilled;
      try {
        await this.send(item);
      } catch {
        return;
      }
      this.pending.shift();
      this.updateDepth();
    }
    // Everything is in Redis: the spill starts afresh. Synchronous, so no append can slip in between.
    if (this.pending.length === 0) truncateSync(this.opts.spillFile, 0);
  }

  private kick(): void {
    if (this.timer || this.closed) return;
    const tick = async () => {
      this.timer = undefined;
      await this.flush();
      if (this.pending.length > 0 && !this.closed) {
        this.timer = setTimeout(tick, this.retryMs);
        this.timer.unref();
      }
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
  }

  private updateDepth(): void {
    this.opts.metrics?.outboxDepth.set(this.pending.length);
  }
}
