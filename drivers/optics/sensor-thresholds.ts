import type { Bounds, LaneThresholds } from '../../contract/optics.js';
import { rowIndex } from '../mib/mib.js';
import { bounds, laneThresholds, NO_BOUNDS } from './thresholds.js';
import { sensorReading } from './units.js';

/**
 * CISCO-ENTITY-SENSOR-MIB entSensorThresholdTable: any number of rows per sensor, indexed by
 * (entPhysicalIndex, entSensorThresholdIndex), each a severity, a relation and a value in the
 * sensor's own fixed-point format (type, scale, precision). Which row is an alarm and which a
 * warning is not numbered anywhere; it follows from severity and relation, as below.
 */

/** SensorThresholdSeverity. */
export const SEVERITY = Object.freeze({ other: 1, minor: 10, major: 20, critical: 30 });
/** SensorThresholdRelation: lessThan(1), lessOrEqual(2) bound from below; greaterThan(3), greaterOrEqual(4) from above. */
const LOW_RELATIONS: ReadonlySet<number> = new Set([1, 2]);
const HIGH_RELATIONS: ReadonlySet<number> = new Set([3, 4]);

/**
 * Raw values that are not a bound: SensorValue's underflow/overflow markers, the Integer16
 * floor some IOS releases fill unused rows with, and 0, which agents leave in rows a module did
 * not fill (a real 0 dBm bound is not distinguishable from it, and no optic's bound sits at
 * exactly 0 in the sensor's raw unit but by that accident).
 */
const UNSET_RAW: ReadonlySet<number> = new Set([-1_000_000_000, 1_000_000_000, -32_768, 0]);

export interface SensorThresholdRow {
  readonly index: number;
  readonly severity: number | null;
  readonly relation: number | null;
  readonly value: number | null;
}

export interface SensorValueFormat {
  readonly type: number;
  readonly scale: number;
  readonly precision: number;
}

/**
 * Pure: one sensor's bounds in dBm. Per side (low, high): the most severe row is the alarm
 * (critical over major); minor is the warning, and where there is no minor but both critical and
 * major, major is the warning (IOS XR's three levels). A side with only a minor row has a warning
 * and no alarm. Among rows of one severity and side, the lowest threshold index wins. Rows with
 * severity other(1), relations equalTo/notEqualTo, or an unset value are ignored.
 */
export function decodeSensorThresholds(
  rows: readonly SensorThresholdRow[],
  fmt: SensorValueFormat,
  toDbm: (type: number, reading: number | null) => number | null,
): Bounds {
  const low = new Map<number, number>();
  const high = new Map<number, number>();
  for (const r of [...rows].sort((a, b) => a.index - b.index)) {
    if (r.severity === null || r.relation === null || r.value === null || UNSET_RAW.has(r.value)) continue;
    if (r.severity !== SEVERITY.minor && r.severity !== SEVERITY.major && r.severity !== SEVERITY.critical)
      continue;
    const side = LOW_RELATIONS.has(r.relation) ? low : HIGH_RELATIONS.has(r.relation) ? high : undefined;
    if (!side || side.has(r.severity)) continue;
    const dbm = toDbm(fmt.type, sensorReading(r.value, fmt.scale, fmt.precision));
    if (dbm !== null) side.set(r.severity, dbm);
  }
  const pick = (side: Map<number, number>) => {
    const alarm = side.get(SEVERITY.critical) ?? side.get(SEVERITY.major) ?? null;
    const warning =
      side.get(SEVERITY.minor) ?? (side.has(SEVERITY.critical) ? (side.get(SEVERITY.major) ?? null) : null);
    return { alarm, warning };
  };
  const l = pick(low);
  const h = pick(high);
  return bounds(l.alarm, l.warning, h.warning, h.alarm);
}

/** Pure: walked threshold rows (one column's varbinds) grouped by sensor → threshold index → raw. */
export function thresholdRowsBySensor(
  column: string,
  vbs: readonly { oid: string; value: unknown }[],
  keep: ReadonlySet<number>,
): Map<number, { index: number; row: string; raw: unknown }[]> {
  const out = new Map<number, { index: number; row: string; raw: unknown }[]>();
  for (const vb of vbs) {
    const idx = rowIndex(column, vb.oid);
    const m = idx && /^(\d+)\.(\d+)$/.exec(idx);
    if (!m) continue;
    const sensor = Number(m[1]);
    if (!keep.has(sensor)) continue;
    const list = out.get(sensor) ?? [];
    list.push({ index: Number(m[2]), row: idx, raw: vb.value });
    out.set(sensor, list);
  }
  return out;
}

/**
 * Pure: a port's bounds from its lanes' sensors. Modules carry one set of thresholds, which IOS
 * repeats on every lane's sensor; per direction the first lane whose sensor has any bound is taken.
 */
export function portSensorThresholds(
  lanes: readonly { readonly rx?: number; readonly tx?: number }[],
  bySensor: ReadonlyMap<number, Bounds>,
): LaneThresholds | undefined {
  const first = (dir: 'rx' | 'tx'): Bounds => {
    for (const l of lanes) {
      const s = l[dir];
      const b = s === undefined ? undefined : bySensor.get(s);
      if (b && (b.lowAlarm ?? b.lowWarning ?? b.highWarning ?? b.highAlarm) !== null) return b;
    }
    return NO_BOUNDS;
  };
  return laneThresholds(first('rx'), first('tx'));
}
