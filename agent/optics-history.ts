import { z } from 'zod';
import type { RedisKeys } from '../core/redis-keys.js';
import type { RedisClient } from './redis.js';

/**
 * Per-lane optics history in Redis (issue 15 §3), beside the connection:
 *
 * - `<prefix>:optics-baseline:<connection>`: each lane's Rx/Tx at `construction.completed`
 *   (JSON). Written once per completion; survives restarts and lease moves like the record does.
 * - `<prefix>:optics-history:<connection>`: a list of hour buckets, oldest first, capped at
 *   `monitoring.trend.windowHours` entries and expiring twice that long after the last write.
 *   One bucket holds every lane, so each lane is written at most once an hour.
 *
 * The hour being collected lives in memory (HourAggregator): a steady poll writes nothing. Its
 * partial hour is lost when the lease moves; the next replica starts a new one.
 */

/** Lanes kept per port: as many as `lastPoll` keeps (16 is the widest optic, 800G-SR8 uses 8). */
export const MAX_HISTORY_LANES = 16;

const dbm = z.number().min(-100).max(100);
const statsSchema = z.strictObject({ min: dbm, avg: dbm, max: dbm });
export type LaneStats = z.infer<typeof statsSchema>;

const bucketSchema = z.strictObject({
  /** Epoch ms of the hour's start. */
  t: z.number().int(),
  /** Per lane (index 0 = lane 1); null where the hour had no reading in that direction. */
  lanes: z
    .array(z.strictObject({ rx: statsSchema.nullable(), tx: statsSchema.nullable() }))
    .max(MAX_HISTORY_LANES),
});
export type HourBucket = z.infer<typeof bucketSchema>;

const baselineSchema = z.strictObject({
  rx: z.array(dbm.nullable()).max(MAX_HISTORY_LANES),
  tx: z.array(dbm.nullable()).max(MAX_HISTORY_LANES),
  /** Epoch ms of the completion it was taken at. */
  at: z.number().int(),
});
export type OpticsBaseline = z.infer<typeof baselineSchema>;

export interface OpticsHistoryPoint {
  /** Epoch ms of the hour's start. */
  readonly t: number;
  /** 1-based, as in `status --json`. */
  readonly lane: number;
  /** The hour's averages; null where the lane had no reading that hour. */
  readonly rxDbm: number | null;
  readonly txDbm: number | null;
  readonly rxMin: number | null;
  readonly rxMax: number | null;
  readonly txMin: number | null;
  readonly txMax: number | null;
}

export interface OpticsHistory {
  readonly baseline: { readonly rx: (number | null)[]; readonly tx: (number | null)[] } | null;
  /** Oldest first, lane by lane within an hour. */
  readonly points: OpticsHistoryPoint[];
}

export const HOUR_MS = 3_600_000;

/** Buckets in the stored list that do not parse (a foreign or older writer) are skipped, never thrown. */
function parseBuckets(raw: readonly string[]): HourBucket[] {
  const out: HourBucket[] = [];
  for (const s of raw) {
    try {
      const b = bucketSchema.safeParse(JSON.parse(s));
      if (b.success) out.push(b.data);
    } catch {
      // not JSON: skipped like any other unreadable bucket
    }
  }
  return out;
}

function parseBaseline(raw: string | null): OpticsBaseline | null {
  if (raw === null) return null;
  try {
    const b = baselineSchema.safeParse(JSON.parse(raw));
    return b.success ? b.data : null;
  } catch {
    return null;
  }
}

/** One connection's baseline alone (a warning event's `baselineDbm`); null when none was recorded. */
export async function readBaseline(
  redis: RedisClient,
  keys: RedisKeys,
  connectionId: string,
): Promise<OpticsBaseline | null> {
  return parseBaseline(await redis.get(keys.opticsBaseline(connectionId)));
}

/**
 * The baseline and hourly points of one connection, for the console's light chart and
 * `status`. Reads two keys; never writes.
 */
export async function readOpticsHistory(
  redis: RedisClient,
  keys: RedisKeys,
  connectionId: string,
): Promise<OpticsHistory> {
  const [base, list] = await Promise.all([
    redis.get(keys.opticsBaseline(connectionId)),
    redis.lrange(keys.opticsHistory(connectionId), 0, -1),
  ]);
  const b = parseBaseline(base);
  const points: OpticsHistoryPoint[] = [];
  for (const bucket of parseBuckets(list)) {
    bucket.lanes.forEach((l, i) => {
      points.push({
        t: bucket.t,
        lane: i + 1,
        rxDbm: l.rx?.avg ?? null,
        txDbm: l.tx?.avg ?? null,
        rxMin: l.rx?.min ?? null,
        rxMax: l.rx?.max ?? null,
        txMin: l.tx?.min ?? null,
        txMax: l.tx?.max ?? null,
      });
    });
  }
  return { baseline: b && { rx: b.rx, tx: b.tx }, points };
}

export async function writeBaseline(
  redis: RedisClient,
  keys: RedisKeys,
  connectionId: string,
  baseline: OpticsBaseline,
): Promise<void> {
  const value = baselineSchema.parse({
    rx: baseline.rx.slice(0, MAX_HISTORY_LANES),
    tx: baseline.tx.slice(0, MAX_HISTORY_LANES),
    at: baseline.at,
  });
  await redis.set(keys.opticsBaseline(connectionId), JSON.stringify(value));
}

/**
 * Appends one finished hour and returns what the list then holds (for the trend), with the
 * baseline, in one round trip.
 */
export async function appendHour(
  redis: RedisClient,
  keys: RedisKeys,
  connectionId: string,
  bucket: HourBucket,
  windowHours: number,
): Promise<{ buckets: HourBucket[]; baseline: OpticsBaseline | null }> {
  const key = keys.opticsHistory(connectionId);
  const res = await redis
    .multi()
    .rpush(key, JSON.stringify(bucket))
    .ltrim(key, -windowHours, -1)
    .pexpire(key, 2 * windowHours * HOUR_MS)
    .lrange(key, 0, -1)
    .get(keys.opticsBaseline(connectionId))
    .exec();
  if (!res) throw new Error('optics history: transaction aborted');
  for (const [err] of res) if (err) throw err;
  return {
    buckets: parseBuckets(res[3]![1] as string[]),
    baseline: parseBaseline(res[4]![1] as string | null),
  };
}

interface Acc {
  n: number;
  sum: number;
  min: number;
  max: number;
}

const accStats = (a: Acc | undefined): LaneStats | null =>
  a && a.n > 0 ? { min: a.min, avg: a.sum / a.n, max: a.max } : null;

/** `v` counted `times` times. */
function accAdd(a: Acc | undefined, v: number | null, times: number): Acc | undefined {
  if (v === null || !Number.isFinite(v)) return a;
  if (!a) return { n: times, sum: v * times, min: v, max: v };
  a.n += times;
  a.sum += v * times;
  if (v < a.min) a.min = v;
  if (v > a.max) a.max = v;
  return a;
}

type Lanes = readonly { readonly rxDbm: number | null; readonly txDbm: number | null }[];

/**
 * One connection's current hour in memory: a fixed few numbers per lane however often it is
 * polled. `add` returns the previous hour's bucket when a reading starts a new hour.
 *
 * A settled port's poller hands back the same (read-only) lanes poll after poll, so a reading
 * that is the last one again is only counted, and added in when the reading changes.
 */
export class HourAggregator {
  private hour: number | undefined;
  private lanes: { rx?: Acc; tx?: Acc }[] = [];
  private last: Lanes | undefined;
  private repeats = 0;

  add(now: number, lanes: Lanes): HourBucket | undefined {
    const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
    let done: HourBucket | undefined;
    if (this.hour !== undefined && hour !== this.hour) {
      // A clock stepped back lands in an older hour: that hour is closed, so it restarts rather than reopening it.
      done = this.bucket();
      this.lanes = [];
      this.last = undefined;
      this.repeats = 0;
    }
    this.hour = hour;
    if (lanes === this.last) {
      this.repeats++;
      return done;
    }
    this.flush();
    this.last = lanes;
    this.repeats = 1;
    return done;
  }

  private flush(): void {
    const lanes = this.last;
    if (!lanes) return;
    const n = Math.min(lanes.length, MAX_HISTORY_LANES);
    for (let i = 0; i < n; i++) {
      const l = lanes[i]!;
      let acc = this.lanes[i];
      if (!acc) {
        acc = {};
        this.lanes[i] = acc;
      }
      acc.rx = accAdd(acc.rx, l.rxDbm, this.repeats);
      acc.tx = accAdd(acc.tx, l.txDbm, this.repeats);
    }
    this.last = undefined;
    this.repeats = 0;
  }

  /** The hour collected so far; undefined before the first reading or when it had none at all. */
  bucket(): HourBucket | undefined {
    if (this.hour === undefined) return undefined;
    // Counted in, and counted afresh from here: the same lanes again start a new run.
    this.flush();
    const lanes = this.lanes.map((l) => ({ rx: accStats(l.rx), tx: accStats(l.tx) }));
    if (lanes.every((l) => l.rx === null && l.tx === null)) return undefined;
    return { t: this.hour, lanes };
  }
}
