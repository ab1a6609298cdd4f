import type { LaneThresholds } from '../../contract/optics.js';
import { errorMessage } from '../../core/errors.js';
import { instanceOid, intValue, isMissing, rowIndex, textValue } from '../mib/mib.js';
import type { SnmpReader, Varbind } from '../transport/snmp.js';
import {
  getMany,
  type LaneReading,
  type OpticsAdapter,
  type OpticsBinding,
  type OpticsDiscovery,
  type OpticsPort,
} from './adapter.js';
import { EntityTables, entitiesByIfIndex } from './entity.js';
import { bounds, laneThresholds } from './thresholds.js';
import { centiDbm, microwattsToDbm, parseLaneList } from './units.js';

/**
 * Huawei: HUAWEI-ENTITY-EXTENT-MIB hwOpticalModuleInfoTable (1.3.6.1.4.1.2011.5.25.31.1.1.3),
 * indexed by entPhysicalIndex. The port's entity is found through ENTITY-MIB
 * entAliasMappingIdentifier (entity → ifIndex), then its children (the transceiver sits in the
 * port), then by entPhysicalName equal to the port's name.
 *
 * Units: current MIBs give hwEntityOpticalRxPower/TxPower in hundredths of a dBm; early firmware
 * gave microwatts in the same objects. The multi-lane strings hwEntityOpticalLaneRxPower/TxPower
 * ("114,32,-90,-228") were added later and are always hundredths of a dBm.
 */
export const HUAWEI_OIDS = Object.freeze({
  rxPower: '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.8',
  txPower: '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.9',
  rxLowThreshold: '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.13',
  rxHighThreshold: '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.14',
  txLowThreshold: '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.15',
  txHighThreshold: '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.16',
  rxLowWarnThreshold: '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.20',
  rxHighWarnThreshold: '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.21',
  txLowWarnThreshold: '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.22',
  txHighWarnThreshold: '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.23',
  laneRxPower: '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.32',
  laneTxPower: '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.33',
});

export type HuaweiPowerUnit = 'centi-dbm' | 'microwatt';

/**
 * Pure: which unit a device's firmware uses, from values it reported in that unit.
 *
 * The receive low threshold settles it: receiver sensitivity is below 0 dBm for every optic, so
 * in hundredths of a dBm it is negative, and in microwatts it is positive. Without thresholds the
 * readings decide: a negative one can only be dBm, and one above 1000 (+10 dBm, beyond any
 * pluggable) can only be microwatts. With no evidence either way, the current MIB's unit.
 */
export function detectHuaweiUnit(
  rxLowThresholds: readonly number[],
  readings: readonly number[],
): HuaweiPowerUnit {
  const real = (v: number) => v !== 2147483647 && v !== -2147483648;
  const thresholds = rxLowThresholds.filter((v) => real(v) && v !== 0);
  if (thresholds.some((v) => v < 0)) return 'centi-dbm';
  if (thresholds.length > 0) return 'microwatt';
  const values = readings.filter(real);
  if (values.some((v) => v < 0)) return 'centi-dbm';
  if (values.some((v) => v > 1000)) return 'microwatt';
  return 'centi-dbm';
}

export function huaweiPower(raw: number | null, unit: HuaweiPowerUnit): number | null {
  return unit === 'microwatt' ? microwattsToDbm(raw) : centiDbm(raw);
}

/**
 * Pure: one port's readings. Lane strings win when the module has them; otherwise the module
 * totals are lane 1.
 */
export function decodeHuawei(
  unit: HuaweiPowerUnit,
  rx: Varbind | undefined,
  tx: Varbind | undefined,
  laneRx?: Varbind,
  laneTx?: Varbind,
): LaneReading[] {
  const lr = parseLaneList(textValue(laneRx));
  const lt = parseLaneList(textValue(laneTx));
  const n = Math.max(lr.length, lt.length);
  if (n > 0) {
    const out: LaneReading[] = [];
    for (let i = 0; i < n; i++) out.push({ lane: i + 1, rxDbm: lr[i] ?? null, txDbm: lt[i] ?? null });
    return out;
  }
  return [{ lane: 1, rxDbm: huaweiPower(intValue(rx), unit), txDbm: huaweiPower(intValue(tx), unit) }];
}

/**
 * The eight threshold columns of a module, in the order `decodeHuaweiThresholds` takes them:
 * rx low alarm, low warning, high warning, high alarm, then the same for tx.
 */
export const HUAWEI_THRESHOLD_COLUMNS: readonly string[] = Object.freeze([
  HUAWEI_OIDS.rxLowThreshold,
  HUAWEI_OIDS.rxLowWarnThreshold,
  HUAWEI_OIDS.rxHighWarnThreshold,
  HUAWEI_OIDS.rxHighThreshold,
  HUAWEI_OIDS.txLowThreshold,
  HUAWEI_OIDS.txLowWarnThreshold,
  HUAWEI_OIDS.txHighWarnThreshold,
  HUAWEI_OIDS.txHighThreshold,
]);

/** Huawei answers -1 for a threshold the module does not give (besides the Integer32 extremes). */
const HUAWEI_UNSET = -1;

/**
 * Pure: a module's bounds from its eight threshold varbinds (HUAWEI_THRESHOLD_COLUMNS order).
 *
 * The unit is decided per device from the low thresholds alone (`detectHuaweiUnit` with no
 * readings): every low bound is below 0 dBm, so negative can only be hundredths of a dBm and
 * positive only microwatts. That
 * is deliberately not the power unit: some firmware is reported (by other monitoring tools'
 * Huawei support) to give power in microwatts while its thresholds stay in hundredths of a dBm,
 * and the thresholds' own sign tells.
 */
export function decodeHuaweiThresholds(
  unit: HuaweiPowerUnit,
  vbs: readonly (Varbind | undefined)[],
): LaneThresholds | undefined {
  const v = (i: number) => {
    const raw = isMissing(vbs[i]) ? null : intValue(vbs[i]);
    return raw === HUAWEI_UNSET ? null : huaweiPower(raw, unit);
  };
  return laneThresholds(bounds(v(0), v(1), v(2), v(3)), bounds(v(4), v(5), v(6), v(7)));
}

export function huaweiBinding(
  entity: number,
  lanes: number,
  unit: HuaweiPowerUnit,
  thresholds?: LaneThresholds,
): OpticsBinding {
  const rx = instanceOid(HUAWEI_OIDS.rxPower, entity);
  const tx = instanceOid(HUAWEI_OIDS.txPower, entity);
  const own = thresholds ? { thresholds } : {};
  if (lanes <= 1) {
    return { entity, ...own, oids: [rx, tx], decode: (vbs, at) => decodeHuawei(unit, vbs[at], vbs[at + 1]) };
  }
  return {
    entity,
    ...own,
    oids: [
      rx,
      tx,
      instanceOid(HUAWEI_OIDS.laneRxPower, entity),
      instanceOid(HUAWEI_OIDS.laneTxPower, entity),
    ],
    // The lane lists are text, "-2.31,-2.45,…": up to 7 characters a lane, a comma between.
    valueBytes: [undefined, undefined, laneListBytes(lanes), laneListBytes(lanes)],
    decode: (vbs, at) => decodeHuawei(unit, vbs[at], vbs[at + 1], vbs[at + 2], vbs[at + 3]),
  };
}

/** An OCTET STRING of `lanes` values of up to 7 characters ("-40.00,"): tag, length, text. */
function laneListBytes(lanes: number): number {
  const text = 7 * lanes;
  return 1 + (text < 0x80 ? 1 : 2) + text;
}

/** Pure: the optical module entity for a port, given the tables discovery read. */
export function findHuaweiModule(
  port: OpticsPort,
  optics: ReadonlySet<number>,
  aliased: ReadonlyMap<number, readonly number[]>,
  children?: ReadonlyMap<number, readonly number[]>,
  names?: ReadonlyMap<number, { name?: string }>,
): { entity: number; via: 'alias' | 'child' | 'name' } | undefined {
  const mapped = aliased.get(port.ifIndex) ?? [];
  for (const e of mapped) if (optics.has(e)) return { entity: e, via: 'alias' };
  if (children) {
    for (const e of mapped)
      for (const c of children.get(e) ?? []) if (optics.has(c)) return { entity: c, via: 'child' };
  }
  if (names) {
    const want = new Set([port.name, port.ifName, port.ifDescr].filter(Boolean).map((s) => s!.toLowerCase()));
    for (const e of [...optics].sort((a, b) => a - b)) {
      const n = names.get(e)?.name?.toLowerCase();
      if (n && want.has(n)) return { entity: e, via: 'name' };
    }
  }
  return undefined;
}

export const huaweiAdapter: OpticsAdapter = {
  id: 'huawei',
  mib: 'HUAWEI-ENTITY-EXTENT-MIB',
  readsOptics: true,
  entityIndexed: true,
  async discover(reader: SnmpReader, ports: readonly OpticsPort[]): Promise<OpticsDiscovery> {
    const notes: string[] = [];
    const rxRows = await reader.walk(HUAWEI_OIDS.rxPower);
    const readings = new Map<number, number>();
    for (const vb of rxRows) {
      const idx = rowIndex(HUAWEI_OIDS.rxPower, vb.oid);
      const v = intValue(vb);
      if (idx !== null && /^\d+$/.test(idx) && v !== null) readings.set(Number(idx), v);
    }
    const optics = new Set(readings.keys());
    if (optics.size === 0) return { bindings: new Map(), notes: ['no rows in hwOpticalModuleInfoTable'] };

    const entities = new EntityTables(reader);
    const aliased = entitiesByIfIndex(await entities.aliasToIfIndex());
    const found = new Map<string, number>();
    let pending = ports.filter((p) => {
      const hit = findHuaweiModule(p, optics, aliased);
      if (hit) found.set(p.name, hit.entity);
      return !hit;
    });
    if (pending.length > 0) {
      const containedIn = await entities.containedIn();
      const children = new Map<number, number[]>();
      for (const [child, parent] of containedIn) {
        const l = children.get(parent) ?? [];
        l.push(child);
        children.set(parent, l);
      }
      const names = await entities.names();
      pending = pending.filter((p) => {
        const hit = findHuaweiModule(p, optics, aliased, children, names);
        if (hit) {
          found.set(p.name, hit.entity);
          if (hit.via === 'name')
            notes.push(`${p.name}: optical module found by entPhysicalName, not alias mapping`);
        }
        return !hit;
      });
    }
    for (const p of pending) notes.push(`${p.name}: no optical module in hwOpticalModuleInfoTable`);

    const bound = [...new Set(found.values())];
    const cols = HUAWEI_THRESHOLD_COLUMNS.length;
    // One batch for every bound module's eight thresholds: the receive low one also tells the
    // firmware's unit. Older firmware without the warning columns answers noSuch* for those.
    let thresholdVbs: (Varbind | undefined)[];
    try {
      thresholdVbs = await getMany(
        reader,
        bound.flatMap((e) => HUAWEI_THRESHOLD_COLUMNS.map((c) => `${c}.${e}`)),
      );
    } catch (err) {
      // An agent that refuses the whole batch (a v1-style noSuchName) still gets the unit check
      // it always had; the module bounds are a nicety, the binding is what polling needs.
      notes.push(`module thresholds not read (${errorMessage(err)})`);
      const lows = await getMany(
        reader,
        bound.map((e) => `${HUAWEI_OIDS.rxLowThreshold}.${e}`),
      );
      thresholdVbs = bound.flatMap((_, i) => [lows[i], ...new Array<undefined>(cols - 1)]);
    }
    // -1 is "not given", no evidence of a unit either way.
    const rxLows = bound
      .map((_, i) => (isMissing(thresholdVbs[i * cols]) ? null : intValue(thresholdVbs[i * cols])))
      .filter((v): v is number => v !== null && v !== HUAWEI_UNSET);
    const unit = detectHuaweiUnit(
      rxLows,
      bound.map((e) => readings.get(e)!),
    );
    if (unit === 'microwatt') notes.push('firmware reports optical power in microwatts');
    // Every low bound (alarm and warning, rx and tx) sits below 0 dBm for any optic, so all four
    // low columns can tell the thresholds' unit, also when the receive low one is unset.
    const lows = bound.flatMap((_, i) =>
      [0, 1, 4, 5]
        .map((c) => thresholdVbs[i * cols + c])
        .map((vb) => (isMissing(vb) ? null : intValue(vb)))
        .filter((v): v is number => v !== null && v !== HUAWEI_UNSET),
    );
    const thresholdUnit = detectHuaweiUnit(lows, []);
    const moduleBounds = new Map<number, LaneThresholds | undefined>();
    bound.forEach((e, i) => {
      moduleBounds.set(
        e,
        decodeHuaweiThresholds(thresholdUnit, thresholdVbs.slice(i * cols, (i + 1) * cols)),
      );
    });

    const bindings = new Map<string, OpticsBinding>();
    for (const p of ports) {
      const entity = found.get(p.name);
      if (entity !== undefined)
        bindings.set(p.name, huaweiBinding(entity, p.lanes, unit, moduleBounds.get(entity)));
    }
    return { bindings, notes };
  },
};
