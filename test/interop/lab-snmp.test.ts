// The lab's SNMP side read by net-snmp's C tools and by the agent's own poller, one switch per
// optics vendor: the values must follow what the control API does to the fibre and the switch.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { createDriver } from '../../drivers/factory/factory.js';
import { OID } from '../../drivers/mib/mib.js';
import type { OpticsAdapterId } from '../../drivers/optics/adapter.js';
import { SnmpPoller } from '../../drivers/snmp/poller.js';
import { type Lab, type LabDevice, startLab } from '../../lab/index.js';
import type { SimPort } from '../../lab/model/switch.js';
import { totalDbm, VENDOR_MIBS } from '../../lab/snmp/optics-mib.js';

const run = promisify(execFile);
const VENDORS: OpticsAdapterId[] = ['huawei', 'h3c', 'juniper', 'cisco', 'entity-sensor', 'none'];
const IF_ALIAS = '1.3.6.1.2.1.31.1.1.1.18';
const IF_LAST_CHANGE = '1.3.6.1.2.1.2.2.1.9';

/** snmpget with the C tool; numeric OIDs and values, one `oid value` pair per varbind. */
async function snmpget(d: LabDevice, oids: readonly string[], timeoutS = 2): Promise<Map<string, string>> {
  const { stdout } = await run('snmpget', [
    '-v2c',
    '-c',
    d.snmp.community,
    '-On',
    '-Oq',
    '-Ot',
    '-t',
    String(timeoutS),
    '-r',
    '0',
    `${d.host}:${d.snmp.port}`,
    ...oids,
  ]);
  const out = new Map<string, string>();
  for (const line of stdout.trim().split('\n')) {
    const at = line.indexOf(' ');
    out.set(line.slice(1, at), line.slice(at + 1).replace(/^"|"$/g, ''));
  }
  return out;
}

async function snmpwalk(d: LabDevice, oid: string): Promise<string[]> {
  const { stdout } = await run('snmpwalk', [
    '-v2c',
    '-c',
    d.snmp.community,
    '-On',
    '-Oq',
    `${d.host}:${d.snmp.port}`,
    oid,
  ]);
  return stdout.trim().split('\n');
}

/** The vendor's light OIDs of one port, and the raw values the lab should be serving in them. */
function lightOf(d: LabDevice, p: SimPort): Map<string, string> {
  const mp = { name: p.name, ifIndex: p.ifIndex, portType: p.portType, lanes: p.laneCount };
  return new Map(
    VENDOR_MIBS[d.optics].lightRows(mp, d.sim.light(p)).map((r) => [r.oid, String(r.value.value)] as const),
  );
}

describe('lab SNMP: C tools and the agent read every vendor, and the physics moves the values', () => {
  let lab: Lab;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-lab-snmp-'));
  const ctl = async (action: string, body: unknown) => {
    const res = await fetch(`${lab.controlUrl}/v1/${action}`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBe(200);
  };
  const byVendor = (v: OpticsAdapterId) => lab.devices.find((d) => d.optics === v)!;

  beforeAll(async () => {
    lab = await startLab({
      devices: VENDORS.length,
      ports: 4,
      portTypes: ['10GBASE-LR', '100GBASE-LR4'],
      optics: VENDORS,
      linkUpDelayMs: 200,
      configOut: join(dir, 'agent.yaml'),
    });
  });
  afterAll(async () => {
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('IF-MIB: snmpwalk lists the ports by ifName, shut and down, with sysUpTime ticking', async () => {
    const d = lab.devices[0]!;
    expect(await snmpwalk(d, OID.ifName)).toEqual(
      d.ports.map((p) => `.${OID.ifName}.${p.ifIndex} "${p.name}"`),
    );
    const first = await snmpget(d, [OID.sysUpTime, `${OID.ifAdminStatus}.1`, `${OID.ifOperStatus}.1`]);
    expect(first.get(`${OID.ifAdminStatus}.1`)).toBe('2');
    expect(first.get(`${OID.ifOperStatus}.1`)).toBe('2');
    await sleep(50);
    const again = await snmpget(d, [OID.sysUpTime]);
    expect(Number(again.get(OID.sysUpTime))).toBeGreaterThan(Number(first.get(OID.sysUpTime)));
  });

  for (const vendor of VENDORS.filter((v) => v !== 'none')) {
    it(`${vendor}: snmpget reads the vendor's dark values, then live light once patched and provisioned`, async () => {
      const d = byVendor(vendor);
      for (const p of d.sim.ports) {
        const want = lightOf(d, p);
        const got = await snmpget(d, [...want.keys()]);
        expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
      }
      await ctl('patch', { device: d.id });
      const driver = createDriver(lab.deviceConfig(d.id));
      try {
        for (const p of d.ports) {
          await driver.apply({
            port: p.name,
            description: `HC hc-${vendor} ${p.name}`,
            enabled: true,
            portType: p.portType,
          });
        }
      } finally {
        await driver.close();
      }
      await sleep(400);
      for (const p of d.sim.ports) {
        const want = lightOf(d, p);
        const got = await snmpget(d, [
          ...want.keys(),
          `${OID.ifOperStatus}.${p.ifIndex}`,
          `${IF_ALIAS}.${p.ifIndex}`,
        ]);
        expect(got.get(`${OID.ifOperStatus}.${p.ifIndex}`)).toBe('1');
        expect(got.get(`${IF_ALIAS}.${p.ifIndex}`)).toBe(`HC hc-${vendor} ${p.name}`);
        for (const [oid, value] of want) expect(got.get(oid)).toBe(value);
        expect([...want.values()].some((v) => v.includes('-4000') || v === '2147483647')).toBe(false);
      }
    });
  }

  it("the agent's own poller reads every vendor's light as the physics says (the wire, discovery and units)", async () => {
    await ctl('patch', {});
    const cfg = loadConfig({ path: lab.configPath! });
    const poller = new SnmpPoller(cfg.devices, cfg.monitoring);
    try {
      for (const d of lab.devices) {
        const results = await poller.poll(d.id);
        for (const r of results) {
          expect(r.ok, `${d.id} ${r.port}: ${r.ok ? '' : r.message}`).toBe(true);
          if (!r.ok) continue;
          const p = d.sim.port(r.port);
          expect(r.adminStatus).toBe(p.adminUp ? 'up' : 'down');
          expect(r.operStatus).toBe(p.operUp ? 'up' : 'down');
          if (d.optics === 'none') {
            expect(r.opticsRead).toBe(false);
            continue;
          }
          const light = d.sim.light(p);
          // h3c carries one total per port; everyone else per lane.
          const want = d.optics === 'h3c' ? [totalDbm(light.map((l) => l.rxDbm))] : light.map((l) => l.rxDbm);
          expect(r.rxDbm.length).toBe(want.length);
          r.rxDbm.forEach((v, i) => {
            expect(Math.abs(v! - want[i]!)).toBeLessThan(0.06);
          });
        }
      }
    } finally {
      poller.close();
    }
  });

  it('cut darkens Rx and drops the link; patch brings both back', async () => {
    const d = byVendor('huawei');
    const p = d.sim.port('10GE1/0/1');
    const rx = `1.3.6.1.4.1.2011.5.25.31.1.1.3.1.8.${100_000 + p.ifIndex}`;
    await ctl('cut', { device: d.id, port: p.name });
    let got = await snmpget(d, [rx, `${OID.ifOperStatus}.1`]);
    expect(got.get(rx)).toBe('-4000');
    expect(got.get(`${OID.ifOperStatus}.1`)).toBe('2');
    await ctl('patch', { device: d.id, port: p.name });
    await sleep(400);
    got = await snmpget(d, [rx, `${OID.ifOperStatus}.1`]);
    expect(Number(got.get(rx))).toBe(Math.round(p.nominalRx[0]! * 100));
    expect(got.get(`${OID.ifOperStatus}.1`)).toBe('1');
  });

  it('degrade lowers Rx by exactly that many dB; past loss of signal the link drops', async () => {
    const d = byVendor('juniper');
    const p = d.sim.port('10GE1/0/1');
    const rx = `1.3.6.1.4.1.2636.3.60.1.1.1.1.5.${p.ifIndex}`;
    await ctl('degrade', { device: d.id, port: p.name, db: 5 });
    let got = await snmpget(d, [rx, `${OID.ifOperStatus}.1`]);
    expect(Number(got.get(rx))).toBe(Math.round((p.nominalRx[0]! - 5) * 100));
    expect(got.get(`${OID.ifOperStatus}.1`)).toBe('1');
    await ctl('degrade', { device: d.id, port: p.name, db: 25 });
    got = await snmpget(d, [`${OID.ifOperStatus}.1`]);
    expect(got.get(`${OID.ifOperStatus}.1`)).toBe('2');
    await ctl('degrade', { device: d.id, port: p.name, db: 0 });
  });

  it('flap takes the link down and up N times: ifOperStatus dips and ifLastChange moves', async () => {
    const d = byVendor('cisco');
    await sleep(300);
    const before = await snmpget(d, [`${IF_LAST_CHANGE}.1`, `${OID.ifOperStatus}.1`]);
    expect(before.get(`${OID.ifOperStatus}.1`)).toBe('1');
    await ctl('flap', { device: d.id, port: '10GE1/0/1', count: 2, downMs: 400, upMs: 400 });
    const during = await snmpget(d, [`${OID.ifOperStatus}.1`]);
    expect(during.get(`${OID.ifOperStatus}.1`)).toBe('2');
    await sleep(1_500);
    const after = await snmpget(d, [`${IF_LAST_CHANGE}.1`, `${OID.ifOperStatus}.1`]);
    expect(after.get(`${OID.ifOperStatus}.1`)).toBe('1');
    expect(Number(after.get(`${IF_LAST_CHANGE}.1`))).toBeGreaterThan(
      Number(before.get(`${IF_LAST_CHANGE}.1`)),
    );
    expect(d.sim.port('10GE1/0/1').flaps).toBe(2);
  });

  it('reboot: no answer while down, then sysUpTime restarts and the links come back with their config', async () => {
    const d = byVendor('entity-sensor');
    await sleep(300);
    const up = await snmpget(d, [OID.sysUpTime]);
    expect(Number(up.get(OID.sysUpTime))).toBeGreaterThan(100);
    await ctl('reboot', { device: d.id, downMs: 1_500 });
    await expect(snmpget(d, [OID.sysUpTime], 1)).rejects.toThrow(/Timeout/);
    await sleep(1_000);
    const back = await snmpget(d, [OID.sysUpTime, `${OID.ifOperStatus}.1`, `${IF_ALIAS}.1`]);
    expect(Number(back.get(OID.sysUpTime))).toBeLessThan(200);
    expect(back.get(`${IF_ALIAS}.1`)).toBe('HC hc-entity-sensor 10GE1/0/1');
    await sleep(400);
    expect((await snmpget(d, [`${OID.ifOperStatus}.1`])).get(`${OID.ifOperStatus}.1`)).toBe('1');
  });

  it('silence: no SNMP answer at all until wake', async () => {
    const d = byVendor('h3c');
    await ctl('silence', { device: d.id });
    await expect(snmpget(d, [OID.sysUpTime], 1)).rejects.toThrow(/Timeout/);
    await ctl('wake', { device: d.id });
    expect((await snmpget(d, [OID.sysUpTime])).has(OID.sysUpTime)).toBe(true);
  });

  it('a sub-interface added through the control API shows up in ifName', async () => {
    const d = byVendor('none');
    await ctl('add-subif', { device: d.id, port: '10GE1/0/1', vlan: 200 });
    expect((await snmpwalk(d, OID.ifName)).at(-1)).toMatch(/"10GE1\/0\/1\.200"$/);
    await ctl('remove-subif', { device: d.id, port: '10GE1/0/1', vlan: 200 });
    expect((await snmpwalk(d, OID.ifName)).join('\n')).not.toContain('.200"');
  });
});
