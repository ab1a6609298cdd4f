import type { DbmRange, PortThresholds, Thresholds } from '../../config/defaults.js';
import type { Bounds, LaneState, LaneThresholds, ThresholdSource } from '../../contract/optics.js';
import { boundsKey, InternTable, internLaneThresholds } from '../../core/intern.js';

/**
 * A lane's judgement by the bounds that apply to it (CONTRACT §5 "Module thresholds"): the
 * module's own where the transceiver reports them, else the config's, else the port type's
 * defaults. Pure, so the monitor, `status` and the console judge a reading the same way.
 */

export interface ResolvedThresholds {
  /** Every lane's bounds; alarm bounds are always set, warning bounds where someone gives them. */
  readonly bounds: LaneThresholds;
  readonly source: ThresholdSource;
  /** The alarm ranges, in the shape the health verdict takes. */
  readonly alarm: Thresholds;
}

function fromRanges(alarm: DbmRange, warning: DbmRange | undefined): Bounds {
  // A configured warning range that reaches past the alarm range would warn after the alarm: ignored.
  const w = warning && warning[0] >= alarm[0] && warning[1] <= alarm[1] ? warning : undefined;
  return { lowAlarm: alarm[0], lowWarning: w?.[0] ?? null, highWarning: w?.[1] ?? null, highAlarm: alarm[1] };
}

/**
 * Whether a module's bounds are usable: something given, and in order. A module that reports its
 * low alarm above its high alarm (seen with unset EEPROM fields read as 0) would turn every
 * reading into an alarm, so its bounds are not believed.
 */
function sane(b: Bounds): boolean {
  const given = [b.lowAlarm, b.lowWarning, b.highWarning, b.highAlarm].filter((v) => v !== null);
  if (given.length === 0) return false;
  for (let i = 1; i < given.length; i++) if (given[i]! < given[i - 1]!) return false;
  return true;
}

/** The module's bounds where it gives them, the configured ones where it does not. */
function merge(module: Bounds, fallback: Bounds): Bounds {
  return {
    lowAlarm: module.lowAlarm ?? fallback.lowAlarm,
    lowWarning: module.lowWarning ?? (module.lowAlarm === null ? fallback.lowWarning : null),
    highWarning: module.highWarning ?? (module.highAlarm === null ? fallback.highWarning : null),
    highAlarm: module.highAlarm ?? fallback.highAlarm,
  };
}

/** Two modules' thresholds are the same numbers (both absent counts as the same). */
export function sameLaneThresholds(a: LaneThresholds | undefined, b: LaneThresholds | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const same = (x: Bounds, y: Bounds) =>
    x.lowAlarm === y.lowAlarm &&
    x.lowWarning === y.lowWarning &&
    x.highWarning === y.highWarning &&
    x.highAlarm === y.highAlarm;
  return same(a.rx, b.rx) && same(a.tx, b.tx);
}

export function resolveThresholds(
  port: PortThresholds,
  module: LaneThresholds | undefined,
): ResolvedThresholds {
  const rx = fromRanges(port.rx, port.rxWarning);
  const tx = fromRanges(port.tx, port.txWarning);
  const useRx = module !== undefined && sane(module.rx);
  const useTx = module !== undefined && sane(module.tx);
  if (!useRx && !useTx) return shared(port.source, rx, tx);
  return shared('module', useRx ? merge(module.rx, rx) : rx, useTx ? merge(module.tx, tx) : tx);
}

/** Every connection judged by the same bounds holds the one object (core/intern.ts). */
const resolvedTable = new InternTable<ResolvedThresholds>();

function shared(source: ThresholdSource, rx: Bounds, tx: Bounds): ResolvedThresholds {
  return resolvedTable.get(`${source}|${boundsKey(rx)}|${boundsKey(tx)}`, () => ({
    bounds: internLaneThresholds(rx, tx),
    source,
    alarm: alarmOf(rx, tx),
  }));
}

function alarmOf(rx: Bounds, tx: Bounds): Thresholds {
  // Both alarm bounds are always set here: the configured ranges fill what a module leaves out.
  const range = (b: Bounds) => Object.freeze([b.lowAlarm!, b.highAlarm!]) as [number, number];
  return Object.freeze({ rx: range(rx), tx: range(tx) });
}

/**
 * One reading's state. No reading is `low-alarm`: no light is no light, as the health verdict
 * says. An alarm bound itself is still inside (the verdict's ranges are closed), a warning bound too.
 */
export function laneState(dbm: number | null, b: Bounds): LaneState {
  if (dbm === null) return 'low-alarm';
  if (b.lowAlarm !== null && dbm < b.lowAlarm) return 'low-alarm';
  if (b.highAlarm !== null && dbm > b.highAlarm) return 'high-alarm';
  if (b.lowWarning !== null && dbm < b.lowWarning) return 'low-warning';
  if (b.highWarning !== null && dbm > b.highWarning) return 'high-warning';
  return 'ok';
}

export const isWarning = (s: LaneState): boolean => s === 'low-warning' || s === 'high-warning';

/**
 * How far inside its warning bounds a reading is, in dB (negative: outside). A warning episode
 * closes only once the lane is back by the hysteresis margin, so a lane sitting on the bound does
 * not open and close an episode with every poll.
 */
export function warningMargin(dbm: number, b: Bounds): number {
  const low = b.lowWarning === null ? Number.POSITIVE_INFINITY : dbm - b.lowWarning;
  const high = b.highWarning === null ? Number.POSITIVE_INFINITY : b.highWarning - dbm;
  return Math.min(low, high);
}
