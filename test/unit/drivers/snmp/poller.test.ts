import { describe, expect, it } from 'vitest';
import { OID } from '../../../../drivers/mib/mib.js';
import { H3C_OIDS } from '../../../../drivers/optics/h3c.js';
import { DevicePoller, type PolledDevice } from '../../../../drivers/snmp/device-poller.js';
import type { PortReading } from '../../../../drivers/snmp/poll-result.js';
import { SnmpPoller } from '../../../../drivers/snmp/poller.js';
import { SnmpError, VarbindType } from '../../../../drivers/transport/snmp.js';
import { MemorySnmp } from '../../../fakes/snmp-memory.js';
import { fixture } from '../optics/helpers.js';

/** An H3C-like device with `n` ports named Eth1…EthN at ifIndex 101…. */
function h3cDevice(n: number): { mem: MemorySnmp; device: PolledDevice } {
  const mem = new MemorySnmp();
  mem.ticks(OID.sysUpTime, 100_000);
  const ports = [];
  for (let i = 1; i <= n; i++) {
    const ifIndex = 100 + i;
    mem.str(`${OID.ifName}.${ifIndex}`, `Eth${i}`);
    mem.int(`${OID.ifAdminStatus}.${ifIndex}`, 1).int(`${OID.ifOperStatus}.${ifIndex}`, 1);
    mem.int(`${H3C_OIDS.curRxPower}.${ifIndex}`, -300 - i).int(`${H3C_OIDS.curTxPower}.${ifIndex}`, -200 - i);
    ports.push({ name: `Eth${i}`, lanes: 1 });
  }
  return { mem, device: { id: 'sw1', optics: 'h3c', ports } };
}

const ok = (r: unknown) => r as PortReading;

describe('DevicePoller batching', () => {
  it('polls every port in as few PDUs as fit, and reuses the plan', async () => {
    const { mem, device } = h3cDevice(20);
    const poller = new DevicePoller(device, mem, { varbindsPerPdu: 50, clock: () => 1_000 });
    const first = await poller.poll();
    expect(first).toHaveLength(20);
    expect(ok(first[4])).toMatchObject({
      ok: true,
      device: 'sw1',
      port: 'Eth5',
      ifIndex: 105,
      adminStatus: 'up',
      operStatus: 'up',
      lanes: [{ lane: 1, rxDbm: -3.05, txDbm: -2.05 }],
      rxDbm: [-3.05],
      txDbm: [-2.05],
      opticsRead: true,
      at: 1_000,
    });
    // Discovery: 20 ports × (rx, tx, 8 dBm threshold columns) in GETs of 40; none answers, so
    // 20 × (rx, tx, 8 microwatt columns) again. Then the poll:
    // 1 sysUpTime + 20 × (admin, oper, ifName, rx, tx) = 101 varbinds → 3 PDUs of ≤ 50, filled evenly.
    expect(mem.gets.map((g) => g.length)).toEqual([...new Array(10).fill(40), 34, 34, 33]);
    const walksAfterFirst = mem.walks.length;
    mem.gets.length = 0;
    await poller.poll();
    expect(mem.gets.map((g) => g.length)).toEqual([34, 34, 33]);
    expect(mem.walks.length).toBe(walksAfterFirst);
  });

  it('reads unchanged light as the last poll read it, and a change as the new value', async () => {
    const { mem, device } = h3cDevice(2);
    const poller = new DevicePoller(device, mem, { varbindsPerPdu: 50, clock: () => 1_000 });
    const a = ok((await poller.poll())[0]);
    const b = ok((await poller.poll())[0]);
    // The same values: the same (read-only) lanes, nothing decoded or built again.
    expect(b.lanes).toBe(a.lanes);
    expect(b.rxDbm).toBe(a.rxDbm);
    expect(b.rxDbm).toEqual([-3.01]);
    mem.int(`${H3C_OIDS.curRxPower}.101`, -1450);
    const c = ok((await poller.poll())[0]);
    expect(c.lanes).not.toBe(a.lanes);
    expect(c).toMatchObject({
      lanes: [{ lane: 1, rxDbm: -14.5, txDbm: -2.01 }],
      rxDbm: [-14.5],
      txDbm: [-2.01],
    });
    // The second port, unchanged all along, kept its first reading's lanes.
    expect(ok((await poller.poll())[1]).rxDbm).toEqual([-3.02]);
    expect(a.rxDbm).toEqual([-3.01]);
  });

  it('gives every reading the same fields in the same order, set or not (one shape: V8 keeps its map)', async () => {
    const { mem, device } = h3cDevice(2);
    const poller = new DevicePoller(device, mem, { varbindsPerPdu: 50, clock: () => 1_000 });
    const keysOf = (rs: unknown[]) => rs.map((r) => Object.keys(r as object).join(','));
    const steady = keysOf(await poller.poll());
    // The error counters and a restart set fields a steady poll leaves unset.
    const counted = keysOf(await poller.poll(['Eth1', 'Eth2'], { errorCounters: ['Eth1'] }));
    mem.ticks(OID.sysUpTime, 5);
    const restarted = await poller.poll();
    expect(ok(restarted[0]).countersReset).toBe(true);
    expect(new Set([...steady, ...counted, ...keysOf(restarted)]).size).toBe(1);
    expect(steady[0]).toContain('inErrors');
  });
  it('a frozen port array keeps its plan only while the mapping holds, whoever moved it', async () => {
    const { mem, device } = h3cDevice(3);
    const poller = new DevicePoller(device, mem, {
      varbindsPerPdu: 50,
      clock: () => 1_000,
      resolver: { missRefreshMs: 0 },
    });
    const steady = Object.freeze(['Eth1', 'Eth2']);
    await poller.poll(steady);
    expect(ok((await poller.poll(steady))[1]).ifIndex).toBe(102);
    // Eth2 renumbered, and found so by a poll of other ports (one the device lacks walks again).
    for (const col of [
      OID.ifName,
      OID.ifAdminStatus,
      OID.ifOperStatus,
      H3C_OIDS.curRxPower,
      H3C_OIDS.curTxPower,
    ])
      mem.delete(`${col}.102`);
    mem.str(`${OID.ifName}.202`, 'Eth2');
    mem.int(`${OID.ifAdminStatus}.202`, 1).int(`${OID.ifOperStatus}.202`, 1);
    mem.int(`${H3C_OIDS.curRxPower}.202`, -777).int(`${H3C_OIDS.curTxPower}.202`, -222);
    const other = await poller.poll(['Eth3', 'Eth9']);
    expect(other.map((r) => r.ok)).toEqual([true, false]);
    // The steady array's next poll follows the new mapping at once: no poll of a vanished ifIndex.
    const [eth1, eth2] = await poller.poll(steady);
    expect(eth1?.ok).toBe(true);
    expect(ok(eth2)).toMatchObject({ ok: true, ifIndex: 202, rxDbm: [-7.77] });
  });

  it('keeps a bounded number of plans as the polled port sets change, the busy one included', async () => {
    const { mem, device } = h3cDevice(60);
    const poller = new DevicePoller(device, mem, { varbindsPerPdu: 50 });
    await poller.poll();
    for (let i = 1; i <= 60; i++) {
      await poller.poll([`Eth${i}`]);
      await poller.poll();
    }
    const walks = mem.walks.length;
    await poller.poll();
    await poller.poll(['Eth60']);
    expect(mem.walks.length).toBe(walks);
  });

  it('splits a PDU the device answers tooBig for, and keeps the smaller size', async () => {
    const { mem, device } = h3cDevice(20);
    mem.maxVarbinds = 30;
    const poller = new DevicePoller(device, mem, { varbindsPerPdu: 50 });
    const res = await poller.poll();
    expect(res.every((r) => r.ok)).toBe(true);
    mem.gets.length = 0;
    await poller.poll();
    // 34 (tooBig) → 17 + 17 fit: 17 from now on.
    expect(mem.gets.map((g) => g.length)).toEqual([17, 17, 17, 17, 17, 16]);
  });

  it('a port the device lacks is no-such-port; the others are read', async () => {
    const { mem, device } = h3cDevice(2);
    const poller = new DevicePoller(
      { ...device, ports: [...device.ports, { name: 'Eth99', lanes: 1 }] },
      mem,
      {
        varbindsPerPdu: 50,
      },
    );
    const res = await poller.poll();
    expect(res.map((r) => [r.port, r.ok])).toEqual([
      ['Eth1', true],
      ['Eth2', true],
      ['Eth99', false],
    ]);
    expect(res[2]).toMatchObject({ reason: 'no-such-port' });
  });

  it('per-varbind noSuchInstance: a missing optics OID is a failed poll (never dark), a vanished ifIndex is no-such-port', async () => {
    const { mem, device } = h3cDevice(2);
    const poller = new DevicePoller(device, mem, { varbindsPerPdu: 50 });
    await poller.poll();
    mem.delete(`${H3C_OIDS.curRxPower}.101`);
    mem.delete(`${OID.ifAdminStatus}.102`).delete(`${OID.ifOperStatus}.102`);
    const res = await poller.poll();
    expect(res[0]).toMatchObject({ ok: false, reason: 'no-such-object' });
    expect(res[1]).toMatchObject({ ok: false, reason: 'no-such-port', ifIndex: 102 });
  });

  it('a missing ifAdminStatus or ifOperStatus alone is a failed poll, not `unknown` (which reads as admin down)', async () => {
    const { mem, device } = h3cDevice(2);
    const poller = new DevicePoller(device, mem, { varbindsPerPdu: 50 });
    await poller.poll();
    mem.delete(`${OID.ifAdminStatus}.101`).delete(`${OID.ifOperStatus}.102`);
    const res = await poller.poll();
    expect(res.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['no-such-object', 'no-such-object']);
  });

  it('validates value types at the edge: a status that is not an Integer is unknown', async () => {
    const { mem, device } = h3cDevice(1);
    mem.str(`${OID.ifOperStatus}.101`, 'up');
    mem.int(`${OID.ifAdminStatus}.101`, 42);
    const [r] = await new DevicePoller(device, mem, { varbindsPerPdu: 50 }).poll();
    expect(ok(r)).toMatchObject({ adminStatus: 'unknown', operStatus: 'unknown' });
  });

  it('maps every IF-MIB status word', async () => {
    const { mem, device } = h3cDevice(1);
    const poller = new DevicePoller(device, mem, { varbindsPerPdu: 50 });
    const words = ['up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown'];
    for (let v = 1; v <= 7; v++) {
      mem.int(`${OID.ifOperStatus}.101`, v);
      expect(ok((await poller.poll())[0]).operStatus).toBe(words[v - 1]);
    }
  });

  it('a device failure fails every port with its reason, and never throws', async () => {
    const { mem, device } = h3cDevice(3);
    const poller = new DevicePoller(device, mem, { varbindsPerPdu: 50 });
    await poller.poll();
    mem.failWith = new SnmpError('timeout', 'snmp-timeout', 'no answer');
    const res = await poller.poll();
    expect(res.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'snmp-timeout',
      'snmp-timeout',
      'snmp-timeout',
    ]);
    mem.failWith = new SnmpError('auth-failed', 'snmp-auth', 'wrong digest');
    expect((await poller.poll())[0]).toMatchObject({ ok: false, reason: 'snmp-auth' });
  });

  it('a device restart (sysUpTime going back) remaps before reporting', async () => {
    const { mem, device } = h3cDevice(1);
    const poller = new DevicePoller(device, mem, { varbindsPerPdu: 50 });
    expect(ok((await poller.poll())[0]).ifIndex).toBe(101);
    // After the reboot Eth1 is ifIndex 201, and 101 is some other port that is down.
    mem.ticks(OID.sysUpTime, 50);
    mem.delete(`${OID.ifName}.101`).str(`${OID.ifName}.201`, 'Eth1').str(`${OID.ifName}.101`, 'Other');
    mem.int(`${OID.ifOperStatus}.101`, 2);
    mem.int(`${OID.ifAdminStatus}.201`, 1).int(`${OID.ifOperStatus}.201`, 1);
    mem.int(`${H3C_OIDS.curRxPower}.201`, -555).int(`${H3C_OIDS.curTxPower}.201`, -222);
    const [r] = await poller.poll();
    expect(ok(r)).toMatchObject({ ifIndex: 201, operStatus: 'up', rxDbm: [-5.55] });
  });

  it('a reboot it never saw (sysUpTime grew past its last reading meanwhile) is caught by the name check', async () => {
    // Issue 11 item 7: another replica held the lease for hours; the device rebooted and
    // renumbered in between, so sysUpTime is higher than this poller's last reading.
    const { mem, device } = h3cDevice(1);
    const poller = new DevicePoller(device, mem, { varbindsPerPdu: 50 });
    // Twice: the second poll matches the name by the bytes the first one read.
    expect(ok((await poller.poll())[0]).ifIndex).toBe(101);
    expect(ok((await poller.poll())[0]).ifIndex).toBe(101);
    mem.ticks(OID.sysUpTime, 900_000);
    mem.delete(`${OID.ifName}.101`).str(`${OID.ifName}.201`, 'Eth1').str(`${OID.ifName}.101`, 'Other');
    mem.int(`${OID.ifOperStatus}.101`, 2);
    mem.int(`${OID.ifAdminStatus}.201`, 1).int(`${OID.ifOperStatus}.201`, 1);
    mem.int(`${H3C_OIDS.curRxPower}.201`, -555).int(`${H3C_OIDS.curTxPower}.201`, -222);
    const [r] = await poller.poll();
    expect(ok(r)).toMatchObject({ ifIndex: 201, operStatus: 'up', rxDbm: [-5.55] });
  });

  it('a name known only by its hex spelling passes the name check (no remap every poll)', async () => {
    const { mem } = h3cDevice(1);
    mem.str(`${OID.ifName}.101`, Buffer.from([0x01, 0xff, 0x02]));
    const poller = new DevicePoller(
      { id: 'sw1', optics: 'h3c', ports: [{ name: '01ff02', lanes: 1 }] },
      mem,
      {
        varbindsPerPdu: 50,
      },
    );
    expect((await poller.poll())[0]).toMatchObject({ ok: true, ifIndex: 101 });
    const walks = mem.walks.length;
    expect((await poller.poll())[0]).toMatchObject({ ok: true, ifIndex: 101 });
    expect(mem.walks.length).toBe(walks);
  });

  it('optics none: status only, lanes empty, optics not read', async () => {
    const mem = fixture('dcagent-h3c');
    const poller = new DevicePoller(
      { id: 'x', optics: 'none', ports: [{ name: 'Ten-GigabitEthernet1/0/2', lanes: 1 }] },
      mem,
      { varbindsPerPdu: 50 },
    );
    const [r] = await poller.poll();
    expect(ok(r)).toMatchObject({
      adminStatus: 'up',
      operStatus: 'up',
      lanes: [],
      rxDbm: [],
      opticsRead: false,
    });
  });

  it('a port whose transceiver the adapter cannot find has dark lanes', async () => {
    const mem = fixture('dcagent-huawei');
    const poller = new DevicePoller(
      { id: 'hw', optics: 'huawei', ports: [{ name: '10GE1/0/3', lanes: 1 }] },
      mem,
      { varbindsPerPdu: 50 },
    );
    const [r] = await poller.poll();
    expect(ok(r)).toMatchObject({ lanes: [{ lane: 1, rxDbm: null, txDbm: null }], opticsRead: true });
  });

  it('SNMPv1-style noSuchName drops the blamed varbind and reads the rest', async () => {
    const { mem, device } = h3cDevice(1);
    const rx = `${H3C_OIDS.curRxPower}.101`;
    const realGet = mem.get.bind(mem);
    mem.get = async (oids) => {
      if (oids.includes(rx)) {
        mem.gets.push([...oids]);
        throw new SnmpError('rpc-error', 'snmp-error', `agent answered NoSuchName: ${rx}`, {
          errorStatus: 2,
          errorOid: rx,
        });
      }
      return realGet(oids);
    };
    const [r] = await new DevicePoller(device, mem, { varbindsPerPdu: 50 }).poll();
    // The rest was read again without the blamed varbind; the port's optics are still missing.
    // (Discovery's GET, which the agent refused the same way, leaves the port bound.)
    expect(mem.gets.filter((g) => g.includes(rx) && g.includes(OID.sysUpTime))).toHaveLength(1);
    expect(mem.gets.at(-1)).not.toContain(rx);
    expect(r).toMatchObject({ ok: false, reason: 'no-such-object' });
  });
});

describe('DevicePoller: transceivers inserted, removed and swapped after discovery', () => {
  // dcagent-huawei: 10GE1/0/3 (entity 4110003) has no module in hwOpticalModuleInfoTable.
  const HW = '1.3.6.1.4.1.2011.5.25.31.1.1.3.1';
  const E = 4110003;
  const port = { id: 'hw', optics: 'huawei' as const, ports: [{ name: '10GE1/0/3', lanes: 1 }] };
  const insert = (mem: ReturnType<typeof fixture>, serial: string, rx = -250) => {
    mem.int(`${HW}.8.${E}`, rx).int(`${HW}.9.${E}`, -190).int(`${HW}.13.${E}`, -1440);
    mem.str(`${OID.entPhysicalMfgName}.${E}`, 'ACME').str(`${OID.entPhysicalModelName}.${E}`, 'LR-10G');
    mem.str(`${OID.entPhysicalSerialNum}.${E}`, serial);
  };
  const remove = (mem: ReturnType<typeof fixture>) => {
    for (const c of [8, 9, 13]) mem.delete(`${HW}.${c}.${E}`);
    for (const o of [OID.entPhysicalMfgName, OID.entPhysicalModelName, OID.entPhysicalSerialNum])
      mem.delete(`${o}.${E}`);
  };

  it('entLastChangeTime moving rediscovers at once: inserted, replaced, removed, each reported once', async () => {
    const mem = fixture('dcagent-huawei');
    mem.ticks(OID.entLastChangeTime, 100);
    const poller = new DevicePoller(port, mem, { varbindsPerPdu: 50, opticsRediscoveryMs: 3_600_000 });
    const [empty] = await poller.poll();
    expect(ok(empty)).toMatchObject({ rxDbm: [null], opticsRead: true });
    expect(empty?.opticsChange).toBeUndefined();

    insert(mem, 'SN-1');
    mem.ticks(OID.entLastChangeTime, 200);
    const [inserted] = await poller.poll();
    expect(ok(inserted)).toMatchObject({
      rxDbm: [-2.5],
      opticsChange: { change: 'inserted', module: { vendor: 'ACME', part: 'LR-10G', serial: 'SN-1' } },
    });
    expect((await poller.poll())[0]?.opticsChange).toBeUndefined();

    insert(mem, 'SN-2', -300);
    mem.ticks(OID.entLastChangeTime, 300);
    expect(ok((await poller.poll())[0])).toMatchObject({
      rxDbm: [-3],
      opticsChange: { change: 'replaced', module: { serial: 'SN-2' } },
    });

    remove(mem);
    mem.ticks(OID.entLastChangeTime, 400);
    const [removed] = await poller.poll();
    expect(ok(removed)).toMatchObject({
      rxDbm: [null],
      opticsChange: { change: 'removed', module: { serial: 'SN-2' } },
    });
  });

  it('without entLastChangeTime: a noSuch* optics OID fails the poll and rebinds, rate-limited', async () => {
    const mem = fixture('dcagent-huawei');
    let now = 1_000_000;
    insert(mem, 'SN-1');
    const poller = new DevicePoller(port, mem, {
      varbindsPerPdu: 50,
      clock: () => now,
      opticsRediscoveryMs: 60_000,
    });
    expect(ok((await poller.poll())[0]).rxDbm).toEqual([-2.5]);
    remove(mem);
    now += 10_000;
    // The module's rows are gone: no reading is not "no light".
    expect((await poller.poll())[0]).toMatchObject({ ok: false, reason: 'no-such-object' });
    const walks = mem.walks.length;
    now += 10_000;
    expect((await poller.poll())[0]).toMatchObject({ ok: false, reason: 'no-such-object' });
    expect(mem.walks.length).toBe(walks);
    // Once the rate limit allows, discovery runs again and finds the port empty.
    now += 60_000;
    expect((await poller.poll())[0]).toMatchObject({
      ok: true,
      rxDbm: [null],
      opticsChange: { change: 'removed' },
    });
    // An empty port is looked at again only every opticsRediscoveryMs; then the new module is found.
    insert(mem, 'SN-9');
    now += 10_000;
    expect((await poller.poll())[0]).toMatchObject({ ok: true, rxDbm: [null] });
    now += 60_000;
    expect((await poller.poll())[0]).toMatchObject({
      ok: true,
      rxDbm: [-2.5],
      opticsChange: { change: 'inserted', module: { serial: 'SN-9' } },
    });
  });
});

describe('SnmpPoller', () => {
  it('keeps one session per device and closes them all', async () => {
    const made: string[] = [];
    let closed = 0;
    const { mem } = h3cDevice(2);
    const cfgDevice = {
      id: 'sw1',
      host: '127.0.0.1',
      optics: 'h3c',
      ports: [{ name: 'Eth1', lanes: 1 }],
      snmp: { version: '2c', port: 161 },
    } as never;
    const monitoring = {
      maxInFlight: 4,
      maxInFlightPerDevice: 2,
      varbindsPerPduV2c: 50,
      varbindsPerPduV3: 30,
    } as never;
    const poller = new SnmpPoller([cfgDevice], monitoring, {
      sessionFactory: (d) => {
        made.push(d.id);
        return Object.assign(Object.create(mem), {
          get: mem.get.bind(mem),
          walk: mem.walk.bind(mem),
          close: () => {
            closed++;
          },
        });
      },
    });
    await poller.poll('sw1');
    await poller.poll('sw1');
    expect(made).toEqual(['sw1']);
    await expect(poller.poll('nope')).rejects.toThrow(/no device nope/);
    poller.close();
    expect(closed).toBe(1);
  });
});

it('VarbindType covers the noSuch* tags net-snmp reports', () => {
  expect([VarbindType.NoSuchObject, VarbindType.NoSuchInstance, VarbindType.EndOfMibView]).toEqual([
    128, 129, 130,
  ]);
});
