// The transceivers' own alarm and warning bounds (CONTRACT §5 "Module thresholds"): the pure
// decoders per vendor MIB, each adapter's discovery on the fixture files (the same ones snmpsimd
// serves in test/interop/optics-thresholds.test.ts), and the poller carrying them onto readings,
// read at discovery and again only when optics are rediscovered.
import { describe, expect, it } from 'vitest';
import { OID } from '../../../../drivers/mib/mib.js';
import { getMany } from '../../../../drivers/optics/adapter.js';
import { CISCO_THRESHOLD_OIDS } from '../../../../drivers/optics/cisco.js';
import { decodeH3cThresholds, H3C_THRESHOLD_COLUMNS } from '../../../../drivers/optics/h3c.js';
import {
  decodeHuaweiThresholds,
  HUAWEI_OIDS,
  HUAWEI_THRESHOLD_COLUMNS,
} from '../../../../drivers/optics/huawei.js';
import { decodeJuniperThresholds, JUNIPER_THRESHOLD_COLUMNS } from '../../../../drivers/optics/juniper.js';
import { opticsAdapter } from '../../../../drivers/optics/registry.js';
import {
  decodeSensorThresholds,
  portSensorThresholds,
  type SensorThresholdRow,
} from '../../../../drivers/optics/sensor-thresholds.js';
import { cleanDbm } from '../../../../drivers/optics/units.js';
import { DevicePoller } from '../../../../drivers/snmp/device-poller.js';
import type { PortReading } from '../../../../drivers/snmp/poll-result.js';
import { SnmpError, type Varbind, VarbindType } from '../../../../drivers/transport/snmp.js';
import { bounds as b, FIXTURE_DEVICES } from '../../../fakes/snmp-fixtures.js';
import { fixture, opticsPorts } from './helpers.js';

const NONE = b(null, null, null, null);

/** Integer varbinds in order; undefined = the agent had no such object (noSuchInstance). */
function ints(values: readonly (number | undefined)[]): Varbind[] {
  return values.map((v, i) =>
    v === undefined
      ? { oid: `1.9.${i}`, type: VarbindType.NoSuchInstance, value: null }
      : { oid: `1.9.${i}`, type: VarbindType.Integer, value: v },
  );
}

describe('decodeHuaweiThresholds (hwOpticalModuleInfoTable .13–.16 alarm, .20–.23 warning)', () => {
  it('reads hundredths of a dBm: rx low alarm, low warning, high warning, high alarm, then tx', () => {
    expect(decodeHuaweiThresholds('centi-dbm', ints([-1440, -1240, 50, 250, -820, -620, 50, 250]))).toEqual({
      rx: b(-14.4, -12.4, 0.5, 2.5),
      tx: b(-8.2, -6.2, 0.5, 2.5),
    });
  });

  it('-1, the Integer32 extremes and missing columns are "not given"; nothing given is no thresholds', () => {
    expect(
      decodeHuaweiThresholds(
        'centi-dbm',
        ints([-1440, undefined, undefined, 250, -820, 2147483647, -2147483648, -1]),
      ),
    ).toEqual({ rx: b(-14.4, null, null, 2.5), tx: b(-8.2, null, null, null) });
    expect(decodeHuaweiThresholds('centi-dbm', ints([-1, -1, -1, -1, -1, -1, -1, -1]))).toBeUndefined();
    expect(decodeHuaweiThresholds('centi-dbm', [])).toBeUndefined();
  });

  it('microwatt firmware: 36.3 µW is −14.40 dBm, 0 µW is not a bound', () => {
    expect(decodeHuaweiThresholds('microwatt', ints([36.3, 57.5, 1122, 1778.3, 0, 0, 0, 0]))).toEqual({
      rx: b(-14.4, -12.4, 0.5, 2.5),
      tx: NONE,
    });
  });

  it('a receive low threshold of -1 is no evidence of the firmware unit', async () => {
    const mem = fixture('dcagent-huawei');
    for (const e of [4110001, 4110002, 4110004]) mem.int(`${HUAWEI_OIDS.rxLowThreshold}.${e}`, -1);
    mem.int(`${HUAWEI_OIDS.rxPower}.4110001`, 1200);
    const ports = await opticsPorts(mem, [['10GE1/0/1', 1]]);
    const found = await opticsAdapter('huawei').discover(mem, ports);
    expect(found.notes).toContain('firmware reports optical power in microwatts');
    // The thresholds are still hundredths of a dBm: their own (negative) values say so.
    expect(found.bindings.get('10GE1/0/1')?.thresholds?.tx).toEqual(b(-8.2, -6.2, 0.5, 2.5));
    expect(found.bindings.get('10GE1/0/1')?.thresholds?.rx.lowAlarm).toBeNull();
  });

  it('a string where an Integer32 belongs is no bound, not NaN', () => {
    const vbs: Varbind[] = [{ oid: '1.9.0', type: VarbindType.OctetString, value: Buffer.from('-14.4') }];
    expect(decodeHuaweiThresholds('centi-dbm', vbs)).toBeUndefined();
  });
});

describe('decodeJuniperThresholds (jnxDomCurrentTable .9–.12 rx, .17–.20 tx)', () => {
  it('reads hundredths of a dBm; the −40 dBm floor and above +30 dBm are not bounds', () => {
    expect(decodeJuniperThresholds(ints([-1060, -860, 450, 550, -430, -230, 450, 550]))).toEqual({
      rx: b(-10.6, -8.6, 4.5, 5.5),
      tx: b(-4.3, -2.3, 4.5, 5.5),
    });
    expect(decodeJuniperThresholds(ints([-4000, -860, 32767, 550, undefined]))).toEqual({
      rx: b(null, -8.6, null, 5.5),
      tx: NONE,
    });
    expect(decodeJuniperThresholds(ints([]))).toBeUndefined();
  });
});

describe('decodeH3cThresholds (hh3cTransceiverInfoTable dBm .52–.59, tenths of µW .30–.37)', () => {
  // H3C_THRESHOLD_COLUMNS: 8 dBm columns (rx LA, LW, HW, HA, tx LA, LW, HW, HA), then the 8 µW ones.
  it('the hundredths-of-dBm column wins where it answers', () => {
    const dbm = [-1440, -1240, 50, 250, -820, -620, 50, 250];
    const uw = new Array(8).fill(10000);
    expect(decodeH3cThresholds(ints([...dbm, ...uw]))).toEqual({
      rx: b(-14.4, -12.4, 0.5, 2.5),
      tx: b(-8.2, -6.2, 0.5, 2.5),
    });
  });

  it('falls back per bound to tenths of a microwatt (10000 = 1 mW = 0 dBm); 0 and 2147483647 are unset', () => {
    const dbm = [2147483647, undefined, 2147483647, 2147483647, undefined, undefined, undefined, -820];
    const uw = [363, 575, 11220, 17783, 1514, 2399, 0, 10000];
    expect(decodeH3cThresholds(ints([...dbm, ...uw]))).toEqual({
      rx: b(-14.4, -12.4, 0.5, 2.5),
      tx: b(-8.2, -6.2, null, -8.2),
    });
    expect(decodeH3cThresholds(ints(new Array(16).fill(2147483647)))).toBeUndefined();
  });

  it('column lists hold what their names say', () => {
    expect(H3C_THRESHOLD_COLUMNS).toHaveLength(16);
    expect(new Set(H3C_THRESHOLD_COLUMNS).size).toBe(16);
    expect(HUAWEI_THRESHOLD_COLUMNS[0]).toBe(HUAWEI_OIDS.rxLowThreshold);
    expect(new Set(JUNIPER_THRESHOLD_COLUMNS).size).toBe(8);
  });
});

describe('decodeSensorThresholds (CISCO-ENTITY-SENSOR-MIB entSensorThresholdTable)', () => {
  const tenths = { type: 14, scale: 9, precision: 1 };
  const row = (index: number, severity: number, relation: number, value: number): SensorThresholdRow => ({
    index,
    severity,
    relation,
    value,
  });

  it('IOS: major is the alarm, minor the warning; greaterOrEqual is high, lessOrEqual low', () => {
    const rows = [row(1, 20, 4, 25), row(2, 20, 2, -144), row(3, 10, 4, 5), row(4, 10, 2, -124)];
    expect(decodeSensorThresholds(rows, tenths, (_t, r) => cleanDbm(r))).toEqual(b(-14.4, -12.4, 0.5, 2.5));
  });

  it('IOS XR: critical is the alarm, major the warning when minor is unset (0)', () => {
    const rows = [
      row(1, 10, 2, 0),
      row(2, 10, 4, 0),
      row(3, 20, 1, -124),
      row(4, 20, 3, 5),
      row(5, 30, 1, -144),
      row(6, 30, 3, 25),
    ];
    expect(decodeSensorThresholds(rows, tenths, (_t, r) => cleanDbm(r))).toEqual(b(-14.4, -12.4, 0.5, 2.5));
  });

  it('applies the sensor scale and precision; ignores other(1), equalTo, sentinels and later duplicates', () => {
    const milli = { type: 14, scale: 8, precision: 0 };
    const rows = [
      row(7, 20, 2, -9000),
      row(1, 20, 2, -8200),
      row(2, 1, 4, 2500),
      row(3, 20, 5, 2500),
      row(4, 10, 4, 1_000_000_000),
      row(5, 10, 2, -32768),
      { index: 6, severity: null, relation: 4, value: 100 },
    ];
    expect(decodeSensorThresholds(rows, milli, (_t, r) => cleanDbm(r))).toEqual(b(-8.2, null, null, null));
    // Only a minor row: a warning and no alarm.
    expect(decodeSensorThresholds([row(1, 10, 2, -124)], tenths, (_t, r) => cleanDbm(r))).toEqual(
      b(null, -12.4, null, null),
    );
  });

  it('a port takes, per direction, the first lane whose sensor has a bound', () => {
    const bySensor = new Map([
      [11, NONE],
      [21, b(-10.6, null, null, 5.5)],
      [22, b(-4.3, null, null, 5.5)],
      [31, b(-9, null, null, 5)],
    ]);
    const lanes = [
      { lane: 1, rx: 11 },
      { lane: 2, rx: 21, tx: 22 },
      { lane: 3, rx: 31 },
    ];
    expect(portSensorThresholds(lanes, bySensor)).toEqual({
      rx: b(-10.6, null, null, 5.5),
      tx: b(-4.3, null, null, 5.5),
    });
    expect(portSensorThresholds([{ rx: 11 }], bySensor)).toBeUndefined();
  });
});

describe('each adapter on its fixture device', () => {
  for (const d of FIXTURE_DEVICES) {
    it(`${d.optics}: discovery puts the module's own bounds on each binding, exactly`, async () => {
      const mem = fixture(d.community);
      const ports = await opticsPorts(
        mem,
        d.ports.map((p) => [p.name, p.lanes]),
      );
      const { bindings } = await opticsAdapter(d.optics).discover(mem, ports);
      for (const p of d.ports) {
        expect(bindings.get(p.name)?.thresholds, p.name).toEqual(d.moduleThresholds[p.name]);
      }
    });
  }

  it('entity-sensor has none even where the device has a Cisco threshold table', async () => {
    const mem = fixture('dcagent-entity-sensor');
    mem
      .int(`${CISCO_THRESHOLD_OIDS.severity}.4510011.1`, 20)
      .int(`${CISCO_THRESHOLD_OIDS.relation}.4510011.1`, 2)
      .int(`${CISCO_THRESHOLD_OIDS.value}.4510011.1`, -144);
    const ports = await opticsPorts(mem, [['Ethernet1', 1]]);
    const { bindings } = await opticsAdapter('entity-sensor').discover(mem, ports);
    expect(bindings.get('Ethernet1')).toBeDefined();
    expect(bindings.get('Ethernet1')?.thresholds).toBeUndefined();
    expect(mem.walks.some((w) => w.startsWith('1.3.6.1.4.1.9.9.91'))).toBe(false);
  });

  it('reads every module in GET batches: one batch for a small device, never one GET per module', async () => {
    const mem = fixture('dcagent-juniper');
    const ports = await opticsPorts(mem, [
      ['xe-0/0/1', 1],
      ['et-0/0/2', 4],
    ]);
    mem.gets.length = 0;
    await opticsAdapter('juniper').discover(mem, ports);
    // Two ports × (rx, tx, 8 thresholds).
    expect(mem.gets).toHaveLength(1);
    expect(mem.gets[0]).toHaveLength(20);
  });

  it.each([
    {
      id: 'h3c' as const,
      ports: ['Ten-GigabitEthernet1/0/1', 'Ten-GigabitEthernet1/0/2'],
      power: ['1.3.6.1.4.1.25506.2.70.1.1.1.12.42002', '1.3.6.1.4.1.25506.2.70.1.1.1.9.42002'],
      note: 'Ten-GigabitEthernet1/0/2: no row in hh3cTransceiverInfoTable (no transceiver)',
    },
    {
      id: 'juniper' as const,
      ports: ['et-0/0/2', 'xe-0/0/1'],
      power: ['1.3.6.1.4.1.2636.3.60.1.1.1.1.5.43001', '1.3.6.1.4.1.2636.3.60.1.1.1.1.7.43001'],
      note: 'xe-0/0/1: no row in jnxDomCurrentTable (no transceiver)',
    },
  ])('$id: a port without a row (no transceiver) is left unbound, so it is looked at again', async (c) => {
    const d = FIXTURE_DEVICES.find((x) => x.optics === c.id)!;
    const mem = fixture(d.community);
    for (const oid of c.power) mem.delete(oid);
    const ports = await opticsPorts(
      mem,
      d.ports.map((p) => [p.name, p.lanes]),
    );
    const found = await opticsAdapter(c.id).discover(mem, ports);
    expect([...found.bindings.keys()]).toEqual([c.ports[0]]);
    expect(found.notes).toContain(c.note);
  });

  for (const id of ['huawei', 'juniper', 'h3c', 'cisco'] as const) {
    it(`${id}: an agent that refuses the threshold request still gets its bindings, without bounds`, async () => {
      const d = FIXTURE_DEVICES.find((x) => x.optics === id)!;
      const mem = fixture(d.community);
      const ports = await opticsPorts(
        mem,
        d.ports.map((p) => [p.name, p.lanes]),
      );
      const isThreshold = (o: string) =>
        [...HUAWEI_THRESHOLD_COLUMNS.slice(1), ...JUNIPER_THRESHOLD_COLUMNS, ...H3C_THRESHOLD_COLUMNS].some(
          (c) => o.startsWith(`${c}.`),
        ) || o.startsWith('1.3.6.1.4.1.9.9.91.1.2.');
      const realGet = mem.get.bind(mem);
      const realWalk = mem.walk.bind(mem);
      const refuse = () =>
        new SnmpError('rpc-error', 'snmp-error', 'agent answered NoSuchName', { errorStatus: 2 });
      mem.get = async (oids) => {
        if (oids.some(isThreshold)) throw refuse();
        return realGet(oids);
      };
      mem.walk = async (base) => {
        if (isThreshold(base)) throw refuse();
        return realWalk(base);
      };
      const { bindings, notes } = await opticsAdapter(id).discover(mem, ports);
      expect(notes.join('\n')).toMatch(/module thresholds not read/);
      for (const p of d.ports) {
        const want = d.moduleThresholds[p.name];
        if (!want) continue;
        expect(bindings.get(p.name), p.name).toBeDefined();
        // Huawei still reads the receive low alarm, which its unit check needs anyway.
        expect(bindings.get(p.name)?.thresholds, p.name).toEqual(
          id === 'huawei' ? { rx: b(want.rx.lowAlarm, null, null, null), tx: NONE } : undefined,
        );
      }
    });
  }
});

describe('DevicePoller: moduleThresholds on readings', () => {
  const reading = (r: unknown) => r as PortReading;

  it('copies the binding bounds onto every reading of the port; a port with none has no field', async () => {
    const d = FIXTURE_DEVICES.find((x) => x.optics === 'huawei')!;
    const mem = fixture(d.community);
    const poller = new DevicePoller({ id: 'hw', optics: 'huawei', ports: d.ports }, mem, {
      varbindsPerPdu: 50,
    });
    const results = await poller.poll();
    for (const r of results) {
      expect(r.ok, r.port).toBe(true);
      const want = d.moduleThresholds[r.port];
      if (want) expect(reading(r).moduleThresholds).toEqual(want);
      else expect(reading(r).moduleThresholds).toBeUndefined();
    }
  });

  it('reads them at discovery only: a steady poll GETs no threshold OID', async () => {
    for (const d of FIXTURE_DEVICES) {
      const mem = fixture(d.community);
      const poller = new DevicePoller({ id: d.community, optics: d.optics, ports: d.ports }, mem, {
        varbindsPerPdu: 50,
      });
      await poller.poll();
      mem.gets.length = 0;
      mem.walks.length = 0;
      const again = await poller.poll();
      const asked = mem.gets.flat();
      const thresholdColumns = [
        ...HUAWEI_THRESHOLD_COLUMNS,
        ...JUNIPER_THRESHOLD_COLUMNS,
        ...H3C_THRESHOLD_COLUMNS,
        '1.3.6.1.4.1.9.9.91.1.2.1',
      ];
      expect(
        asked.filter((o) => thresholdColumns.some((c) => o.startsWith(`${c}.`))),
        d.community,
      ).toEqual([]);
      expect(mem.walks, d.community).toEqual([]);
      for (const p of d.ports) {
        const r = again.find((x) => x.port === p.name);
        if (r?.ok) expect(r.moduleThresholds, `${d.community} ${p.name}`).toEqual(d.moduleThresholds[p.name]);
      }
    }
  });

  it('a swapped transceiver (entLastChangeTime moved) brings its own bounds; one removed takes them away', async () => {
    const HW = '1.3.6.1.4.1.2011.5.25.31.1.1.3.1';
    const E = 4110001;
    const mem = fixture('dcagent-huawei');
    mem.ticks(OID.entLastChangeTime, 100);
    const poller = new DevicePoller(
      { id: 'hw', optics: 'huawei', ports: [{ name: '10GE1/0/1', lanes: 1 }] },
      mem,
      { varbindsPerPdu: 50, opticsRediscoveryMs: 3_600_000 },
    );
    expect(reading((await poller.poll())[0]).moduleThresholds).toEqual({
      rx: b(-14.4, -12.4, 0.5, 2.5),
      tx: b(-8.2, -6.2, 0.5, 2.5),
    });
    // An ER optic with other bounds goes into the same cage.
    for (const [col, v] of [
      [13, -1590],
      [20, -1390],
      [21, -100],
      [14, 100],
      [15, -470],
      [22, -270],
      [23, 400],
      [16, 600],
    ] as const)
      mem.int(`${HW}.${col}.${E}`, v);
    mem.str(`${OID.entPhysicalSerialNum}.${E}`, 'ER-2');
    // Not before the entity tables say so: nothing is re-read per poll.
    expect(reading((await poller.poll())[0]).moduleThresholds?.rx.lowAlarm).toBe(-14.4);
    mem.ticks(OID.entLastChangeTime, 200);
    const [swapped] = await poller.poll();
    expect(reading(swapped).moduleThresholds).toEqual({
      rx: b(-15.9, -13.9, -1, 1),
      tx: b(-4.7, -2.7, 4, 6),
    });
    expect(reading(swapped).opticsChange).toMatchObject({ change: 'replaced', module: { serial: 'ER-2' } });

    for (const col of [8, 9, 13, 14, 15, 16, 20, 21, 22, 23]) mem.delete(`${HW}.${col}.${E}`);
    mem.ticks(OID.entLastChangeTime, 300);
    const [removed] = await poller.poll();
    expect(removed).toMatchObject({ ok: true, rxDbm: [null], opticsChange: { change: 'removed' } });
    expect(reading(removed).moduleThresholds).toBeUndefined();
  });

  it('getMany keeps batches of at most 40 varbinds for discovery', async () => {
    const mem = fixture('dcagent-h3c');
    await getMany(mem, new Array(90).fill(`${OID.sysUpTime}`));
    expect(mem.gets.map((g) => g.length)).toEqual([40, 40, 10]);
  });
});
