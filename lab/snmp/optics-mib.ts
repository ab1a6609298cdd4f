import type { Bounds, LaneThresholds } from '../../contract/optics.js';
import type { PortType } from '../../contract/port-types.js';
import { OID } from '../../drivers/mib/mib.js';
import type { OpticsAdapterId } from '../../drivers/optics/adapter.js';
import { CISCO_DBM, CISCO_SENSOR_OIDS, CISCO_THRESHOLD_OIDS } from '../../drivers/optics/cisco.js';
import { ENTITY_SENSOR_OIDS, SENSOR_WATTS } from '../../drivers/optics/entity-sensor.js';
import { H3C_OIDS, H3C_THRESHOLD_COLUMNS } from '../../drivers/optics/h3c.js';
import { HUAWEI_OIDS, HUAWEI_THRESHOLD_COLUMNS } from '../../drivers/optics/huawei.js';
import { JUNIPER_OIDS, JUNIPER_THRESHOLD_COLUMNS } from '../../drivers/optics/juniper.js';
import { type LaneLight, MODULE_THRESHOLDS } from '../model/switch.js';
import { int, type MibRow, oidValue, str } from './mib-view.js';

/**
 * Each vendor's optics MIB as a lab switch serves it: the same OIDs, indexes and units the
 * agent's adapters in drivers/optics read (imported from them, never retyped), so an adapter
 * that discovers and decodes the lab correctly does the same on the vendor's device.
 *
 * Dark readings, chosen so that between them they cover every "no reading" form the adapters
 * must recognise:
 *
 * | vendor        | unit (as the adapter decodes it)           | dark / laser off              |
 * |---------------|--------------------------------------------|-------------------------------|
 * | huawei        | hundredths of dBm, by port entity; lanes as "a,b,c,d" | −4000 (−40.00 dBm, the DOM floor) |
 * | h3c           | hundredths of dBm, by ifIndex, one total   | 2147483647 (the MIB's "not available") |
 * | juniper       | hundredths of dBm, by ifIndex; lanes by ifIndex.lane (0-based) | −4000 |
 * | cisco         | dBm sensors, units(9) precision 1          | −400 (−40.0 dBm)              |
 * | entity-sensor | watts(6) sensors, micro(7) precision 1     | 0 (0 W)                       |
 *
 * Each transceiver's own alarm and warning bounds (its DOM thresholds) are served the way the
 * vendor's MIB carries them, as module rows that come and go with the transceiver: Huawei
 * hundredths of dBm by port entity (-1 for a bound the module leaves unset), Juniper hundredths
 * of dBm by ifIndex, H3C both the hundredths-of-dBm and the tenths-of-µW columns, Cisco four
 * entSensorThresholdTable rows per sensor (major = alarm, minor = warning, IOS style).
 * ENTITY-SENSOR-MIB has no threshold table, so that vendor serves none.
 */

export interface MibPort {
  readonly name: string;
  readonly ifIndex: number;
  readonly portType: PortType;
  readonly lanes: number;
  /** The transceiver's own bounds; absent for an empty cage (its rows are then only deleted). */
  readonly thresholds?: LaneThresholds;
}

/**
 * The bounds to serve, in the order of the adapters' threshold column lists: rx low alarm, low
 * warning, high warning, high alarm, then tx. For an empty cage, the port type's usual ones, so
 * the row list names every OID a previous module may have left.
 */
function boundList(p: MibPort): (number | null)[] {
  const t = p.thresholds ?? MODULE_THRESHOLDS[p.portType];
  const four = (b: Bounds) => [b.lowAlarm, b.lowWarning, b.highWarning, b.highAlarm];
  return [...four(t.rx), ...four(t.tx)];
}

export interface VendorMib {
  readonly enterprise: number;
  readonly label: string;
  /** Rows that never change: entities, sensor formats, thresholds (every port's moduleRows included). */
  staticRows(ports: readonly MibPort[]): MibRow[];
  /** The part of staticRows that exists only while the port's cage holds a transceiver. */
  moduleRows(port: MibPort): MibRow[];
  /** Where the transceiver's entPhysicalMfgName/ModelName/SerialNum live, for MIBs bound through ENTITY-MIB. */
  identityEntity?(port: MibPort): number;
  /** Rows that follow the port's light. */
  lightRows(port: MibPort, light: readonly LaneLight[]): MibRow[];
}

// ENTITY-MIB layout of a lab switch: chassis 1, then one port entity per port (aliased to its
// ifIndex), its transceiver inside it, and the transceiver's power sensors inside that.
const CHASSIS = 1;
const portEntity = (p: MibPort): number => 100_000 + p.ifIndex;
const moduleEntity = (p: MibPort): number => 200_000 + p.ifIndex;
const sensorEntity = (p: MibPort, lane: number, dir: 'rx' | 'tx'): number =>
  1_000_000 + p.ifIndex * 16 + (lane - 1) * 2 + (dir === 'rx' ? 0 : 1);

/** entPhysicalClass values (RFC 6933). */
const ENT_CLASS = { chassis: 3, module: 9, port: 10, sensor: 8 } as const;

function entity(index: number, name: string, descr: string, cls: number, parent: number): MibRow[] {
  return [
    { oid: `${OID.entPhysicalDescr}.${index}`, value: str(descr) },
    { oid: `${OID.entPhysicalContainedIn}.${index}`, value: int(parent) },
    { oid: `${OID.entPhysicalClass}.${index}`, value: int(cls) },
    { oid: `${OID.entPhysicalName}.${index}`, value: str(name) },
  ];
}

function chassisAndPorts(ports: readonly MibPort[]): MibRow[] {
  const rows = entity(CHASSIS, 'chassis', 'dcagent lab switch chassis', ENT_CLASS.chassis, 0);
  for (const p of ports) {
    rows.push(...entity(portEntity(p), p.name, `${p.portType} port`, ENT_CLASS.port, CHASSIS));
    // entAliasMappingIdentifier.<entity>.0 = ifIndex.<n>: logical index 0, valid in every context.
    rows.push({
      oid: `${OID.entAliasMappingIdentifier}.${portEntity(p)}.0`,
      value: oidValue(`${OID.ifIndex}.${p.ifIndex}`),
    });
  }
  return rows;
}

/** Total power of several lanes: the sum in milliwatts, back in dBm. null when every lane is dark. */
export function totalDbm(values: readonly (number | null)[]): number | null {
  let mw = 0;
  for (const v of values) if (v !== null) mw += 10 ** (v / 10);
  return mw > 0 ? 10 * Math.log10(mw) : null;
}

function centi(dbm: number | null, dark: number): number {
  return dbm === null ? dark : Math.round(dbm * 100);
}

const rxOf = (l: readonly LaneLight[]) => l.map((x) => x.rxDbm);
const txOf = (l: readonly LaneLight[]) => l.map((x) => x.txDbm);

const HUAWEI_DARK = -4000;
const HUAWEI_UNSET = -1;

const huawei: VendorMib = {
  enterprise: 2011,
  label: 'HUAWEI-ENTITY-EXTENT-MIB',
  staticRows(ports) {
    const rows = chassisAndPorts(ports);
    for (const p of ports) rows.push(...huawei.moduleRows(p));
    return rows;
  },
  // A negative receive low threshold is also how the adapter knows this firmware speaks
  // hundredths of dBm.
  moduleRows: (p) =>
    boundList(p).map((v, i) => ({
      oid: `${HUAWEI_THRESHOLD_COLUMNS[i]}.${portEntity(p)}`,
      value: int(v === null ? HUAWEI_UNSET : Math.round(v * 100)),
    })),
  // hwOpticalModuleInfoTable is indexed by the port's entity, so that is where the adapter looks.
  identityEntity: portEntity,
  lightRows(p, light) {
    const e = portEntity(p);
    const rows: MibRow[] = [
      { oid: `${HUAWEI_OIDS.rxPower}.${e}`, value: int(centi(totalDbm(rxOf(light)), HUAWEI_DARK)) },
      { oid: `${HUAWEI_OIDS.txPower}.${e}`, value: int(centi(totalDbm(txOf(light)), HUAWEI_DARK)) },
    ];
    if (p.lanes > 1) {
      const list = (v: readonly (number | null)[]) => v.map((x) => centi(x, HUAWEI_DARK)).join(',');
      rows.push(
        { oid: `${HUAWEI_OIDS.laneRxPower}.${e}`, value: str(list(rxOf(light))) },
        { oid: `${HUAWEI_OIDS.laneTxPower}.${e}`, value: str(list(txOf(light))) },
      );
    }
    return rows;
  },
};

const H3C_DARK = 2_147_483_647;

const h3c: VendorMib = {
  enterprise: 25506,
  label: 'HH3C-TRANSCEIVER-INFO-MIB',
  staticRows: () => [],
  // Both threshold forms, as a current Comware agent answers: hundredths of dBm (the first eight
  // columns) and tenths of a microwatt (the last eight).
  moduleRows(p) {
    const list = boundList(p);
    return H3C_THRESHOLD_COLUMNS.map((col, i) => {
      const v = list[i % 8] ?? null;
      const raw =
        i < 8
          ? v === null
            ? H3C_DARK
            : Math.round(v * 100)
          : v === null
            ? 0
            : Math.round(10 ** (v / 10) * 1000 * 10);
      return { oid: `${col}.${p.ifIndex}`, value: int(raw) };
    });
  },
  lightRows(p, light) {
    return [
      { oid: `${H3C_OIDS.curRxPower}.${p.ifIndex}`, value: int(centi(totalDbm(rxOf(light)), H3C_DARK)) },
      { oid: `${H3C_OIDS.curTxPower}.${p.ifIndex}`, value: int(centi(totalDbm(txOf(light)), H3C_DARK)) },
    ];
  },
};

const JUNIPER_DARK = -4000;

const juniper: VendorMib = {
  enterprise: 2636,
  label: 'JUNIPER-DOM-MIB',
  staticRows: () => [],
  // A bound the module leaves unset has no row.
  moduleRows: (p) =>
    boundList(p).flatMap((v, i) =>
      v === null
        ? []
        : [{ oid: `${JUNIPER_THRESHOLD_COLUMNS[i]}.${p.ifIndex}`, value: int(Math.round(v * 100)) }],
    ),
  lightRows(p, light) {
    const rows: MibRow[] = [
      {
        oid: `${JUNIPER_OIDS.currentRxLaserPower}.${p.ifIndex}`,
        value: int(centi(totalDbm(rxOf(light)), JUNIPER_DARK)),
      },
      {
        oid: `${JUNIPER_OIDS.currentTxLaserOutputPower}.${p.ifIndex}`,
        value: int(centi(totalDbm(txOf(light)), JUNIPER_DARK)),
      },
    ];
    if (p.lanes > 1) {
      for (const l of light) {
        const at = `${p.ifIndex}.${l.lane - 1}`;
        rows.push(
          { oid: `${JUNIPER_OIDS.laneRxLaserPower}.${at}`, value: int(centi(l.rxDbm, JUNIPER_DARK)) },
          { oid: `${JUNIPER_OIDS.laneTxLaserOutputPower}.${at}`, value: int(centi(l.txDbm, JUNIPER_DARK)) },
        );
      }
    }
    return rows;
  },
};

interface SensorStyle {
  columns: {
    readonly type: string;
    readonly scale: string;
    readonly precision: string;
    readonly value: string;
    readonly status: string;
  };
  type: number;
  scale: number;
  precision: number;
  /** Sensor name: how the adapter tells port, lane and direction. */
  name(p: MibPort, lane: number, dir: 'rx' | 'tx'): string;
  /** Raw value for a reading (null = dark). */
  raw(dbm: number | null): number;
  /** entSensorThresholdTable columns, where the MIB has the table. */
  thresholds?: { readonly severity: string; readonly relation: string; readonly value: string };
}

/** IOS's four rows per transceiver sensor: [severity, relation] per bound, in boundList order. */
const IOS_THRESHOLD_ROWS: readonly (readonly [index: number, severity: number, relation: number])[] = [
  [2, 20, 2], // low alarm: major, lessOrEqual
  [4, 10, 2], // low warning: minor, lessOrEqual
  [3, 10, 4], // high warning: minor, greaterOrEqual
  [1, 20, 4], // high alarm: major, greaterOrEqual
];

function sensorMib(enterprise: number, label: string, s: SensorStyle): VendorMib {
  const mib: VendorMib = {
    enterprise,
    label,
    staticRows(ports) {
      const rows = chassisAndPorts(ports);
      for (const p of ports) rows.push(...mib.moduleRows(p));
      return rows;
    },
    identityEntity: moduleEntity,
    moduleRows(p) {
      const rows: MibRow[] = [];
      rows.push(
        ...entity(
          moduleEntity(p),
          `${p.name} transceiver`,
          `${p.portType} transceiver`,
          ENT_CLASS.module,
          portEntity(p),
        ),
      );
      for (let lane = 1; lane <= p.lanes; lane++) {
        for (const dir of ['rx', 'tx'] as const) {
          const e = sensorEntity(p, lane, dir);
          rows.push(
            ...entity(
              e,
              s.name(p, lane, dir),
              `${dir === 'rx' ? 'receive' : 'transmit'} optical power sensor`,
              ENT_CLASS.sensor,
              moduleEntity(p),
            ),
            { oid: `${s.columns.type}.${e}`, value: int(s.type) },
            { oid: `${s.columns.scale}.${e}`, value: int(s.scale) },
            { oid: `${s.columns.precision}.${e}`, value: int(s.precision) },
            // ok(1): a dark port still has a working sensor, reading no light.
            { oid: `${s.columns.status}.${e}`, value: int(1) },
          );
          const t = s.thresholds;
          if (!t) continue;
          const list = boundList(p).slice(dir === 'rx' ? 0 : 4, dir === 'rx' ? 4 : 8);
          IOS_THRESHOLD_ROWS.forEach(([index, severity, relation], i) => {
            const v = list[i] ?? null;
            if (v === null) return;
            rows.push(
              { oid: `${t.severity}.${e}.${index}`, value: int(severity) },
              { oid: `${t.relation}.${e}.${index}`, value: int(relation) },
              { oid: `${t.value}.${e}.${index}`, value: int(s.raw(v)) },
            );
          });
        }
      }
      return rows;
    },
    lightRows(p, light) {
      const rows: MibRow[] = [];
      for (const l of light) {
        rows.push(
          { oid: `${s.columns.value}.${sensorEntity(p, l.lane, 'rx')}`, value: int(s.raw(l.rxDbm)) },
          { oid: `${s.columns.value}.${sensorEntity(p, l.lane, 'tx')}`, value: int(s.raw(l.txDbm)) },
        );
      }
      return rows;
    },
  };
  return mib;
}

const cisco = sensorMib(9, 'CISCO-ENTITY-SENSOR-MIB', {
  columns: CISCO_SENSOR_OIDS,
  type: CISCO_DBM,
  // units(9) with precision 1: tenths of a dBm, as IOS reports transceiver power.
  scale: 9,
  precision: 1,
  name: (p, lane, dir) =>
    `${p.name}${p.lanes > 1 ? ` Lane ${lane}` : ''} ${dir === 'rx' ? 'Receive' : 'Transmit'} Power Sensor`,
  raw: (dbm) => (dbm === null ? -400 : Math.round(dbm * 10)),
  thresholds: CISCO_THRESHOLD_OIDS,
});

const entitySensor = sensorMib(30065, 'ENTITY-SENSOR-MIB', {
  columns: ENTITY_SENSOR_OIDS,
  type: SENSOR_WATTS,
  // micro(7) with precision 1: tenths of a microwatt.
  scale: 7,
  precision: 1,
  name: (p, lane, dir) =>
    `${p.name}${p.lanes > 1 ? ` Lane ${lane}` : ''} ${dir === 'rx' ? 'Rx' : 'Tx'} Power Sensor`,
  raw: (dbm) => (dbm === null ? 0 : Math.round(10 ** (dbm / 10) * 1000 * 10)),
});

const none: VendorMib = {
  enterprise: 8072,
  label: 'no optics MIB',
  staticRows: () => [],
  moduleRows: () => [],
  lightRows: () => [],
};

export const VENDOR_MIBS: Readonly<Record<OpticsAdapterId, VendorMib>> = Object.freeze({
  huawei,
  h3c,
  juniper,
  cisco,
  'entity-sensor': entitySensor,
  none,
});
