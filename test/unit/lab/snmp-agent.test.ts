// The lab's SNMP responder on loopback, asked by net-snmp (the library the agent uses): GET,
// GETNEXT, GETBULK walks, v1 errors, the silent and wrong-community cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OID } from '../../../drivers/mib/mib.js';
import { ietfInterfacesPlatform } from '../../../drivers/platforms/ietf-interfaces/index.js';
import { netSnmp, type Varbind, VarbindType } from '../../../drivers/transport/snmp.js';
import { ietfLabPlatform } from '../../../lab/netconf/platforms/ietf-interfaces.js';
import { NetconfSimSwitch } from '../../../lab/netconf/switch.js';
import { LabSnmpAgent } from '../../../lab/snmp/agent.js';

const COMMUNITY = 'lab-unit';

interface RawSession {
  get(oids: string[], cb: (err: Error | null, vbs?: Varbind[]) => void): void;
  getNext(oids: string[], cb: (err: Error | null, vbs?: Varbind[]) => void): void;
  subtree(
    oid: string,
    maxRep: number,
    feed: (vbs: Varbind[]) => void,
    done: (err: Error | null) => void,
  ): void;
  set(vbs: Varbind[], cb: (err: Error | null, vbs?: Varbind[]) => void): void;
  close(): void;
}

describe('lab SNMP responder', () => {
  let sw: NetconfSimSwitch;
  let agent: LabSnmpAgent;
  const sessions: RawSession[] = [];

  function session(version: 'v1' | 'v2c' = 'v2c', community = COMMUNITY): RawSession {
    const s = (
      netSnmp as unknown as { createSession(h: string, c: string, o: object): RawSession }
    ).createSession('127.0.0.1', community, {
      port: agent.port,
      version: version === 'v1' ? (netSnmp as unknown as { Version1: number }).Version1 : netSnmp.Version2c,
      timeout: 300,
      retries: 0,
    });
    sessions.push(s);
    return s;
  }

  const get = (s: RawSession, oids: string[]) =>
    new Promise<Varbind[]>((resolve, reject) => s.get(oids, (e, v) => (e ? reject(e) : resolve(v!))));

  const walk = (s: RawSession, oid: string) =>
    new Promise<Varbind[]>((resolve, reject) => {
      const rows: Varbind[] = [];
      s.subtree(
        oid,
        5,
        (vbs) => rows.push(...vbs),
        (e) => (e ? reject(e) : resolve(rows)),
      );
    });

  beforeAll(async () => {
    sw = new NetconfSimSwitch({
      id: 'sw-snmp',
      platform: ietfLabPlatform,
      optics: 'h3c',
      ports: [
        { name: '10GE1/0/1', portType: '10GBASE-LR' },
        { name: '10GE1/0/2', portType: '10GBASE-LR' },
      ],
      linkUpDelayMs: 0,
    });
    agent = await LabSnmpAgent.start(sw, { host: '127.0.0.1', community: COMMUNITY });
  });
  afterAll(async () => {
    for (const s of sessions) s.close();
    await agent.close();
    sw.stop();
  });

  it('answers a GET with the values the switch holds, types included', async () => {
    const vbs = await get(session(), [OID.sysUpTime, `${OID.ifName}.2`, `${OID.ifAdminStatus}.1`]);
    expect(vbs.map((v) => v.type)).toEqual([
      VarbindType.TimeTicks,
      VarbindType.OctetString,
      VarbindType.Integer,
    ]);
    expect(String(vbs[1]!.value)).toBe('10GE1/0/2');
    expect(vbs[2]!.value).toBe(2);
  });

  it('follows the switch: a commit and a patch show up in the next answer', async () => {
    sw.patch('10GE1/0/1');
    sw.netconf.applyExternal(
      ietfInterfacesPlatform.intentPayload({
        port: '10GE1/0/1',
        description: 'HC hc-9 alias',
        enabled: true,
        portType: '10GBASE-LR',
      }),
      'test',
    );
    const vbs = await get(session(), [
      `${OID.ifAdminStatus}.1`,
      `${OID.ifOperStatus}.1`,
      '1.3.6.1.2.1.31.1.1.1.18.1',
    ]);
    expect(vbs.map((v) => (v.type === VarbindType.OctetString ? String(v.value) : v.value))).toEqual([
      1,
      1,
      'HC hc-9 alias',
    ]);
  });

  it('noSuchInstance for a missing row of a known column, noSuchObject elsewhere', async () => {
    const vbs = await get(session(), [`${OID.ifName}.99`, '1.3.6.1.4.1.99999.1.0']);
    expect(vbs.map((v) => v.type)).toEqual([VarbindType.NoSuchInstance, VarbindType.NoSuchObject]);
  });

  it('walks a table by GETBULK in OID order and stops at its end', async () => {
    const rows = await walk(session(), OID.ifName);
    expect(rows.map((r) => [r.oid, String(r.value)])).toEqual([
      [`${OID.ifName}.1`, '10GE1/0/1'],
      [`${OID.ifName}.2`, '10GE1/0/2'],
    ]);
  });

  it('GETNEXT past the last object is endOfMibView', async () => {
    const s = session();
    const vbs = await new Promise<Varbind[]>((resolve, reject) =>
      s.getNext(['1.3.6.1.4.1.99999'], (e, v) => (e ? reject(e) : resolve(v!))),
    );
    expect(vbs[0]?.type).toBe(VarbindType.EndOfMibView);
  });

  it('SNMPv1: a missing object is a noSuchName error, as v1 agents answer', async () => {
    await expect(get(session('v1'), [`${OID.ifName}.1`, `${OID.ifName}.99`])).rejects.toThrow(/NoSuchName/i);
    const ok = await get(session('v1'), [`${OID.ifName}.1`]);
    expect(String(ok[0]!.value)).toBe('10GE1/0/1');
  });

  it('refuses a SET (the lab is read-only over SNMP)', async () => {
    const s = session();
    await expect(
      new Promise((resolve, reject) =>
        s.set([{ oid: `${OID.ifAdminStatus}.1`, type: VarbindType.Integer, value: 2 }], (e, v) =>
          e ? reject(e) : resolve(v),
        ),
      ),
    ).rejects.toThrow(/NotWritable/i);
  });

  it('stays silent for a wrong community and while the switch is silent', async () => {
    await expect(get(session('v2c', 'wrong'), [OID.sysUpTime])).rejects.toThrow(/timed out/i);
    expect(agent.counters.badCommunity).toBeGreaterThan(0);
    sw.silence();
    try {
      await expect(get(session(), [OID.sysUpTime])).rejects.toThrow(/timed out/i);
    } finally {
      sw.wake();
    }
    expect((await get(session(), [OID.sysUpTime]))[0]?.type).toBe(VarbindType.TimeTicks);
  });

  it('serves sub-interfaces as l2vlan rows and drops them when removed', async () => {
    sw.addSubinterface('10GE1/0/2', 300);
    const rows = await walk(session(), OID.ifName);
    expect(rows.map((r) => String(r.value))).toEqual(['10GE1/0/1', '10GE1/0/2', '10GE1/0/2.300']);
    sw.removeSubinterface('10GE1/0/2', 300);
    expect((await walk(session(), OID.ifName)).map((r) => String(r.value))).toEqual([
      '10GE1/0/1',
      '10GE1/0/2',
    ]);
  });
});
