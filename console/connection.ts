import { ConnectionStore } from '../agent/connections.js';
import { readSubjectNewest } from '../agent/events/stream.js';
import { diagnose, rxHoursByLane } from '../agent/health/diagnosis.js';
import { type ErrorCounterRecord, parseErrorCounter } from '../agent/health/error-counter.js';
import { type PortTrackState, portTrackStateSchema } from '../agent/health/track-state.js';
import { readDeviceRecords } from '../agent/intents.js';
import { readOpticsHistory } from '../agent/optics-history.js';
import { connectionView } from '../agent/views/connection.js';
import { type AgentConfig, findDevice, findPort } from '../config/load.js';
import type { ConnectionView } from '../contract/cli-output.js';
import type { DcEvent } from '../contract/events.js';
import type { LaneState, LaneThresholds } from '../contract/optics.js';
import type { RedisClient } from '../core/redis-client.js';
import type { RedisKeys } from '../core/redis-keys.js';
import { connectionHistory, type History, type PrometheusSource } from './history.js';

/**
 * One connection's whole story (CONTRACT §9 `GET /api/connections/<id>`): the contract's fields,
 * then the extensions the page draws (verdict, baseline and trend per lane, open warnings, jobs).
 */

/** How many of the connection's newest events the timeline shows, and how deep it looks for them. */
export const TIMELINE_EVENTS = 200;
export const TIMELINE_SCAN_MAX = 50_000;

export interface ConnectionLane {
  lane: number;
  rxDbm: number | null;
  txDbm: number | null;
  rxState: LaneState | null;
  txState: LaneState | null;
  thresholds: LaneThresholds | null;
  /** Extensions. */
  baseline: { rxDbm: number | null; txDbm: number | null } | null;
  trend: { slopeDbPerDay: number; hoursToAlarm: number | null } | null;
  warnings: { rx: boolean; tx: boolean };
  trendOpen: boolean;
}

export interface ConnectionPage {
  connectionId: string;
  device: string;
  port: string;
  description: string | null;
  state: string;
  intent: ConnectionView['intent'];
  lastAudit: ConnectionView['lastAudit'];
  drifts: { field: string; expected: unknown; actual: unknown }[];
  module: { vendor: string | null; part: string | null; serial: string | null } | null;
  lanes: ConnectionLane[];
  events: DcEvent[];
  history: History;
  /** Extensions. */
  tracked: boolean;
  since: string | null;
  lastPoll: ConnectionView['lastPoll'];
  thresholdSource: string | null;
  verdict: string | null;
  degraded: ConnectionView['degraded'];
  /** Input errors counted while under construction (qualification on). */
  qualification: { errors: number; erroredPolls: number; errorFreeStreak: number } | null;
  /** The port's ifInErrors as the agent last saw it move (`monitoring.errorCounters`); null before its first read. */
  errorCounter: ErrorCounterRecord | null;
  jobs: string[];
}

export interface ReadContext {
  cfg: AgentConfig;
  redis: RedisClient;
  keys: RedisKeys;
  prometheus: PrometheusSource | undefined;
}

/** The devices whose intents name this connection: it may be deprovisioned and tracked no more. */
async function findIntent(
  ctx: ReadContext,
  id: string,
): Promise<{ device: string; port: string } | undefined> {
  const pipe = ctx.redis.pipeline();
  for (const d of ctx.cfg.devices) pipe.hget(ctx.keys.intents(d.id), id);
  const replies = ctx.cfg.devices.length > 0 ? ((await pipe.exec()) ?? []) : [];
  for (const [i, [err, text]] of replies.entries()) {
    if (err || typeof text !== 'string') continue;
    try {
      const r = JSON.parse(text) as { port?: unknown };
      if (typeof r.port === 'string') return { device: ctx.cfg.devices[i]!.id, port: r.port };
    } catch {
      // unreadable: not this one
    }
  }
  return undefined;
}

function trendLanes(raw: string | null): Set<number> {
  try {
    const v: unknown = raw === null ? [] : JSON.parse(raw);
    return new Set(Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x)) : []);
  } catch {
    return new Set();
  }
}

function qualificationOf(s: PortTrackState | undefined): ConnectionPage['qualification'] {
  const q = s?.qualification;
  return q ? { errors: q.errors, erroredPolls: q.erroredPolls, errorFreeStreak: q.errorFreeStreak } : null;
}

export async function readConnection(
  ctx: ReadContext,
  id: string,
  now = Date.now(),
): Promise<ConnectionPage | undefined> {
  const { cfg, redis, keys } = ctx;
  const tracked = await new ConnectionStore(redis, keys).get(id);
  const where = tracked ? tracked.record : await findIntent(ctx, id);
  if (!where) return undefined;
  const { intents, audits } = await readDeviceRecords(redis, keys, where.device);
  const intent = intents.get(id);
  const audit = audits.get(id);
  const [{ events }, stored, trendRaw] = await Promise.all([
    readSubjectNewest(redis, keys, id, TIMELINE_EVENTS, TIMELINE_SCAN_MAX),
    readOpticsHistory(redis, keys, id),
    redis.get(keys.opticsTrend(id)),
  ]);
  const view = tracked ? connectionView(tracked, intent, audit) : undefined;
  const parsed = tracked ? portTrackStateSchema.safeParse(tracked.tracker) : undefined;
  const s = parsed?.success ? parsed.data : undefined;
  const poll = s?.lastPoll?.ok ? s.lastPoll : undefined;
  const portCfg = (() => {
    const d = findDevice(cfg, where.device);
    return d ? findPort(d, where.port) : undefined;
  })();
  const diagnosis =
    poll && portCfg
      ? diagnose(
          {
            device: where.device,
            port: where.port,
            ifIndex: 0,
            adminStatus: poll.adminStatus,
            operStatus: poll.operStatus,
            lanes: poll.lanes.map((l, i) => ({ lane: i + 1, rxDbm: l.rxDbm, txDbm: l.txDbm })),
            rxDbm: poll.lanes.map((l) => l.rxDbm),
            txDbm: poll.lanes.map((l) => l.txDbm),
            // The agent judged lanes only where it read the optics; no bounds stored means none read.
            opticsRead: poll.thresholds !== undefined,
            ...(poll.thresholdSource === 'module' && poll.thresholds
              ? { moduleThresholds: poll.thresholds }
              : {}),
            ...(poll.module ? { module: poll.module } : {}),
          },
          portCfg,
          { baseline: stored.baseline, rxHours: rxHoursByLane(stored.points) },
          cfg.monitoring.trend,
        )
      : undefined;
  const open = trendLanes(trendRaw);
  const lanes: ConnectionLane[] = (poll?.lanes ?? []).map((l, i) => {
    const d = diagnosis?.lanes[i];
    const warn = (dir: 'rx' | 'tx') =>
      s?.warnings?.some((w) => w.lane === i + 1 && w.dir === dir && w.open) ?? false;
    return {
      lane: i + 1,
      rxDbm: l.rxDbm,
      txDbm: l.txDbm,
      rxState: l.rxState ?? null,
      txState: l.txState ?? null,
      thresholds: poll?.thresholds ?? null,
      baseline: d?.baseline ?? null,
      trend: d?.trend ?? null,
      warnings: { rx: warn('rx'), tx: warn('tx') },
      trendOpen: open.has(i + 1),
    };
  });
  const history = await connectionHistory(
    {
      redis,
      keys,
      prometheus: ctx.prometheus,
      windowHours: cfg.monitoring.trend.windowHours,
    },
    {
      connectionId: id,
      device: where.device,
      port: where.port,
      since: tracked?.record.since ?? intent?.time ?? new Date(now).toISOString(),
    },
    now,
  );
  const jobs = [
    ...new Set(
      [intent?.jobId, ...events.map((e) => (e.data as { jobId?: unknown }).jobId)].filter(
        (j): j is string => typeof j === 'string' && j.length > 0,
      ),
    ),
  ];
  return {
    connectionId: id,
    device: where.device,
    port: where.port,
    description: intent?.description ?? null,
    state: view?.state ?? (intent?.state === 'cleared' ? 'deprovisioned' : 'not-tracked'),
    intent: view?.intent ?? null,
    lastAudit: view?.lastAudit ?? null,
    drifts: (audit?.drifts ?? []).map((d) => ({ field: d.field, expected: d.expected, actual: d.actual })),
    module: poll?.module ?? null,
    lanes,
    events,
    history,
    tracked: tracked !== undefined,
    since: tracked?.record.since ?? null,
    lastPoll: view?.lastPoll ?? null,
    thresholdSource: poll?.thresholdSource ?? null,
    verdict: diagnosis?.verdict ?? null,
    degraded: view?.degraded ?? null,
    qualification: qualificationOf(s),
    errorCounter: parseErrorCounter(tracked?.errors) ?? null,
    jobs,
  };
}
