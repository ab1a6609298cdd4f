import type { LaneThresholds } from '../../contract/optics.js';
import { instanceOid, intValue, isMissing, rowIndex } from '../mib/mib.js';
import type { SnmpReader, Varbind } from '../transport/snmp.js';
import {
  ifIndexRows,
  type LaneReading,
  type OpticsAdapter,
  type OpticsBinding,
  type OpticsPort,
} from './adapter.js';
import { bounds, laneThresholds } from './thresholds.js';
import { centiDbm } from './units.js';

/**
 * Juniper: JUNIPER-DOM-MIB (jnxDomMibRoot 1.3.6.1.4.1.2636.3.60). jnxDomCurrentTable is indexed
 * by ifIndex; jnxDomModuleLaneTable by ifIndex and jnxDomLaneIndex (0-based, "Lane 0" in the
 * CLI). All powers are Integer32 in hundredths of a dBm, the module's alarm and warning
 * thresholds included. The lane table has no threshold columns: the module's apply to every lane.
 */
export const JUNIPER_OIDS = Object.freeze({
  currentRxLaserPower: '1.3.6.1.4.1.2636.3.60.1.1.1.1.5',
  currentTxLaserOutputPower: '1.3.6.1.4.1.2636.3.60.1.1.1.1.7',
  rxPowerHighAlarmThreshold: '1.3.6.1.4.1.2636.3.60.1.1.1.1.9',
  rxPowerLowAlarmThreshold: '1.3.6.1.4.1.2636.3.60.1.1.1.1.10',
  rxPowerHighWarningThreshold: '1.3.6.1.4.1.2636.3.60.1.1.1.1.11',
  rxPowerLowWarningThreshold: '1.3.6.1.4.1.2636.3.60.1.1.1.1.12',
  txPowerHighAlarmThreshold: '1.3.6.1.4.1.2636.3.60.1.1.1.1.17',
  txPowerLowAlarmThreshold: '1.3.6.1.4.1.2636.3.60.1.1.1.1.18',
  txPowerHighWarningThreshold: '1.3.6.1.4.1.2636.3.60.1.1.1.1.19',
  txPowerLowWarningThreshold: '1.3.6.1.4.1.2636.3.60.1.1.1.1.20',
  laneRxLaserPower: '1.3.6.1.4.1.2636.3.60.1.2.1.1.6',
  laneTxLaserOutputPower: '1.3.6.1.4.1.2636.3.60.1.2.1.1.8',
});

/** jnxDomCurrentTable threshold columns in `decodeJuniperThresholds` order: rx low alarm, low warning, high warning, high alarm, then tx. */
export const JUNIPER_THRESHOLD_COLUMNS: readonly string[] = Object.freeze([
  JUNIPER_OIDS.rxPowerLowAlarmThreshold,
  JUNIPER_OIDS.rxPowerLowWarningThreshold,
  JUNIPER_OIDS.rxPowerHighWarningThreshold,
  JUNIPER_OIDS.rxPowerHighAlarmThreshold,
  JUNIPER_OIDS.txPowerLowAlarmThreshold,
  JUNIPER_OIDS.txPowerLowWarningThreshold,
  JUNIPER_OIDS.txPowerHighWarningThreshold,
  JUNIPER_OIDS.txPowerHighAlarmThreshold,
]);

/** Pure: a module's bounds from its eight threshold varbinds (JUNIPER_THRESHOLD_COLUMNS order). */
export function decodeJuniperThresholds(vbs: readonly (Varbind | undefined)[]): LaneThresholds | undefined {
  const v = (i: number) => (isMissing(vbs[i]) ? null : centiDbm(intValue(vbs[i])));
  return laneThresholds(bounds(v(0), v(1), v(2), v(3)), bounds(v(4), v(5), v(6), v(7)));
}

/** Pure: lane table rows by ifIndex, from a walk of jnxDomCurrentLaneRxLaserPower. */
export function juniperLaneIndexes(rows: readonly { oid: string }[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of rows) {
    const idx = rowIndex(JUNIPER_OIDS.laneRxLaserPower, r.oid);
    const m = idx && /^(\d+)\.(\d+)$/.exec(idx);
    if (!m) continue;
    const ifIndex = Number(m[1]);
    const list = out.get(ifIndex) ?? [];
    list.push(Number(m[2]));
    out.set(ifIndex, list);
  }
  for (const l of out.values()) l.sort((a, b) => a - b);
  return out;
}

export function juniperBinding(
  ifIndex: number,
  laneIndexes: readonly number[],
  thresholds?: LaneThresholds,
): OpticsBinding {
  const own = thresholds ? { thresholds } : {};
  if (laneIndexes.length === 0) {
    return {
      ...own,
      oids: [
        instanceOid(JUNIPER_OIDS.currentRxLaserPower, ifIndex),
        instanceOid(JUNIPER_OIDS.currentTxLaserOutputPower, ifIndex),
      ],
      decode: (vbs, at) => [
        { lane: 1, rxDbm: centiDbm(intValue(vbs[at])), txDbm: centiDbm(intValue(vbs[at + 1])) },
      ],
    };
  }
  const oids: string[] = [];
  for (const l of laneIndexes) {
    oids.push(
      instanceOid(JUNIPER_OIDS.laneRxLaserPower, ifIndex, l),
      instanceOid(JUNIPER_OIDS.laneTxLaserOutputPower, ifIndex, l),
    );
  }
  const lanes = [...laneIndexes];
  return {
    ...own,
    oids,
    decode: (vbs, at) => {
      const out: LaneReading[] = [];
      for (let i = 0; i < lanes.length; i++) {
        out.push({
          lane: lanes[i]! + 1,
          rxDbm: centiDbm(intValue(vbs[at + 2 * i])),
          txDbm: centiDbm(intValue(vbs[at + 2 * i + 1])),
        });
      }
      return out;
    },
  };
}

export const juniperAdapter: OpticsAdapter = {
  id: 'juniper',
  mib: 'JUNIPER-DOM-MIB',
  readsOptics: true,
  async discover(reader: SnmpReader, ports: readonly OpticsPort[]) {
    // Only multi-lane ports need the lane table; single-lane optics have no rows in it anyway.
    const needLanes = ports.some((p) => p.lanes > 1);
    const laneMap = needLanes
      ? juniperLaneIndexes(await reader.walk(JUNIPER_OIDS.laneRxLaserPower))
      : new Map();
    const notes: string[] = [];
    const cols = [
      JUNIPER_OIDS.currentRxLaserPower,
      JUNIPER_OIDS.currentTxLaserOutputPower,
      ...JUNIPER_THRESHOLD_COLUMNS,
    ];
    const rows = await ifIndexRows(reader, ports, cols, 'jnxDomCurrentTable', notes);
    const bindings = new Map<string, OpticsBinding>();
    for (const p of ports) {
      const row = rows.get(p.name);
      if (row === null) continue;
      const lanes: number[] = p.lanes > 1 ? (laneMap.get(p.ifIndex) ?? []) : [];
      if (p.lanes > 1 && lanes.length === 0)
        notes.push(`${p.name}: no rows in jnxDomModuleLaneTable, reading the module total`);
      bindings.set(p.name, juniperBinding(p.ifIndex, lanes, row && decodeJuniperThresholds(row.slice(2))));
    }
    return { bindings, notes };
  },
};
