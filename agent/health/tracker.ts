import { z } from 'zod';
import type { Thresholds } from '../../config/defaults.js';
import type { EventData, IfStatus } from '../../contract/events.js';
import { evaluateHealth, type HealthReason, primaryReason } from './evaluate.js';

/**
 * The monitoring state machine of CONTRACT §5, per port. `step` is a pure function of (state,
 * poll result, now, config) → (state, events); the state is plain JSON, so it can be persisted
 * (Redis) and restored after a restart without repeating or losing a transition.
 *
 * Rules, in the order `step` applies them:
 *
 * 1. A failed poll (timeout, auth, missing OID) says nothing about the link: it never moves
 *    availability. It breaks both health streaks ("in a row" means consecutive polls, and a gap
 *    is not evidence), and after `downPolls` failures in a row `monitoring.degraded` fires once,
 *    with the reason of the failure that crossed the line and `since` = the first failure.
 * 2. `upPolls` good polls in a row fire `monitoring.restored` (reason `recovered`, `since` = now):
 *    on a lossy link one lucky poll is not a recovery. Degraded ⇄ restored swings are damped by
 *    the same damping rule as availability (rule 5, its own flip record), and both events carry
 *    `flapCount`. Every port of a device sees the same polls, so its ports swing and are damped
 *    together: the damping is in effect per device.
 * 3. A port under construction fires `construction.completed` once, after `upPolls` healthy polls
 *    in a row, with the evidence of the last one; it is then available. No availability events
 *    fire while it is under construction.
 * 4. Hysteresis: `upPolls` healthy polls in a row make the port available (reason `recovered`),
 *    `downPolls` unhealthy polls in a row make it unavailable (reason: the most severe reason of
 *    the poll that crossed the line). From `unknown` (no history) the first verdict is reported.
 * 5. Damping: the newest `maxFlaps + 1` available ⇄ unavailable flips are remembered. When more
 *    than `maxFlaps` of them fall in `windowSeconds`, availability events are suppressed until no
 *    flip happened for `holdSeconds`; then the current state is reported once if it differs from
 *    the last reported one. While damped, flips are only counted, so the release event's
 *    `flapCount` covers the whole damped episode and the state stays the same size however long
 *    the port flaps (it is rewritten to Redis on every poll).
 */

export interface TrackerConfig {
  readonly upPolls: number;
  readonly downPolls: number;
  readonly damping: {
    readonly windowSeconds: number;
    readonly maxFlaps: number;
    readonly holdSeconds: number;
  };
}

export type Availability = 'available' | 'unavailable' | 'unknown';
export type FailureReason = 'snmp-timeout' | 'snmp-auth' | 'no-such-port' | 'no-such-object' | 'snmp-error';

const FAILURE_REASONS = [
  'snmp-timeout',
  'snmp-auth',
  'no-such-port',
  'no-such-object',
  'snmp-error',
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
});
export type PortTrackState = z.infer<typeof portTrackStateSchema>;

export const trackerSnapshotSchema = z.strictObject({
  v: z.literal(1),
  ports: z.array(portTrackStateSchema),
});
export type TrackerSnapshot = z.infer<typeof trackerSnapshotSchema>;

export type TrackerEvent =
  | { readonly type: 'construction.completed'; readonly data: EventData<'construction.completed'> }
  | { readonly type: 'availability.changed'; readonly data: EventData<'availability.changed'> }
  | { readonly type: 'monitoring.degraded'; readonly data: EventData<'monitoring.degraded'> }
  | { readonly type: 'monitoring.restored'; readonly data: EventData<'monitoring.restored'> };

/** A poll result as the tracker needs it (drivers/snmp/poller's PortPollResult fits). */
export type Observation =
  | {
      readonly ok: true;
      readonly device: string;
      readonly port: string;
      readonly adminStatus: IfStatus;
      readonly operStatus: IfStatus;
      readonly lanes: readonly { readonly rxDbm: number | null; readonly txDbm: number | null }[];
      readonly rxDbm: readonly (number | null)[];
      readonly txDbm: readonly (number | null)[];
      readonly opticsRead: boolean;
    }
  | { readonly ok: false; readonly device: string; readonly port: string; readonly reason: FailureReason };

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
function copyState(s: PortTrackState): PortTrackState {
  const m = s.monitoringDamping;
  return { ...s, flaps: [...s.flaps], monitoringDamping: { ...m, flips: [...m.flips] } };
}

const iso = (ms: number) => new Date(ms).toISOString();

export interface StepResult {
  readonly state: PortTrackState;
  readonly events: TrackerEvent[];
}

/** Pure: one poll result applied to one port's state. */
export function step(
  prev: PortTrackState,
  obs: Observation,
  thresholds: Thresholds,
  now: number,
  cfg: TrackerConfig,
): StepResult {
  const state = copyState(prev);
  return { state, events: [...advance(state, obs, thresholds, now, cfg)] };
}

const NO_EVENTS: readonly TrackerEvent[] = Object.freeze([]);

function emit(out: TrackerEvent[] | undefined, e: TrackerEvent): TrackerEvent[] {
  if (!out) return [e];
  out.push(e);
  return out;
}

/**
 * `step` in place. The tracker owns its states and calls this directly: at 10,000 ports per
 * cycle, copying every state on every poll is most of the tracker's garbage. Nothing is
 * allocated on the common path (no transition).
 */
function advance(
  s: PortTrackState,
  obs: Observation,
  thresholds: Thresholds,
  now: number,
  cfg: TrackerConfig,
): readonly TrackerEvent[] {
  let out: TrackerEvent[] | undefined;
  s.ver++;

  if (!obs.ok) {
    s.healthyStreak = 0;
    s.unhealthyStreak = 0;
    s.healthySince = null;
    s.recoverStreak = 0;
    s.failedStreak++;
    s.failedSince ??= now;
    let flipped = false;
    if (!s.degraded && s.failedStreak >= cfg.downPolls) {
      s.degraded = { reason: obs.reason, since: s.failedSince };
      flipped = true;
    }
    return reportMonitoring(s, flipped, now, cfg, out) ?? NO_EVENTS;
  }

  let recovered = false;
  if (s.degraded) {
    s.recoverStreak++;
    if (s.recoverStreak >= cfg.upPolls) {
      s.degraded = null;
      s.recoverStreak = 0;
      recovered = true;
    }
  }
  out = reportMonitoring(s, recovered, now, cfg, out);
  s.failedStreak = 0;
  s.failedSince = null;

  const verdict = evaluateHealth(obs, thresholds);
  if (verdict.healthy) {
    s.healthyStreak++;
    s.unhealthyStreak = 0;
    s.healthySince ??= now;
  } else {
    s.unhealthyStreak++;
    s.healthyStreak = 0;
    s.healthySince = null;
    s.lastReason = primaryReason(verdict) ?? null;
  }

  if (s.underConstruction) {
    if (s.healthyStreak >= cfg.upPolls) {
      out = emit(out, {
        type: 'construction.completed',
        data: {
          device: s.device,
          port: s.port,
          evidence: {
            adminStatus: obs.adminStatus,
            operStatus: obs.operStatus,
            rxDbm: [...obs.rxDbm],
            txDbm: [...obs.txDbm],
            thresholds: {
              rx: [thresholds.rx[0], thresholds.rx[1]],
              tx: [thresholds.tx[0], thresholds.tx[1]],
            },
            samples: s.healthyStreak,
            since: iso(s.healthySince ?? now),
          },
        },
      });
      s.underConstruction = false;
      s.actual = 'available';
      s.reported = 'available';
    }
    return out ?? NO_EVENTS;
  }

  let next: Availability = s.actual;
  if (s.healthyStreak >= cfg.upPolls) next = 'available';
  else if (s.unhealthyStreak >= cfg.downPolls) next = 'unavailable';
  let flipped = false;
  if (next !== s.actual) {
    flipped = s.actual !== 'unknown';
    if (flipped) {
      s.flaps.push(now);
      // More than maxFlaps + 1 would only ever tell "damp", which the newest ones already do.
      const excess = s.flaps.length - (cfg.damping.maxFlaps + 1);
      if (excess > 0) s.flaps.splice(0, excess);
      if (s.damped) s.dampedFlips++;
    }
    s.actual = next;
    s.lastFlipAt = now;
  }
  const windowMs = cfg.damping.windowSeconds * 1000;
  if (!s.damped) {
    s.dampedFlips = 0;
    while (s.flaps.length > 0 && s.flaps[0]! <= now - windowMs) s.flaps.shift();
    // Only a flip can start damping; a quiet port is never damped by old flips alone.
    if (flipped && s.flaps.length > cfg.damping.maxFlaps) {
      s.damped = true;
      s.dampedFlips = s.flaps.length;
    }
  } else if (s.lastFlipAt !== null && now - s.lastFlipAt >= cfg.damping.holdSeconds * 1000) {
    s.damped = false;
  }

  if (!s.damped && s.actual !== 'unknown' && s.actual !== s.reported) {
    const reason: HealthReason | 'recovered' =
      s.actual === 'available' ? 'recovered' : (s.lastReason ?? 'oper-down');
    out = emit(out, {
      type: 'availability.changed',
      data: {
        device: s.device,
        port: s.port,
        to: s.actual,
        reason,
        rxDbm: [...obs.rxDbm],
        txDbm: [...obs.txDbm],
        flapCount: s.dampedFlips > 0 ? s.dampedFlips : s.flaps.length,
      },
    });
    s.reported = s.actual;
    s.dampedFlips = 0;
    // The episode is reported; from here flips age out of the window again.
    while (s.flaps.length > 0 && s.flaps[0]! <= now - windowMs) s.flaps.shift();
  }
  return out ?? NO_EVENTS;
}

/**
 * Rule 2's damping: the degraded ⇄ restored flips of a port, damped by the rule availability
 * uses (rule 5), and the event when what is now true differs from what was last said.
 */
function reportMonitoring(
  s: PortTrackState,
  flipped: boolean,
  now: number,
  cfg: TrackerConfig,
  out: TrackerEvent[] | undefined,
): TrackerEvent[] | undefined {
  const m = s.monitoringDamping;
  const windowMs = cfg.damping.windowSeconds * 1000;
  const age = () => {
    while (m.flips.length > 0 && m.flips[0]! <= now - windowMs) m.flips.shift();
  };
  if (flipped) {
    m.flips.push(now);
    m.lastFlipAt = now;
    // Bounded however long a device swings: the oldest flips become a count.
    while (m.flips.length > cfg.damping.maxFlaps + 1) {
      m.flips.shift();
      m.dropped++;
    }
  }
  if (!m.damped) {
    age();
    if (flipped && m.flips.length + m.dropped > cfg.damping.maxFlaps) m.damped = true;
  } else if (m.lastFlipAt !== null && now - m.lastFlipAt >= cfg.damping.holdSeconds * 1000) {
    m.damped = false;
  }
  const degraded = s.degraded !== null;
  if (m.damped || degraded === m.reportedDegraded) return out;
  const flapCount = m.flips.length + m.dropped;
  m.reportedDegraded = degraded;
  m.dropped = 0;
  age();
  if (s.degraded) {
    return emit(out, {
      type: 'monitoring.degraded',
      data: {
        device: s.device,
        port: s.port,
        reason: s.degraded.reason,
        since: iso(s.degraded.since),
        flapCount,
      },
    });
  }
  return emit(out, {
    type: 'monitoring.restored',
    data: { device: s.device, port: s.port, reason: 'recovered', since: iso(now), flapCount },
  });
}

/**
 * The tracker for every monitored port, with an injectable clock. Thin on purpose: the rules
 * live in `step` / `advance`.
 */
export class HealthTracker {
  readonly #cfg: TrackerConfig;
  readonly #clock: () => number;
  /** device → port → state; nested so observing builds no key strings. */
  readonly #states = new Map<string, Map<string, PortTrackState>>();

  constructor(cfg: TrackerConfig, options: { clock?: () => number; snapshot?: unknown } = {}) {
    this.#cfg = cfg;
    this.#clock = options.clock ?? Date.now;
    if (options.snapshot !== undefined) {
      for (const p of trackerSnapshotSchema.parse(options.snapshot).ports) this.#put(p);
    }
  }

  #put(s: PortTrackState): void {
    let ports = this.#states.get(s.device);
    if (!ports) {
      ports = new Map();
      this.#states.set(s.device, ports);
    }
    ports.set(s.port, s);
  }

  #get(device: string, port: string): PortTrackState | undefined {
    return this.#states.get(device)?.get(port);
  }

  /** Starts (or restarts) tracking a port with what is known about it. */
  track(device: string, port: string, seed: SeedOptions = {}): void {
    this.#put(initialState(device, port, seed));
  }

  /** A port under construction again (a new provision): completion will be reported once more. */
  startConstruction(device: string, port: string): void {
    const base = this.#get(device, port) ?? initialState(device, port);
    this.#put({ ...base, underConstruction: true, healthyStreak: 0, healthySince: null, unhealthyStreak: 0 });
  }

  forget(device: string, port: string): void {
    this.#states.get(device)?.delete(port);
  }

  /** Applies one poll result; returns the transitions it caused (usually none). */
  observe(obs: Observation, thresholds: Thresholds): readonly TrackerEvent[] {
    let s = this.#get(obs.device, obs.port);
    if (!s) {
      s = initialState(obs.device, obs.port);
      this.#put(s);
    }
    return advance(s, obs, thresholds, this.#clock(), this.#cfg);
  }

  /** A copy of one port's state. */
  state(device: string, port: string): PortTrackState | undefined {
    const s = this.#get(device, port);
    return s && copyState(s);
  }

  /** Plain JSON of every port's state, for persistence. */
  snapshot(): TrackerSnapshot {
    const ports: PortTrackState[] = [];
    for (const m of this.#states.values()) for (const s of m.values()) ports.push(copyState(s));
    return { v: 1, ports };
  }
}
