import { intValue, rowIndex } from '../mib/mib.js';
import type { SnmpReader } from '../transport/snmp.js';
import type { LaneReading, OpticsAdapter, OpticsBinding, OpticsPort } from './adapter.js';
import { centiDbm } from './units.js';

/**
 * Juniper: JUNIPER-DOM-MIB (jnxDomMibRoot 1.3.6.1.4.1.2636.3.60). jnxDomCurrentTable is indexed
 * by ifIndex; jnxDomModuleLaneTable by ifIndex and jnxDomLaneIndex (0-based, "Lane 0" in the
 * CLI). All powers are Integer32 in hundredths of a dBm.
 */
export const JUNIPER_OIDS = Object.freeze({
  currentRxLaserPower: '1.3.6.1.4.1.2636.3.60.1.1.1.1.5',
  currentTxLaserOutputPower: '1.3.6.1.4.1.2636.3.60.1.1.1.1.7',
  laneRxLaserPower: '1.3.6.1.4.1.2636.3.60.1.2.1.1.6',
  laneTxLaserOutputPower: '1.3.6.1.4.1.2636.3.60.1.2.1.1.8',
});

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

export function juniperBinding(ifIndex: number, laneIndexes: readonly number[]): OpticsBinding {
  if (laneIndexes.length === 0) {
    return {
      oids: [
        `${JUNIPER_OIDS.currentRxLaserPower}.${ifIndex}`,
        `${JUNIPER_OIDS.currentTxLaserOutputPower}.${ifIndex}`,
      ],
      decode: (vbs, at) => [
        { lane: 1, rxDbm: centiDbm(intValue(vbs[at])), txDbm: centiDbm(intValue(vbs[at + 1])) },
      ],
    };
  }
  const oids: string[] = [];
  for (const l of laneIndexes) {
    oids.push(
      `${JUNIPER_OIDS.laneRxLaserPower}.${ifIndex}.${l}`,
      `${JUNIPER_OIDS.laneTxLaserOutputPower}.${ifIndex}.${l}`,
    );
  }
  const lanes = [...laneIndexes];
  return {
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
    const bindings = new Map<string, OpticsBinding>();
    for (const p of ports) {
      const lanes: number[] = p.lanes > 1 ? (laneMap.get(p.ifIndex) ?? []) : [];
      if (p.lanes > 1 && lanes.length === 0)
        notes.push(`${p.name}: no rows in jnxDomModuleLaneTable, reading the module total`);
      bindings.set(p.name, juniperBinding(p.ifIndex, lanes));
    }
    return { bindings, notes };
  },
};
