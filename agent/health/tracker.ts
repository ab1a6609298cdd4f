// Over 400 lines: the pure state machine of CONTRACT §5 (health streaks, damping, monitoring events, the settled-port shortcut), kept whole so its rules read in order.
import type { Thresholds } from '../../config/defaults.js';
import type { EventData, IfStatus } from '../../contract/events.js';
import type { LaneThresholds } from '../../contract/optics.js';
import { evaluateHealth, type HealthReason, primaryReason, type Verdict } from './evaluate.js';
import { isWarning, laneState } from './lane-state.js';
import { errorEvidence, noteErrors, qualified, sameQualification } from './qualification.js';
import {
  type Availability,
  copyState,
  type FailureReason,
  type PortTrackState,
  type TrackerConfig,
} from './track-state.js';
import { type DegradingData, sameWarnings, stepWarnings } from './warning-episodes.js';

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
 *    the port flaps.
 * 6. The version (`ver`) is bumped by a step that changes the state or reports an event, and
 *    only then: streaks stop counting at the line they are compared with, so a steady port's
 *    state is the same poll after poll and the monitor writes nothing (CONTRACT §4's event ids
 *    derive from the version, so each transition still gets its own).
 */

export type TrackerEvent =
  | { readonly type: 'construction.completed'; readonly data: EventData<'construction.completed'> }
  | { readonly type: 'availability.changed'; readonly data: EventData<'availability.changed'> }
  | { readonly type: 'monitoring.degraded'; readonly data: EventData<'monitoring.degraded'> }
  | { readonly type: 'monitoring.restored'; readonly data: EventData<'monitoring.restored'> }
  | { readonly type: 'optics.degrading'; readonly data: DegradingData };

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
      /** ifInErrors, read only for qualification (null: asked for, not answered). */
      readonly inErrors?: number | null;
      /** The device restarted since the last poll: its counters did too. */
      readonly countersReset?: boolean;
    }
  | { readonly ok: false; readonly device: string; readonly port: string; readonly reason: FailureReason };

const iso = (ms: number) => new Date(ms).toISOString();

/** What most steps report: one shared empty list, nothing allocated per poll. */
const NO_EVENTS: readonly TrackerEvent[] = Object.freeze([]);

export interface StepResult {
  readonly state: PortTrackState;
  readonly events: readonly TrackerEvent[];
}

/**
 * Pure: one poll result applied to one port's state. `bounds` are the lanes' full bounds (alarm and
 * warning, agent/health/lane-state.ts); without them no warning episodes are kept.
 */
export function step(
  prev: PortTrackState,
  obs: Observation,
  thresholds: Thresholds,
  now: number,
  cfg: TrackerConfig,
  bounds?: LaneThresholds,
): StepResult {
  const verdict = obs.ok ? evaluateHealth(obs, thresholds) : undefined;
  // Almost every poll of a settled fleet is this one: nothing to copy, compare or report.
  if (verdict && steadyUnder(prev, verdict, now, cfg) && warningsSteady(prev, obs, bounds))
    return { state: prev, events: NO_EVENTS };
  return stepFull(prev, obs, thresholds, now, cfg, verdict, bounds);
}

/**
 * Whether the warning episodes (warn below) would leave a settled port as it is: no episode under
 * way and no lane in a warning band. Anything else goes through the full step.
 */
function warningsSteady(s: PortTrackState, obs: Observation, bounds: LaneThresholds | undefined): boolean {
  if (!bounds || !obs.ok || !obs.opticsRead || obs.adminStatus !== 'up') return true;
  if (s.warnings !== undefined) return false;
  const lanes = obs.lanes;
  for (let i = 0; i < lanes.length; i++) {
    const l = lanes[i]!;
    if (l.rxDbm !== null && isWarning(laneState(l.rxDbm, bounds.rx))) return false;
    if (l.txDbm !== null && isWarning(laneState(l.txDbm, bounds.tx))) return false;
  }
  return true;
}

/**
 * `step` without its shortcut for settled ports: copy, advance, compare. Exported so a test can
 * hold the shortcut to it on any sequence of polls.
 */
export function stepFull(
  prev: PortTrackState,
  obs: Observation,
  thresholds: Thresholds,
  now: number,
  cfg: TrackerConfig,
  verdict?: Verdict,
  bounds?: LaneThresholds,
): StepResult {
  const state = copyState(prev);
  const events = [...advance(state, obs, thresholds, now, cfg, verdict)];
  if (bounds) warn(state, obs, bounds, cfg, events);
  // Nothing moved (a steady port: its streaks stop at the lines they are compared with): the same
  // state, same version, so the monitor has nothing to write. The version counts changes, not polls.
  if (events.length === 0 && sameState(state, prev)) return { state: prev, events };
  state.ver = prev.ver + 1;
  return { state, events };
}

/**
 * True when `advance` would leave `s` as it is and report nothing for a successful poll with this
 * verdict: a built port, neither degraded nor damped (either kind), no flip about to age out of
 * the window, no failure streak, and a verdict that agrees with the streak, the availability and
 * what was reported. Anything else takes the full step; this only spares the copy of the state
 * (allocations per port per poll) where the outcome is known. `stepFull` is the definition: the
 * tracker's tests check the two agree on random poll sequences.
 */
function steadyUnder(s: PortTrackState, verdict: Verdict, now: number, cfg: TrackerConfig): boolean {
  const m = s.monitoringDamping;
  const windowStart = now - cfg.damping.windowSeconds * 1000;
  if (
    s.underConstruction ||
    s.degraded !== null ||
    s.damped ||
    s.dampedFlips !== 0 ||
    s.failedStreak !== 0 ||
    s.failedSince !== null ||
    m.damped ||
    m.reportedDegraded ||
    (m.flips.length > 0 && m.flips[0]! <= windowStart) ||
    (s.flaps.length > 0 && s.flaps[0]! <= windowStart) ||
    s.actual !== s.reported
  ) {
    return false;
  }
  if (verdict.healthy) {
    return (
      s.healthyStreak >= cfg.upPolls &&
      s.unhealthyStreak === 0 &&
      s.healthySince !== null &&
      s.actual === 'available'
    );
  }
  return (
    s.unhealthyStreak >= cfg.downPolls &&
    s.healthyStreak === 0 &&
    s.healthyStreak < cfg.upPolls &&
    s.healthySince === null &&
    s.lastReason === (primaryReason(verdict) ?? null) &&
    s.actual === 'unavailable'
  );
}

const sameNumbers = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** Field by field (no JSON): this runs for every port on every poll. `ver` is left out. */
export function sameState(a: PortTrackState, b: PortTrackState): boolean {
  const ma = a.monitoringDamping;
  const mb = b.monitoringDamping;
  return (
    a.underConstruction === b.underConstruction &&
    a.reported === b.reported &&
    a.actual === b.actual &&
    a.healthyStreak === b.healthyStreak &&
    a.unhealthyStreak === b.unhealthyStreak &&
    a.healthySince === b.healthySince &&
    a.lastReason === b.lastReason &&
    a.failedStreak === b.failedStreak &&
    a.failedSince === b.failedSince &&
    a.degraded?.reason === b.degraded?.reason &&
    a.degraded?.since === b.degraded?.since &&
    sameNumbers(a.flaps, b.flaps) &&
    a.damped === b.damped &&
    a.dampedFlips === b.dampedFlips &&
    a.lastFlipAt === b.lastFlipAt &&
    a.recoverStreak === b.recoverStreak &&
    sameNumbers(ma.flips, mb.flips) &&
    ma.dropped === mb.dropped &&
    ma.damped === mb.damped &&
    ma.lastFlipAt === mb.lastFlipAt &&
    ma.reportedDegraded === mb.reportedDegraded &&
    a.device === b.device &&
    a.port === b.port &&
    sameQualification(a.qualification, b.qualification) &&
    sameWarnings(a.warnings, b.warnings)
  );
}

/**
 * Warning episodes, on an available port's light only: a port that is admin down, under
 * construction (no light yet is normal there), failing its polls or not read for optics says
 * nothing about its module's warning bands, and its episodes stay as they were.
 */
function warn(
  s: PortTrackState,
  obs: Observation,
  bounds: LaneThresholds,
  cfg: TrackerConfig,
  events: TrackerEvent[],
): void {
  if (!obs.ok || !obs.opticsRead || obs.adminStatus !== 'up' || s.underConstruction) return;
  const { entries, opened } = stepWarnings(s.warnings, obs.lanes, bounds, s, {
    upPolls: cfg.upPolls,
    downPolls: cfg.downPolls,
    hysteresisDb: cfg.warnings?.hysteresisDb ?? 0.5,
  });
  if (entries === undefined) delete s.warnings;
  else if (entries !== s.warnings) s.warnings = [...entries];
  for (const data of opened) events.push({ type: 'optics.degrading', data });
}

function emit(out: TrackerEvent[] | undefined, e: TrackerEvent): TrackerEvent[] {
  if (!out) return [e];
  out.push(e);
  return out;
}

/** `step` on a state `step` has already copied; nothing is allocated when there is no transition. */
function advance(
  s: PortTrackState,
  obs: Observation,
  thresholds: Thresholds,
  now: number,
  cfg: TrackerConfig,
  judged?: Verdict,
): readonly TrackerEvent[] {
  let out: TrackerEvent[] | undefined;

  if (!obs.ok) {
    s.healthyStreak = 0;
    s.unhealthyStreak = 0;
    s.healthySince = null;
    s.recoverStreak = 0;
    // A gap is no evidence of a clean link either.
    if (s.qualification)
      s.qualification = noteErrors(s.qualification, { inErrors: null }, errorFreePolls(cfg));
    // Streaks stop at the line they are compared with: counting further would change the state
    // (and so write it to Redis) on every poll of a port that is steady.
    if (s.failedStreak < cfg.downPolls) s.failedStreak++;
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

  const verdict = judged ?? evaluateHealth(obs, thresholds);
  if (verdict.healthy) {
    if (s.healthyStreak < cfg.upPolls) s.healthyStreak++;
    s.unhealthyStreak = 0;
    s.healthySince ??= now;
  } else {
    if (s.unhealthyStreak < cfg.downPolls) s.unhealthyStreak++;
    s.healthyStreak = 0;
    s.healthySince = null;
    s.lastReason = primaryReason(verdict) ?? null;
  }

  if (s.underConstruction) {
    const n = errorFreePolls(cfg);
    if (n > 0) {
      const sample = { inErrors: obs.inErrors ?? null, countersReset: obs.countersReset === true };
      s.qualification = noteErrors(s.qualification, sample, n);
    }
    if (s.healthyStreak >= cfg.upPolls && qualified(s.qualification, n)) {
      const errors = n > 0 && s.qualification ? { errors: errorEvidence(s.qualification, n) } : {};
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
            ...errors,
          },
        },
      });
      s.underConstruction = false;
      delete s.qualification;
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

const errorFreePolls = (cfg: TrackerConfig) => cfg.qualification?.errorFreePolls ?? 0;

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
