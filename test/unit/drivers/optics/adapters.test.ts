import { describe, expect, it } from 'vitest';
import { OPTICS_ADAPTERS } from '../../../../contract/port-types.js';
import { CISCO_SENSOR_OIDS, ciscoAdapter } from '../../../../drivers/optics/cisco.js';
import { ENTITY_SENSOR_OIDS, entitySensorAdapter } from '../../../../drivers/optics/entity-sensor.js';
import { H3C_OIDS, h3cAdapter } from '../../../../drivers/optics/h3c.js';
import { detectHuaweiUnit, HUAWEI_OIDS, huaweiAdapter } from '../../../../drivers/optics/huawei.js';
import { JUNIPER_OIDS, juniperAdapter } from '../../../../drivers/optics/juniper.js';
import { noneAdapter } from '../../../../drivers/optics/none.js';
import { opticsAdapter } from '../../../../drivers/optics/registry.js';
import { VarbindType } from '../../../../drivers/transport/snmp.js';
import { fixture, readOptics } from './helpers.js';

describe('registry', () => {
  it('has one adapter per config optics value', () => {
    for (const id of OPTICS_ADAPTERS) expect(opticsAdapter(id).id).toBe(id);
    expect(opticsAdapter('none')).toBe(noneAdapter);
    expect(noneAdapter.readsOptics).toBe(false);
  });
});

describe('huawei (HUAWEI-ENTITY-EXTENT-MIB, entity-indexed)', () => {
  it('maps ports through entAliasMappingIdentifier, falls back to entPhysicalName, reads hundredths of dBm', async () => {
    const mem = fixture('dcagent-huawei');
    const r = await readOptics(huaweiAdapter, mem, [
      ['10GE1/0/1', 1],
      ['10GE1/0/3', 1],
      ['10GE1/0/4', 1],
    ]);
    // Dark port: -40 dBm is no reading.
    expect(r.lanes.get('10GE1/0/1')).toEqual([{ lane: 1, rxDbm: null, txDbm: null }]);
    // No optical module row at all: no binding (the poller turns that into dark lanes).
    expect(r.lanes.get('10GE1/0/3')).toBeUndefined();
    expect(r.notes.join('\n')).toMatch(/10GE1\/0\/3: no optical module/);
    // No alias mapping: found by entPhysicalName.
    expect(r.lanes.get('10GE1/0/4')).toEqual([{ lane: 1, rxDbm: -5.2, txDbm: -2.1 }]);
    expect(r.notes.join('\n')).toMatch(/10GE1\/0\/4: optical module found by entPhysicalName/);

    mem.int(`${HUAWEI_OIDS.rxPower}.4110001`, -312).int(`${HUAWEI_OIDS.txPower}.4110001`, -205);
    expect((await r.read()).get('10GE1/0/1')).toEqual([{ lane: 1, rxDbm: -3.12, txDbm: -2.05 }]);
  });

  it('reads multi-lane strings, and the module totals while they say N/A', async () => {
    const mem = fixture('dcagent-huawei');
    const r = await readOptics(huaweiAdapter, mem, [['100GE1/0/2', 4]]);
    expect(r.lanes.get('100GE1/0/2')).toEqual([{ lane: 1, rxDbm: null, txDbm: null }]);
    mem.str(`${HUAWEI_OIDS.laneRxPower}.4110002`, '114,32,-90,-228');
    mem.str(`${HUAWEI_OIDS.laneTxPower}.4110002`, '94,-39,33,-58');
    expect((await r.read()).get('100GE1/0/2')).toEqual([
      { lane: 1, rxDbm: 1.14, txDbm: 0.94 },
      { lane: 2, rxDbm: 0.32, txDbm: -0.39 },
      { lane: 3, rxDbm: -0.9, txDbm: 0.33 },
      { lane: 4, rxDbm: -2.28, txDbm: -0.58 },
    ]);
  });

  it('finds a transceiver entity contained in the aliased port entity', async () => {
    const mem = fixture('dcagent-huawei');
    // Move the optics row of 10GE1/0/1 from the port entity to a child entity.
    for (const col of ['8', '9', '13']) mem.delete(`1.3.6.1.4.1.2011.5.25.31.1.1.3.1.${col}.4110001`);
    mem.int('1.3.6.1.2.1.47.1.1.1.1.4.4119001', 4110001).str('1.3.6.1.2.1.47.1.1.1.1.7.4119001', 'SFP+ 10G');
    mem.int(`${HUAWEI_OIDS.rxPower}.4119001`, -700).int(`${HUAWEI_OIDS.txPower}.4119001`, -150);
    const r = await readOptics(huaweiAdapter, mem, [['10GE1/0/1', 1]]);
    expect(r.lanes.get('10GE1/0/1')).toEqual([{ lane: 1, rxDbm: -7, txDbm: -1.5 }]);
  });

  it('detects firmware that reports microwatts and converts', async () => {
    expect(detectHuaweiUnit([-1440], [])).toBe('centi-dbm');
    expect(detectHuaweiUnit([36], [447])).toBe('microwatt');
    expect(detectHuaweiUnit([], [-300, 20])).toBe('centi-dbm');
    expect(detectHuaweiUnit([], [447, 1200])).toBe('microwatt');
    expect(detectHuaweiUnit([2147483647], [447])).toBe('centi-dbm');

    const mem = fixture('dcagent-huawei');
    for (const e of ['4110001', '4110002', '4110004']) mem.int(`${HUAWEI_OIDS.rxLowThreshold}.${e}`, 36);
    mem.int(`${HUAWEI_OIDS.rxPower}.4110001`, 447).int(`${HUAWEI_OIDS.txPower}.4110001`, 0);
    const r = await readOptics(huaweiAdapter, mem, [['10GE1/0/1', 1]]);
    expect(r.notes).toContain('firmware reports optical power in microwatts');
    // 447 µW = -3.50 dBm; 0 µW is no light.
    expect(r.lanes.get('10GE1/0/1')).toEqual([{ lane: 1, rxDbm: -3.5, txDbm: null }]);
  });
});

describe('h3c (HH3C-TRANSCEIVER-INFO-MIB, ifIndex)', () => {
  it('reads hundredths of dBm and maps 2147483647 to null', async () => {
    const mem = fixture('dcagent-h3c');
    const r = await readOptics(h3cAdapter, mem, [
      ['Ten-GigabitEthernet1/0/1', 1],
      ['Ten-GigabitEthernet1/0/2', 1],
    ]);
    expect(r.lanes.get('Ten-GigabitEthernet1/0/2')).toEqual([{ lane: 1, rxDbm: null, txDbm: null }]);
    mem.int(`${H3C_OIDS.curRxPower}.42001`, -731).int(`${H3C_OIDS.curTxPower}.42001`, -112);
    expect((await r.read()).get('Ten-GigabitEthernet1/0/1')).toEqual([
      { lane: 1, rxDbm: -7.31, txDbm: -1.12 },
    ]);
    // No walk at all: H3C is indexed by ifIndex.
    expect(mem.walks.filter((w) => w.startsWith('1.3.6.1.4.1'))).toEqual([]);
  });

  it('a value of the wrong type is no reading, not NaN', async () => {
    const mem = fixture('dcagent-h3c');
    mem.str(`${H3C_OIDS.curRxPower}.42002`, '-7.31');
    const r = await readOptics(h3cAdapter, mem, [['Ten-GigabitEthernet1/0/2', 1]]);
    expect(r.lanes.get('Ten-GigabitEthernet1/0/2')).toEqual([{ lane: 1, rxDbm: null, txDbm: null }]);
  });
});

describe('juniper (JUNIPER-DOM-MIB)', () => {
  it('reads the module values for a single-lane port and 0-based lanes as 1-based', async () => {
    const mem = fixture('dcagent-juniper');
    const r = await readOptics(juniperAdapter, mem, [
      ['xe-0/0/1', 1],
      ['et-0/0/2', 4],
    ]);
    expect(r.lanes.get('xe-0/0/1')).toEqual([{ lane: 1, rxDbm: -5.23, txDbm: -2.41 }]);
    expect(r.lanes.get('et-0/0/2')).toEqual([1, 2, 3, 4].map((lane) => ({ lane, rxDbm: null, txDbm: null })));
    const light = [
      [-150, 120],
      [-210, 110],
      [-190, 130],
      [-170, 100],
    ] as const;
    light.forEach(([rx, tx], lane) => {
      mem
        .int(`${JUNIPER_OIDS.laneRxLaserPower}.43002.${lane}`, rx)
        .int(`${JUNIPER_OIDS.laneTxLaserOutputPower}.43002.${lane}`, tx);
    });
    expect((await r.read()).get('et-0/0/2')).toEqual([
      { lane: 1, rxDbm: -1.5, txDbm: 1.2 },
      { lane: 2, rxDbm: -2.1, txDbm: 1.1 },
      { lane: 3, rxDbm: -1.9, txDbm: 1.3 },
      { lane: 4, rxDbm: -1.7, txDbm: 1 },
    ]);
  });
});

describe('cisco (CISCO-ENTITY-SENSOR-MIB dBm sensors)', () => {
  it('picks sensors by port name and direction, applies scale and precision, honours status', async () => {
    const mem = fixture('dcagent-cisco');
    const r = await readOptics(ciscoAdapter, mem, [
      ['TenGigabitEthernet1/1', 1],
      ['TenGigabitEthernet1/10', 1],
    ]);
    // Te1/1 Rx is unavailable(2); Tx is -40.000 dBm (dark).
    expect(r.lanes.get('TenGigabitEthernet1/1')).toEqual([{ lane: 1, rxDbm: null, txDbm: null }]);
    // Te1/10 must not be taken for Te1/1 (nor the other way round).
    expect(r.lanes.get('TenGigabitEthernet1/10')).toEqual([{ lane: 1, rxDbm: -6.1, txDbm: -2.5 }]);
    mem.int(`${CISCO_SENSOR_OIDS.value}.4410011`, -23).int(`${CISCO_SENSOR_OIDS.status}.4410011`, 1);
    mem.int(`${CISCO_SENSOR_OIDS.value}.4410012`, -1850);
    expect((await r.read()).get('TenGigabitEthernet1/1')).toEqual([{ lane: 1, rxDbm: -2.3, txDbm: -1.85 }]);
  });

  it('ignores sensors that are not dBm (temperature) and reads scale/precision only at discovery', async () => {
    const mem = fixture('dcagent-cisco');
    const r = await readOptics(ciscoAdapter, mem, [['TenGigabitEthernet1/1', 1]]);
    const before = mem.gets.length;
    await r.read();
    const pollOids = mem.gets.slice(before).flat();
    expect(pollOids).toEqual([
      `${CISCO_SENSOR_OIDS.value}.4410011`,
      `${CISCO_SENSOR_OIDS.status}.4410011`,
      `${CISCO_SENSOR_OIDS.value}.4410012`,
      `${CISCO_SENSOR_OIDS.status}.4410012`,
    ]);
  });

  it('places sensors whose names do not mention the port through containment', async () => {
    const mem = fixture('dcagent-cisco');
    mem.str('1.3.6.1.2.1.47.1.1.1.1.7.4410011', 'Receive Power Sensor');
    mem.str('1.3.6.1.2.1.47.1.1.1.1.2.4410011', 'SFP Receive Power Sensor');
    mem.int(`${CISCO_SENSOR_OIDS.status}.4410011`, 1).int(`${CISCO_SENSOR_OIDS.value}.4410011`, -31);
    const r = await readOptics(ciscoAdapter, mem, [['TenGigabitEthernet1/1', 1]]);
    expect(r.lanes.get('TenGigabitEthernet1/1')?.[0]?.rxDbm).toBe(-3.1);
  });
});

describe('entity-sensor (RFC 3433 watts)', () => {
  it('converts watts with scale and precision to dBm; 0 W is no light', async () => {
    const mem = fixture('dcagent-entity-sensor');
    const r = await readOptics(entitySensorAdapter, mem, [
      ['Ethernet1', 1],
      ['Ethernet49/1', 4],
    ]);
    expect(r.lanes.get('Ethernet1')).toEqual([{ lane: 1, rxDbm: null, txDbm: null }]);
    expect(r.lanes.get('Ethernet49/1')).toEqual([
      { lane: 1, rxDbm: -3, txDbm: -1 },
      { lane: 2, rxDbm: -4, txDbm: -2 },
      { lane: 3, rxDbm: -3.5, txDbm: -1.5 },
      { lane: 4, rxDbm: -4.5, txDbm: -2.5 },
    ]);
    // Rx: micro, precision 1 → 501.2 µW; Tx: milli, precision 4 → 0.6310 mW.
    mem.int(`${ENTITY_SENSOR_OIDS.value}.4510011`, 5012).int(`${ENTITY_SENSOR_OIDS.value}.4510012`, 6310);
    expect((await r.read()).get('Ethernet1')).toEqual([{ lane: 1, rxDbm: -3, txDbm: -2 }]);
  });

  it('a sensor that is not ok is no reading', async () => {
    const mem = fixture('dcagent-entity-sensor');
    mem.int(`${ENTITY_SENSOR_OIDS.status}.4549011`, 3);
    const r = await readOptics(entitySensorAdapter, mem, [['Ethernet49/1', 4]]);
    expect(r.lanes.get('Ethernet49/1')?.[0]).toEqual({ lane: 1, rxDbm: null, txDbm: -1 });
  });

  it('accepts dBm(14) in the RFC table as already dBm', async () => {
    const mem = fixture('dcagent-entity-sensor');
    mem.int(`${ENTITY_SENSOR_OIDS.type}.4510011`, 14).int(`${ENTITY_SENSOR_OIDS.scale}.4510011`, 9);
    mem
      .int(`${ENTITY_SENSOR_OIDS.value}.4510011`, -42)
      .set(`${ENTITY_SENSOR_OIDS.precision}.4510011`, VarbindType.Integer, 1);
    const r = await readOptics(entitySensorAdapter, mem, [['Ethernet1', 1]]);
    expect(r.lanes.get('Ethernet1')?.[0]?.rxDbm).toBe(-4.2);
  });
});
