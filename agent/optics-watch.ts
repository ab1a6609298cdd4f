import type { Thresholds } from '../config/defaults.js';
import type { LogLimiter } from '../core/log-limit.js';
import type { RedisKeys } from '../core/redis-keys.js';
import type { PortPollResult } from '../drivers/snmp/poll-result.js';
import type { ConnectionRecord } from './connections.js';
import type { EventOutbox } from './events/outbox.js';
import {
  appendHour,
  HOUR_MS,
  HourAggregator,
  type HourBucket,
  readBaseline,
  writeBaseline,
} from './optics-history.js';
import type { RedisClient } from './redis.js';
import { type HourlyRx, judgeRxTrend, type TrendConfig } from './trend/forecast.js';
import { rxLowAlarmDbm } from './trend/lane-bound.js';

export interface OpticsWatchDeps {
  redis: RedisClient;
  keys: RedisKeys;
  events: Pick<EventOutbox, 'publish'>;
  log: LogLimiter;
  cfg: TrendConfig;
  /**
   * The clock hours are cut by, over the monitor's `now`: a lab's accelerated clock in tests, so
   * days of drift pass in seconds while polls keep their real grid. Default: the monitor's.
   */
  clock?: () => number;
}

/** What the watch needs of a tracker step's events: the completion's evidence. */
interface StepEvent {
  readonly type: string;
  readonly data: unknown;
}

/**
 * Baseline, hourly history and Rx trend per tracked connection (issue 15 §3). The monitor hands
 * it every poll; it touches Redis only when an hour closes or construction completes, so a
 * steady poll costs a few additions. Redis trouble is logged and skipped: history is advice,
 * never a reason to hold up monitoring.
 */
export class OpticsWatch {
  private readonly hours = new Map<string, HourAggregator>();

  constructor(private readonly deps: OpticsWatchDeps) {}

  /**
   * The connection's hour in memory, made on first use. A caller that polls the connection keeps
   * it and hands it to `observe`: looked up in a map of 10,000 connections on every poll, it was
   * a twentieth of the agent's CPU (the map's entries and the aggregator far apart in memory).
   */
  hourOf(connectionId: string): HourAggregator {
    let agg = this.hours.get(connectionId);
    if (!agg) {
      agg = new HourAggregator();
      this.hours.set(connectionId, agg);
    }
    return agg;
  }

  /** Undefined when the poll needs no Redis work (the steady path), else the work to await. */
  observe(
    record: ConnectionRecord,
    port: { readonly thresholds: Thresholds },
    r: PortPollResult,
    events: readonly StepEvent[],
    now: number,
    hour?: HourAggregator,
  ): Promise<void> | undefined {
    if (!r.ok || !r.opticsRead) return undefined;
    const t = this.deps.clock?.() ?? now;
    const done = (hour ?? this.hourOf(record.connectionId)).add(t, r.lanes);
    let completed: StepEvent | undefined;
    for (const e of events) {
      if (e.type !== 'construction.completed') continue;
      completed = e;
      break;
    }
    if (!done && !completed) return undefined;
    return this.work(record, port, completed, done, t);
  }

  /** The lane's recorded baseline for an event; null when there is none or Redis cannot say. */
  async baselineDbm(connectionId: string, lane: number, dir: 'rx' | 'tx'): Promise<number | null> {
    try {
      const b = await readBaseline(this.deps.redis, this.deps.keys, connectionId);
      return b?.[dir][lane - 1] ?? null;
    } catch {
      return null;
    }
  }

  /** The connection is no longer polled here: its partial hour goes. */
  forget(connectionId: string): void {
    this.hours.delete(connectionId);
  }

  private async work(
    record: ConnectionRecord,
    port: { readonly thresholds: Thresholds },
    completed: StepEvent | undefined,
    done: HourBucket | undefined,
    now: number,
  ): Promise<void> {
    const { redis, keys, log } = this.deps;
    const id = record.connectionId;
    try {
      if (completed) {
        const ev = (completed.data as { evidence: { rxDbm: (number | null)[]; txDbm: (number | null)[] } })
          .evidence;
        await writeBaseline(redis, keys, id, { rx: ev.rxDbm, tx: ev.txDbm, at: now });
        // A new baseline starts a new life for the lanes: no episode carries over.
        await redis.del(keys.opticsTrend(id));
      }
      if (done) {
        const { buckets, baseline } = await appendHour(redis, keys, id, done, this.deps.cfg.windowHours);
        await this.judge(record, port, buckets, baseline?.rx ?? null, now);
      }
    } catch (err) {
      log.warn('optics-history', { err: (err as Error).message }, 'optics history not written (Redis)');
    }
  }

  private async judge(
    record: ConnectionRecord,
    port: { readonly thresholds: Thresholds },
    buckets: readonly HourBucket[],
    baselineRx: readonly (number | null)[] | null,
    now: number,
  ): Promise<void> {
    if (!baselineRx) return;
    const { redis, keys, cfg } = this.deps;
    const id = record.connectionId;
    const since = now - cfg.windowHours * HOUR_MS;
    const recent = buckets.filter((b) => b.t >= since);
    const lanes = Math.max(0, ...recent.map((b) => b.lanes.length));
    const openRaw = await redis.get(keys.opticsTrend(id));
    const open = new Set<number>(parseLanes(openRaw));
    for (let lane = 1; lane <= lanes; lane++) {
      const hours: HourlyRx[] = [];
      for (const b of recent) {
        const avg = b.lanes[lane - 1]?.rx?.avg;
        if (avg !== undefined) hours.push({ t: b.t, rxDbm: avg });
      }
      const baseline = baselineRx[lane - 1] ?? null;
      const verdict = judgeRxTrend(hours, baseline, rxLowAlarmDbm(port, lane), cfg);
      if (verdict.kind === 'clear') {
        open.delete(lane);
        continue;
      }
      if (verdict.kind === 'holding' || open.has(lane)) continue;
      const last = hours[hours.length - 1]!;
      const f = verdict.forecast;
      await this.deps.events.publish({
        type: 'optics.degrading',
        subject: id,
        // The same episode seen by two replicas (or a retried hour) is one event.
        id: `trend:${id}:${Date.parse(record.since)}:${lane}:${last.t}`,
        data: {
          device: record.device,
          port: record.port,
          lane,
          direction: 'rx',
          dbm: round2(last.rxDbm),
          baselineDbm: baseline,
          cause: 'trend',
          slopeDbPerDay: round2(f.slopeDbPerDay),
          hoursToAlarm: Math.round(f.hoursToAlarm * 10) / 10,
        },
      });
      open.add(lane);
    }
    // Refreshed every hour while an episode is open, so its expiry only ever removes a forgotten one.
    if (open.size > 0) {
      await redis.set(keys.opticsTrend(id), JSON.stringify([...open]), 'PX', 2 * cfg.windowHours * HOUR_MS);
    } else if (openRaw !== null) await redis.del(keys.opticsTrend(id));
  }
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function parseLanes(raw: string | null): number[] {
  if (raw === null) return [];
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x) && x >= 1) : [];
  } catch {
    return [];
  }
}
