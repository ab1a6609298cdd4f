import { describe, expect, it } from 'vitest';
import {
  matchSensorsToPorts,
  mentionsPort,
  parseAliasMapping,
  sensorDirection,
  sensorLane,
} from '../../../../drivers/optics/entity.js';
import { VarbindType } from '../../../../drivers/transport/snmp.js';

describe('mentionsPort', () => {
  it('matches whole interface names only', () => {
    expect(mentionsPort('Te1/1 Receive Power Sensor', 'Te1/1')).toBe(true);
    expect(mentionsPort('Te1/10 Receive Power Sensor', 'Te1/1')).toBe(false);
    expect(mentionsPort('DOM Rx Power for Ethernet1/1/2', 'Ethernet1/1')).toBe(false);
    expect(mentionsPort('GigabitEthernet1/0/1 Rx', 'Ethernet1/0/1')).toBe(false);
    expect(mentionsPort('DOM Rx Power Sensor for Ethernet1', 'ethernet1')).toBe(true);
    expect(mentionsPort('xe-0/0/1.0 rx', 'xe-0/0/1')).toBe(false);
    expect(mentionsPort('port (Te1/1) rx', 'Te1/1')).toBe(true);
  });
});

describe('sensorDirection / sensorLane', () => {
  it('reads the direction words vendors use', () => {
    expect(sensorDirection('Te1/1 Receive Power Sensor')).toBe('rx');
    expect(sensorDirection('Te1/1 Transmit Power Sensor')).toBe('tx');
    expect(sensorDirection('DOM Rx Power for Ethernet1')).toBe('rx');
    expect(sensorDirection('DOM TX power')).toBe('tx');
    expect(sensorDirection('Te1/1 Module Temperature Sensor')).toBeNull();
    expect(sensorDirection('Tx/Rx power')).toBeNull();
  });
  it('reads lanes', () => {
    expect(sensorLane('DOM Rx Power Sensor for Ethernet49/1 Lane 3')).toBe(3);
    expect(sensorLane('Hu1/0/1 Receive Power Sensor lane0')).toBe(0);
    expect(sensorLane('Te1/1 Receive Power Sensor')).toBeNull();
  });
});

describe('parseAliasMapping', () => {
  it('keeps rows that point at ifIndex, preferring logical index 0', () => {
    const col = '1.3.6.1.2.1.47.1.3.2.1.2';
    const m = parseAliasMapping([
      { oid: `${col}.7.3`, type: VarbindType.OID, value: '1.3.6.1.2.1.2.2.1.1.99' },
      { oid: `${col}.7.0`, type: VarbindType.OID, value: '1.3.6.1.2.1.2.2.1.1.12' },
      { oid: `${col}.8.0`, type: VarbindType.OID, value: '1.3.6.1.4.1.9.9.1' },
      { oid: `${col}.9.0`, type: VarbindType.OctetString, value: Buffer.from('x') },
    ]);
    expect([...m]).toEqual([[7, 12]]);
  });
});

describe('matchSensorsToPorts', () => {
  const ports = [
    { name: 'HundredGigE1/0/1', ifIndex: 1, ifName: 'Hu1/0/1', lanes: 4 },
    { name: 'HundredGigE1/0/10', ifIndex: 10, ifName: 'Hu1/0/10', lanes: 4 },
  ];
  it('groups per lane, shifts 0-based lanes, and never crosses ports', () => {
    const names = new Map<number, { name?: string }>();
    let i = 100;
    const sensors: number[] = [];
    for (const port of ['Hu1/0/1', 'Hu1/0/10']) {
      for (let lane = 0; lane < 4; lane++) {
        for (const dir of ['Receive', 'Transmit']) {
          names.set(++i, { name: `${port} ${dir} Power Sensor Lane ${lane}` });
          sensors.push(i);
        }
      }
    }
    const m = matchSensorsToPorts({ sensors, names, ports });
    expect(m.get('HundredGigE1/0/1')).toEqual([
      { lane: 1, rx: 101, tx: 102 },
      { lane: 2, rx: 103, tx: 104 },
      { lane: 3, rx: 105, tx: 106 },
      { lane: 4, rx: 107, tx: 108 },
    ]);
    expect(m.get('HundredGigE1/0/10')?.[0]).toEqual({ lane: 1, rx: 109, tx: 110 });
  });
  it('uses containment only for sensors whose names say nothing about a port', () => {
    const names = new Map([
      [50, { name: 'Receive Power Sensor' }],
      [51, { name: 'Transmit Power Sensor' }],
    ]);
    const containedIn = new Map([
      [50, 40],
      [51, 40],
      [40, 30],
    ]);
    const aliasToIfIndex = new Map([[30, 10]]);
    expect(matchSensorsToPorts({ sensors: [50, 51], names, ports }).size).toBe(0);
    expect(
      matchSensorsToPorts({ sensors: [50, 51], names, ports, containedIn, aliasToIfIndex }).get(
        'HundredGigE1/0/10',
      ),
    ).toEqual([{ lane: 1, rx: 50, tx: 51 }]);
  });
});
