import { z } from 'zod';
import { IF_STATUSES, type IfStatus } from '../../contract/events.js';
import type { ObservedConnectionState } from '../../contract/lifecycle.js';
import {
  LANE_STATES,
  type LaneThresholds,
  laneThresholdsSchema,
  moduleInfoSchema,
  THRESHOLD_SOURCES,
  type ThresholdSource,
} from '../../contract/optics.js';
import { laneState } from './lane-state.js';
import { qualificationStateSchema } from './qualification.js';
import { warningsSchema } from './warning-episodes.js';

/**
 * One port's monitoring state (agent/health/tracker.ts steps it): plain JSON with a zod schema,
 * so it is stored in Redis with the connection and loaded back after a restart or a lease move.
 */

export interface TrackerConfig {
  readonly upPolls: number;
  readonly downPolls: number;
  readonly damping: {
    readonly windowSeconds: number;
    readonly maxFlaps: number;
    readonly holdSeconds: number;
  };
  /** Error-free polls `construction.completed` also needs (agent/health/qualification.ts); 0 or absent = off. */
  readonly qualification?: { readonly errorFreePolls: number };
  /** Warning episodes' hysteresis (agent/health/warning-episodes.ts); absent, 0.5 dB. */
  readonly warnings?: { readonly hysteresisDb: number };
}

export type Availability = 'available' | 'unavailable' | 'unknown';
export type FailureReason =
  | 'snmp-timeout'
  | 'snmp-auth'
  | 'no-such-port'
  | 'no-such-object'
  | 'snmp-error'
  | 'not-in-inventory';

const FAILURE_REASONS = [
  'snmp-timeout',
  'snmp-auth',
  'no-such-port',
  'no-such-object',
  'snmp-error',
  /** Set by the monitor, never by a poll: a config reload removed the device or port. */
  'not-in-inventory',
] as const;
const HEALTH_REASONS = ['admin-down', 'oper-down', 'rx-low', 'rx-high', 'tx-low', 'tx-high'] as const;

const monitoringDampingSchema = z.strictObject({
  /** Epoch ms of the newest degraded ⇄ restored flips inside the window (at most maxFlaps + 1). */
  flips: z.array(z.number()),
  /** Flips dropped from `flips` while damped, still counted in the next event's flapCount. */
  dropped: z.number().int().min(0),
  damped: z.boolean(),
  lastFlipAt: z.number().nullable(),
  /** Whether the last monitoring event said degraded. */
  reportedDegraded: z.boolean(),
});
type MonitoringDamping = z.infer<typeof monitoringDampingSchema>;

function initialMonitoringDamping(): MonitoringDamping {
  return { flips: [], dropped: 0, damped: false, lastFlipAt: null, reportedDegraded: false };
}

/**
 * What the last poll said, kept with the state so `dcagent connections` (and any replica) can
 * show it without polling: small and bounded (one entry per lane), replaced by every step.
 */
const lastPollSchema = z.discriminatedUnion('ok', [
  z.strictObject({
    ok: z.literal(true),
    at: z.number(),
    adminStatus: z.enum(IF_STATUSES),
    operStatus: z.enum(IF_STATUSES),
    lanes: z
      .array(
        z.strictObject({
          rxDbm: z.number().nullable(),
          txDbm: z.number().nullable(),
          rxState: z.enum(LANE_STATES).optional(),
          txState: z.enum(LANE_STATES).optional(),
        }),
      )
      .max(16),
    /** The bounds the lanes were judged by, and whose they are (absent in states saved before). */
    thresholds: laneThresholdsSchema.optional(),
    thresholdSource: z.enum(THRESHOLD_SOURCES).optional(),
    module: moduleInfoSchema.optional(),
  }),
  z.strictObject({ ok: z.literal(false), at: z.number(), reason: z.enum(FAILURE_REASONS) }),
]);
export type LastPoll = z.infer<typeof lastPollSchema>;
const MAX_LANES_KEPT = 16;

/**
 * A poll result (drivers/snmp's PortPollResult fits) as the state keeps it; with the bounds it was
 * judged by, each lane gets its state (agent/health/lane-state.ts).
 */
export function lastPollOf(
  r:
    | {
        ok: true;
        at: number;
        adminStatus: IfStatus;
        operStatus: IfStatus;
        lanes: readonly { rxDbm: number | null; txDbm: number | null }[];
        opticsRead?: boolean;
        module?: { vendor: string | null; part: string | null; serial: string | null };
      }
    | { ok: false; at: number; reason: FailureReason },
  judged?: { readonly bounds: LaneThresholds; readonly source: ThresholdSource },
): LastPoll {
  if (!r.ok) return { ok: false, at: r.at, reason: r.reason };
  const judge = judged && r.opticsRead !== false ? judged : undefined;
  const lanes = r.lanes.slice(0, MAX_LANES_KEPT).map((l) =>
    judge
      ? {
          rxDbm: l.rxDbm,
          txDbm: l.txDbm,
          rxState: laneState(l.rxDbm, judge.bounds.rx),
          txState: laneState(l.txDbm, judge.bounds.tx),
        }
      : { rxDbm: l.rxDbm, txDbm: l.txDbm },
  );
  return {
    ok: true,
    at: r.at,
    adminStatus: r.adminStatus,
    operStatus: r.operStatus,
    lanes,
    ...(judge ? { thresholds: judge.bounds, thresholdSource: judge.source } : {}),
    ...(r.module
      ? { module: { vendor: r.module.vendor, part: r.module.part, serial: r.module.serial } }
      : {}),
  };
}

export const portTrackStateSchema = z.strictObject({
  v: z.literal(1),
  /**
   * Bumped by every step. Stored with the state, so a replica whose copy is older than Redis's
   * (it slept through a lease) is refused instead of overwriting newer facts, and monitoring event
   * ids derive from it: the same transition seen twice gets the same id. Absent in states saved
   * before it existed.
   */
  ver: z.number().int().min(0).default(0),
  device: z.string().min(1),
  port: z.string().min(1),
  underConstruction: z.boolean(),
  /** Last availability an event said (or the seed). */
  reported: z.enum(['available', 'unavailable', 'unknown']),
  /** Availability after hysteresis, before damping. */
  actual: z.enum(['available', 'unavailable', 'unknown']),
  healthyStreak: z.number().int().min(0),
  unhealthyStreak: z.number().int().min(0),
  /** Epoch ms of the first poll of the current healthy streak. */
  healthySince: z.number().nullable(),
  /** Most severe reason of the last unhealthy poll. */
  lastReason: z.enum(HEALTH_REASONS).nullable(),
  failedStreak: z.number().int().min(0),
  failedSince: z.number().nullable(),
  degraded: z.strictObject({ reason: z.enum(FAILURE_REASONS), since: z.number() }).nullable(),
  /** Epoch ms of the newest flips (at most `maxFlaps + 1`: enough to see the window overflow). */
  flaps: z.array(z.number()),
  damped: z.boolean(),
  /** Flips in the current damped episode, counted since damping began (0 when not damped). */
  dampedFlips: z.number().int().min(0).default(0),
  lastFlipAt: z.number().nullable(),
  /** Good polls in a row while degraded (rule 2). Defaulted: states saved before it existed load. */
  recoverStreak: z.number().int().min(0).default(0),
  /** Damping of degraded ⇄ restored (rule 2). Defaulted like recoverStreak. */
  monitoringDamping: monitoringDampingSchema.default(() => initialMonitoringDamping()),
  /** Absent before the first poll, and in states saved before it existed. */
  lastPoll: lastPollSchema.optional(),
  /** The ifInErrors run of a port under construction with qualification on; gone once completed. */
  qualification: qualificationStateSchema.optional(),
  /** Lanes with a warning episode open or starting; absent when there are none. */
  warnings: warningsSchema.optional(),
});
export type PortTrackState = z.infer<typeof portTrackStateSchema>;

export interface SeedOptions {
  underConstruction?: boolean;
  /** What the control plane last knew: avoids announcing every port again after a restart. */
  availability?: Availability;
}

export function initialState(device: string, port: string, seed: SeedOptions = {}): PortTrackState {
  const a = seed.availability ?? 'unknown';
  return {
    v: 1,
    ver: 0,
    device,
    port,
    underConstruction: seed.underConstruction ?? false,
    reported: a,
    actual: a,
    healthyStreak: 0,
    unhealthyStreak: 0,
    healthySince: null,
    lastReason: null,
    failedStreak: 0,
    failedSince: null,
    degraded: null,
    flaps: [],
    damped: false,
    dampedFlips: 0,
    lastFlipAt: null,
    recoverStreak: 0,
    monitoringDamping: initialMonitoringDamping(),
  };
}

/** A copy sharing nothing mutable with `s`. */
export function copyState(s: PortTrackState): PortTrackState {
  const m = s.monitoringDamping;
  // `warnings` is replaced, never changed in place (stepWarnings), so it is shared as it is.
  return { ...s, flaps: [...s.flaps], monitoringDamping: { ...m, flips: [...m.flips] } };
}

/** The lifecycle state a tracker state stands for, as far as the agent can see it. */
export function observedState(
  s: Pick<PortTrackState, 'underConstruction' | 'reported'>,
): ObservedConnectionState {
  return s.underConstruction ? 'under-construction' : s.reported;
}
