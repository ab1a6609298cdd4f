import type { Bounds, LaneThresholds } from '../../contract/optics.js';
import { errorMessage } from '../../core/errors.js';
import { instanceOid, intValue, isMissing, rowIndex } from '../mib/mib.js';
import type { SnmpReader, Varbind } from '../transport/snmp.js';
import {
  getMany,
  type LaneReading,
  type OpticsAdapter,
  type OpticsAdapterId,
  type OpticsBinding,
  type OpticsDiscovery,
  type OpticsPort,
} from './adapter.js';
import { EntityTables, matchSensorsToPorts, type SensorLaneMap } from './entity.js';
import {
  decodeSensorThresholds,
  portSensorThresholds,
  type SensorThresholdRow,
  thresholdRowsBySensor,
} from './sensor-thresholds.js';
import { sensorReading } from './units.js';

/**
 * The shape shared by RFC 3433 ENTITY-SENSOR-MIB and CISCO-ENTITY-SENSOR-MIB: a sensor table
 * indexed by entPhysicalIndex with type, scale, precision, value and status columns. Discovery
 * keeps the optical-power sensors, reads their scale and precision once, and places each on a
 * port by its ENTITY-MIB name; each poll then GETs only value and status.
 */
export interface SensorTableSpec {
  readonly id: OpticsAdapterId;
  readonly mib: string;
  readonly columns: {
    readonly type: string;
    readonly scale: string;
    readonly precision: string;
    readonly value: string;
    readonly status: string;
  };
  /**
   * The sensor threshold table (CISCO-ENTITY-SENSOR-MIB entSensorThresholdTable), where the MIB
   * has one; RFC 3433 ENTITY-SENSOR-MIB has none.
   */
  readonly thresholdColumns?: {
    readonly severity: string;
    readonly relation: string;
    readonly value: string;
  };
  /** Sensor types that measure optical power. */
  readonly powerTypes: ReadonlySet<number>;
  /** A scaled reading of a sensor of `type` → dBm, or null for no light / no reading. */
  toDbm(type: number, reading: number | null): number | null;
}

/** Sensor status `ok(1)` in both MIBs; unavailable(2) and nonoperational(3) are no reading. */
const STATUS_OK = 1;

export interface SensorFormat {
  readonly type: number;
  readonly scale: number;
  readonly precision: number;
}

/** Pure: one sensor's value and status varbinds → dBm. */
export function decodeSensor(
  spec: Pick<SensorTableSpec, 'toDbm'>,
  fmt: SensorFormat,
  value: Varbind | undefined,
  status: Varbind | undefined,
): number | null {
  const st = intValue(status);
  // An agent without the status column still has a usable value; a non-ok status never does.
  if (st !== null && st !== STATUS_OK) return null;
  return spec.toDbm(fmt.type, sensorReading(intValue(value), fmt.scale, fmt.precision));
}

export function sensorBinding(
  spec: SensorTableSpec,
  lanes: readonly SensorLaneMap[],
  formats: ReadonlyMap<number, SensorFormat>,
  thresholds?: LaneThresholds,
): OpticsBinding {
  const oids: string[] = [];
  // Per lane: where its rx and tx pairs sit in `oids` (-1 when the lane has no such sensor).
  const plan: { lane: number; rx: number; rxFmt?: SensorFormat; tx: number; txFmt?: SensorFormat }[] = [];
  for (const l of lanes) {
    const entry: (typeof plan)[number] = { lane: l.lane, rx: -1, tx: -1 };
    for (const dir of ['rx', 'tx'] as const) {
      const sensor = l[dir];
      const fmt = sensor === undefined ? undefined : formats.get(sensor);
      if (sensor === undefined || !fmt) continue;
      entry[dir] = oids.length;
      entry[`${dir}Fmt`] = fmt;
      oids.push(instanceOid(spec.columns.value, sensor), instanceOid(spec.columns.status, sensor));
    }
    plan.push(entry);
  }
  return {
    ...(thresholds ? { thresholds } : {}),
    oids,
    decode: (vbs, at) => {
      const out: LaneReading[] = [];
      for (const p of plan) {
        out.push({
          lane: p.lane,
          rxDbm: p.rxFmt ? decodeSensor(spec, p.rxFmt, vbs[at + p.rx], vbs[at + p.rx + 1]) : null,
          txDbm: p.txFmt ? decodeSensor(spec, p.txFmt, vbs[at + p.tx], vbs[at + p.tx + 1]) : null,
        });
      }
      return out;
    },
  };
}

function columnInts(column: string, vbs: readonly Varbind[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const vb of vbs) {
    const idx = rowIndex(column, vb.oid);
    const v = intValue(vb);
    if (idx !== null && /^\d+$/.test(idx) && v !== null) out.set(Number(idx), v);
  }
  return out;
}

/**
 * The bounds of the given sensors, read at discovery: one walk of the threshold value column
 * (row indexes are the agent's own numbering, so they cannot be guessed for a GET), then
 * severity and relation of the kept rows in GET batches. Failure leaves every sensor without
 * bounds, never the discovery without bindings.
 */
async function readSensorThresholds(
  reader: SnmpReader,
  spec: SensorTableSpec,
  formats: ReadonlyMap<number, SensorFormat>,
  sensors: ReadonlySet<number>,
  notes: string[],
): Promise<Map<number, Bounds>> {
  const out = new Map<number, Bounds>();
  const cols = spec.thresholdColumns;
  if (!cols || sensors.size === 0) return out;
  try {
    const rows = thresholdRowsBySensor(cols.value, await reader.walk(cols.value), sensors);
    const flat = [...rows.values()].flat();
    const vbs = await getMany(
      reader,
      flat.flatMap((r) => [`${cols.severity}.${r.row}`, `${cols.relation}.${r.row}`]),
    );
    const int = (vb: Varbind | undefined) => (isMissing(vb) ? null : intValue(vb));
    let k = 0;
    for (const [sensor, list] of rows) {
      const parsed: SensorThresholdRow[] = list.map((r) => {
        const row = {
          index: r.index,
          severity: int(vbs[k]),
          relation: int(vbs[k + 1]),
          value: typeof r.raw === 'number' && Number.isInteger(r.raw) ? r.raw : null,
        };
        k += 2;
        return row;
      });
      const fmt = formats.get(sensor);
      if (fmt) out.set(sensor, decodeSensorThresholds(parsed, fmt, spec.toDbm));
    }
  } catch (err) {
    notes.push(`module thresholds not read (${errorMessage(err)})`);
  }
  return out;
}

export function sensorTableAdapter(spec: SensorTableSpec): OpticsAdapter {
  return {
    id: spec.id,
    mib: spec.mib,
    readsOptics: true,
    entityIndexed: true,
    async discover(reader: SnmpReader, ports: readonly OpticsPort[]): Promise<OpticsDiscovery> {
      const notes: string[] = [];
      const types = columnInts(spec.columns.type, await reader.walk(spec.columns.type));
      const sensors = [...types.entries()].filter(([, t]) => spec.powerTypes.has(t)).map(([i]) => i);
      if (sensors.length === 0) {
        return { bindings: new Map(), notes: [`no optical power sensors in ${spec.mib}`] };
      }
      const fmtOids = sensors.flatMap((s) => [
        `${spec.columns.scale}.${s}`,
        `${spec.columns.precision}.${s}`,
      ]);
      const fmtVbs = await getMany(reader, fmtOids);
      const scales = columnInts(spec.columns.scale, fmtVbs);
      const precisions = columnInts(spec.columns.precision, fmtVbs);
      const formats = new Map<number, SensorFormat>();
      for (const s of sensors) {
        const scale = scales.get(s);
        const precision = precisions.get(s);
        if (scale === undefined || precision === undefined) {
          notes.push(`sensor ${s}: no scale/precision, ignored`);
          continue;
        }
        formats.set(s, { type: types.get(s)!, scale, precision });
      }
      const entities = new EntityTables(reader);
      const names = await entities.names();
      let matched = matchSensorsToPorts({ sensors, names, ports });
      // Containment is walked only when a name left a port without an Rx or a Tx sensor.
      const incomplete = (p: OpticsPort) => {
        const lanes = matched.get(p.name);
        return !lanes || lanes.some((l) => l.rx === undefined || l.tx === undefined);
      };
      if (ports.some(incomplete)) {
        const [containedIn, aliasToIfIndex] = await Promise.all([
          entities.containedIn(),
          entities.aliasToIfIndex(),
        ]);
        matched = matchSensorsToPorts({ sensors, names, ports, containedIn, aliasToIfIndex });
      }
      const used = new Set<number>();
      for (const lanes of matched.values())
        for (const l of lanes)
          for (const s of [l.rx, l.tx]) if (s !== undefined && formats.has(s)) used.add(s);
      const bySensor = await readSensorThresholds(reader, spec, formats, used, notes);
      const bindings = new Map<string, OpticsBinding>();
      for (const p of ports) {
        const lanes = matched.get(p.name);
        if (!lanes) {
          notes.push(`${p.name}: no Rx/Tx power sensor names this port`);
          continue;
        }
        bindings.set(p.name, sensorBinding(spec, lanes, formats, portSensorThresholds(lanes, bySensor)));
      }
      return { bindings, notes };
    },
  };
}
