import { describe, expect, it } from 'vitest';
import { OID } from '../../../../drivers/mib/mib.js';
import { H3C_OIDS, H3C_THRESHOLD_COLUMNS } from '../../../../drivers/optics/h3c.js';
import { DevicePoller } from '../../../../drivers/snmp/device-poller.js';
import type { PortReading } from '../../../../drivers/snmp/poll-result.js';
import { VarbindType } from '../../../../drivers/transport/snmp.js';
import { MemorySnmp } from '../../../fakes/snmp-memory.js';

function device() {
  const mem = new MemorySnmp();
  mem.ticks(OID.sysUpTime, 100_000);
  for (const i of [1, 2]) {
    const ifIndex = 100 + i;
    mem.str(`${OID.ifName}.${ifIndex}`, `Eth${i}`);
    mem.int(`${OID.ifAdminStatus}.${ifIndex}`, 1).int(`${OID.ifOperStatus}.${ifIndex}`, 1);
    mem.int(`${H3C_OIDS.curRxPower}.${ifIndex}`, -300).int(`${H3C_OIDS.curTxPower}.${ifIndex}`, -200);
    mem.set(`${OID.ifInErrors}.${ifIndex}`, VarbindType.Counter32, 40 + i);
  }
  const poller = new DevicePoller(
    {
      id: 'sw1',
      optics: 'h3c',
      ports: [
        { name: 'Eth1', lanes: 1 },
        { name: 'Eth2', lanes: 1 },
      ],
    },
    mem,
    { varbindsPerPdu: 50 },
  );
  return { mem, poller };
}

const reading = (r: unknown) => r as PortReading;

describe('ifInErrors for qualification', () => {
  it('is not read on the steady path', async () => {
    const { mem, poller } = device();
    const res = await poller.poll();
    expect(res.map((r) => reading(r).inErrors)).toEqual([undefined, undefined]);
    expect(mem.gets.flat().some((o) => o.startsWith(`${OID.ifInErrors}.`))).toBe(false);
  });

  it('is read in the same PDU for the ports asked for, and only those', async () => {
    const { mem, poller } = device();
    const res = await poller.poll(undefined, { errorCounters: ['Eth2'] });
    expect(reading(res[0]).inErrors).toBeUndefined();
    expect(reading(res[1]).inErrors).toBe(42);
    expect(reading(res[1]).rxDbm).toEqual([-3]);
    // Discovery's two GETs (the modules' dBm thresholds, none here, so then the microwatt ones),
    // then the poll's one PDU.
    expect(mem.gets).toHaveLength(3);
    expect(mem.gets[2]).toContain(`${OID.ifInErrors}.102`);
  });

  it('is null when the device does not answer it, and the poll still succeeds', async () => {
    const { mem, poller } = device();
    mem.delete(`${OID.ifInErrors}.101`);
    const [r] = await poller.poll(['Eth1'], { errorCounters: ['Eth1'] });
    expect(r).toMatchObject({ ok: true, inErrors: null });
  });

  it('says when the device restarted (sysUpTime went back): its counters did too', async () => {
    const { mem, poller } = device();
    await poller.poll(['Eth1'], { errorCounters: ['Eth1'] });
    mem.ticks(OID.sysUpTime, 50);
    mem.set(`${OID.ifInErrors}.101`, VarbindType.Counter32, 0);
    const [r] = await poller.poll(['Eth1'], { errorCounters: ['Eth1'] });
    expect(r).toMatchObject({ ok: true, inErrors: 0, countersReset: true });
    mem.ticks(OID.sysUpTime, 80);
    const [next] = await poller.poll(['Eth1'], { errorCounters: ['Eth1'] });
    expect(reading(next).countersReset).toBeUndefined();
  });
});

describe('the counter poll beside the steady poll', () => {
  it('binds no optics anew: no discovery GETs, and the same module thresholds object as the steady poll', async () => {
    const { mem, poller } = device();
    // The module's own bounds in hundredths of a dBm, so readings carry moduleThresholds.
    for (const ifIndex of [101, 102])
      H3C_THRESHOLD_COLUMNS.slice(0, 8).forEach((col, i) => {
        mem.int(`${col}.${ifIndex}`, [-1400, -1100, 200, 400, -800, -600, 200, 400][i]!);
      });
    const steady = reading((await poller.poll())[1]);
    expect(steady.moduleThresholds?.rx.lowAlarm).toBe(-14);
    const before = mem.gets.length;
    const counted = reading((await poller.poll(undefined, { errorCounters: ['Eth2'] }))[1]);
    // One PDU for the poll itself: no discovery of its own.
    expect(mem.gets.length - before).toBe(1);
    expect(counted.inErrors).toBe(42);
    expect(counted.moduleThresholds).toBe(steady.moduleThresholds);
    const again = reading((await poller.poll())[1]);
    expect(again.moduleThresholds).toBe(steady.moduleThresholds);
  });
});

describe('a port the device lacked', () => {
  it('is looked for again when a new poll plan is made, as before the plans shared their binding', async () => {
    const mem = new MemorySnmp();
    mem.ticks(OID.sysUpTime, 100_000);
    mem.str(`${OID.ifName}.101`, 'Eth1');
    mem.int(`${OID.ifAdminStatus}.101`, 1).int(`${OID.ifOperStatus}.101`, 1);
    mem.set(`${OID.ifInErrors}.101`, VarbindType.Counter32, 1);
    let now = 0;
    const poller = new DevicePoller(
      {
        id: 'sw1',
        optics: 'none',
        ports: [
          { name: 'Eth1', lanes: 1 },
          { name: 'Eth2', lanes: 1 },
        ],
      },
      mem,
      { varbindsPerPdu: 50, clock: () => now, resolver: { now: () => now, missRefreshMs: 60_000 } },
    );
    expect((await poller.poll()).map((r) => r.ok)).toEqual([true, false]);
    // Added on the device; a minute on, the counter poll (a plan of its own) finds it.
    mem.str(`${OID.ifName}.102`, 'Eth2');
    mem.int(`${OID.ifAdminStatus}.102`, 1).int(`${OID.ifOperStatus}.102`, 1);
    mem.set(`${OID.ifInErrors}.102`, VarbindType.Counter32, 5);
    now = 61_000;
    const res = await poller.poll(undefined, { errorCounters: ['Eth1', 'Eth2'] });
    expect(res.map((r) => r.ok)).toEqual([true, true]);
    expect(reading(res[1]).inErrors).toBe(5);
  });
});
