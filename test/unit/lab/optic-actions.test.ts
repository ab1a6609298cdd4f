// Lab actions for issue 11: a cage that starts empty, `optic-remove` / `optic-insert` (rows that
// vanish and come back, entLastChangeTime moving, a fresh serial) and `snmp-hold`, seen through
// the lab's SNMP responder with net-snmp.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OID } from '../../../drivers/mib/mib.js';
import { HUAWEI_OIDS } from '../../../drivers/optics/huawei.js';
import { netSnmp, type Varbind, VarbindType } from '../../../drivers/transport/snmp.js';
import { runAction } from '../../../lab/control-api.js';
import { LabActionError } from '../../../lab/model/switch.js';
import { ietfLabPlatform } from '../../../lab/netconf/platforms/ietf-interfaces.js';
import { NetconfSimSwitch } from '../../../lab/netconf/switch.js';
import { LabSnmpAgent } from '../../../lab/snmp/agent.js';

interface RawSession {
  get(oids: string[], cb: (err: Error | null, vbs?: Varbind[]) => void): void;
  close(): void;
}

describe('lab transceivers: empty cage, remove, insert; snmp-hold', () => {
  let sw: NetconfSimSwitch;
  let agent: LabSnmpAgent;
  let s: RawSession;
  // Lab ENTITY-MIB layout: port entity 100000 + ifIndex.
  const RX1 = `${HUAWEI_OIDS.rxPower}.100001`;
  const RX2 = `${HUAWEI_OIDS.rxPower}.100002`;
  const SERIAL2 = `${OID.entPhysicalSerialNum}.100002`;
  const get = (oids: string[]) =>
    new Promise<Varbind[]>((resolve, reject) => s.get(oids, (e, v) => (e ? reject(e) : resolve(v!))));
  const lab = { switches: [] as NetconfSimSwitch[], switchById: () => sw, describeDevice: () => ({}) };

  beforeAll(async () => {
    sw = new NetconfSimSwitch({
      id: 'sw-optic',
      platform: ietfLabPlatform,
      optics: 'huawei',
      ports: [
        { name: '10GE1/0/1', portType: '10GBASE-LR' },
        { name: '10GE1/0/2', portType: '10GBASE-LR' },
      ],
      linkUpDelayMs: 0,
      patched: true,
      emptyPorts: ['10GE1/0/2'],
    });
    lab.switches.push(sw);
    agent = await LabSnmpAgent.start(sw, { host: '127.0.0.1', community: 'lab-optic' });
    s = (netSnmp as unknown as { createSession(h: string, c: string, o: object): RawSession }).createSession(
      '127.0.0.1',
      'lab-optic',
      { port: agent.port, version: netSnmp.Version2c, timeout: 5000, retries: 0 },
    );
  });
  afterAll(async () => {
    s.close();
    await agent.close();
    sw.stop();
  });

  it('an empty cage serves no optics rows and no light; the other port does', async () => {
    const [rx1, rx2, serial2, changed] = await get([RX1, RX2, SERIAL2, OID.entLastChangeTime]);
    expect(rx1!.type).toBe(VarbindType.Integer);
    expect(rx2!.type).toBe(VarbindType.NoSuchInstance);
    expect(serial2!.type).toBe(VarbindType.NoSuchInstance);
    expect(changed).toMatchObject({ type: VarbindType.TimeTicks, value: 0 });
    expect(sw.light(sw.port('10GE1/0/2')).every((l) => l.rxDbm === null && l.txDbm === null)).toBe(true);
    expect(sw.describe().ports[1]!.optic).toBeNull();
  });

  it('optic-insert fills the cage with the given serial and moves entLastChangeTime; optic-remove empties it', async () => {
    await new Promise((r) => setTimeout(r, 30));
    runAction(lab as never, 'optic-insert', { device: 'sw-optic', port: '10GE1/0/2', serial: 'SN-42' });
    const [rx2, serial2, changed] = await get([RX2, SERIAL2, OID.entLastChangeTime]);
    expect(rx2!.type).toBe(VarbindType.Integer);
    expect(String(serial2!.value)).toBe('SN-42');
    expect(Number(changed!.value)).toBeGreaterThan(0);
    expect(() => sw.insertOptic('10GE1/0/2')).toThrow(LabActionError);

    runAction(lab as never, 'optic-remove', { device: 'sw-optic', port: '10GE1/0/1' });
    expect((await get([RX1]))[0]!.type).toBe(VarbindType.NoSuchInstance);
    expect(sw.light(sw.port('10GE1/0/1'))[0]!.rxDbm).toBeNull();
    expect(() => sw.removeOptic('10GE1/0/1')).toThrow(LabActionError);
    // A transceiver put back without a serial gets a new one.
    sw.insertOptic('10GE1/0/1');
    expect(sw.port('10GE1/0/1').optic?.serial).toMatch(/^LAB[0-9A-F]{9}$/);
    expect(sw.light(sw.port('10GE1/0/1'))[0]!.rxDbm).not.toBeNull();
  });

  it('snmp-hold answers the next request late, with the values of the moment it answers', async () => {
    sw.cut('10GE1/0/1');
    runAction(lab as never, 'snmp-hold', { device: 'sw-optic', ms: 1_500 });
    const held = sw.snmpHeld;
    const pending = get([RX1]);
    const deadline = Date.now() + 2_000;
    while (sw.snmpHeld === held && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(sw.snmpHeld).toBe(held + 1);
    // Patched while the request is held: the answer already shows the light (-4000 is dark).
    sw.patch('10GE1/0/1');
    expect((await pending)[0]!.value).not.toBe(-4000);
    // Only the next one: the one after is answered at once.
    expect((await get([RX1]))[0]!.value).not.toBe(-4000);
    expect(sw.snmpHeld).toBe(held + 1);
  });
});
