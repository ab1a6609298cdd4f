// A lab CLI switch without a transport: lines typed into the emulator's shell drive the lab's
// physics (admin follows the committed running config), PVIs made through the lab show in the
// running config, a reload keeps only what was saved, and SNMP names the ports as the box does.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OID } from '../../../drivers/mib/mib.js';
import { netSnmp, type Varbind } from '../../../drivers/transport/snmp.js';
import { LAB_MODELS } from '../../../lab/catalog.js';
import {
  iosLabCliPlatform,
  type LabCliPlatform,
  vrpLabCliPlatform,
} from '../../../lab/cli-device/platforms.js';
import { CliShell } from '../../../lab/cli-device/shell.js';
import { CliSimSwitch } from '../../../lab/cli-device/switch.js';
import type { SwitchChange } from '../../../lab/model/switch.js';
import { LAB_PLATFORMS } from '../../../lab/netconf/platforms/index.js';
import { LabSnmpAgent } from '../../../lab/snmp/agent.js';

function labSwitch(platform: LabCliPlatform, linkUpDelayMs = 1000): CliSimSwitch {
  return new CliSimSwitch({
    id: 'lab-sw-07',
    platform,
    optics: 'huawei',
    ports: [
      { name: platform.portName('10GBASE-LR', 1), portType: '10GBASE-LR' },
      { name: platform.portName('100GBASE-LR4', 2), portType: '100GBASE-LR4' },
    ],
    linkUpDelayMs,
  });
}

/** A session on the switch's emulator, typed into line by line; returns what it printed. */
function console_(sw: CliSimSwitch) {
  let out = '';
  const shell = new CliShell(sw.cli, { write: (t) => (out += t), end: () => {} }, 99);
  shell.start();
  return {
    shell,
    type(...lines: string[]): string {
      out = '';
      for (const l of lines) shell.feed(`${l}\r`);
      return out;
    },
  };
}

describe('every lab platform has exactly one front end', () => {
  it('LAB_MODELS holds every NETCONF model and both CLI dialects, each under its own name', () => {
    expect([...LAB_MODELS.keys()]).toEqual([...LAB_PLATFORMS.keys(), 'cli-vrp', 'cli-ios']);
    for (const [name, m] of LAB_MODELS) expect(m.platform.name).toBe(name);
    expect(LAB_MODELS.get('cli-vrp')).toMatchObject({
      transport: 'cli',
      platform: { profile: { commit: 'two-stage' } },
    });
    expect(LAB_MODELS.get('huawei-vrp')?.transport).toBe('netconf');
  });

  it('ports are named as each box names them', () => {
    expect(vrpLabCliPlatform.portName('10GBASE-LR', 1)).toBe('10GE1/0/1');
    expect(vrpLabCliPlatform.portName('1000BASE-LX', 3)).toBe('GE1/0/3');
    expect(iosLabCliPlatform.portName('10GBASE-LR', 1)).toBe('TenGigabitEthernet1/0/1');
    expect(iosLabCliPlatform.portName('100GBASE-LR4', 2)).toBe('HundredGigE1/0/2');
    expect(iosLabCliPlatform.ifName?.('TenGigabitEthernet1/0/1.100')).toBe('Te1/0/1.100');
    expect(iosLabCliPlatform.ifName?.('GigabitEthernet1/0/3')).toBe('Gi1/0/3');
  });
});

describe('lab CLI switch physics', () => {
  let sw: CliSimSwitch;
  let changes: SwitchChange[];
  beforeEach(() => {
    vi.useFakeTimers();
    changes = [];
  });
  afterEach(() => {
    sw.stop();
    vi.useRealTimers();
  });
  const watch = (s: CliSimSwitch) => {
    s.onChange((c) => changes.push(c));
    return s;
  };

  it('VRP8: `undo shutdown` is nothing until commit; then admin up, and oper up after the link-up delay', () => {
    sw = watch(labSwitch(vrpLabCliPlatform));
    const port = '10GE1/0/1';
    sw.patch(port);
    const c = console_(sw);
    expect(
      c.type('system-view', `interface ${port}`, 'description HC hc-1 ACME | NYC', 'undo shutdown'),
    ).toContain(`[*LAB-SW-07-${port}]`);
    expect(sw.port(port)).toMatchObject({ adminUp: false, description: undefined });
    c.type('commit');
    expect(sw.port(port)).toMatchObject({ adminUp: true, operUp: false, description: 'HC hc-1 ACME | NYC' });
    expect(sw.light(sw.port(port))[0]!.txDbm).not.toBeNull();
    vi.advanceTimersByTime(999);
    expect(sw.port(port).operUp).toBe(false);
    vi.advanceTimersByTime(1);
    expect(sw.port(port).operUp).toBe(true);
    c.type(`interface ${port}`, 'shutdown', 'commit', 'return');
    expect(sw.port(port)).toMatchObject({ adminUp: false, operUp: false });
    expect(sw.light(sw.port(port))[0]!.txDbm).toBeNull();
    expect(changes.some((ch) => ch.kind === 'running')).toBe(true);
  });

  it('IOS: every line takes effect at once', () => {
    sw = labSwitch(iosLabCliPlatform, 0);
    const port = 'TenGigabitEthernet1/0/1';
    sw.patch(port);
    const c = console_(sw);
    c.type('configure terminal', `interface ${port}`, 'no shutdown');
    expect(sw.port(port)).toMatchObject({ adminUp: true, operUp: true });
    c.type('description HC hc-2 <b> & "c"');
    expect(sw.port(port).description).toBe('HC hc-2 <b> & "c"');
    c.type('end');
  });

  it('a PVI made through the lab is an `interface <port>.<vlan>` block in the running config, and goes again', () => {
    sw = watch(labSwitch(vrpLabCliPlatform));
    const port = '10GE1/0/1';
    sw.addSubinterface(port, 100);
    sw.addSubinterface(port, 20);
    expect(sw.port(port).subinterfaces).toEqual([`${port}.20`, `${port}.100`]);
    const c = console_(sw);
    const shown = c.type('display current-configuration interface 10GE1/0/1.100');
    expect(shown).toContain(`interface ${port}.100\r\n dot1q termination vid 100`);
    expect(c.type('display current-configuration | include ^interface')).toMatch(
      /interface 10GE1\/0\/1\r\ninterface 10GE1\/0\/1\.20\r\ninterface 10GE1\/0\/1\.100\r\n/,
    );
    expect(sw.subinterfaceIndexes().map((s) => [s.name, s.ifIndex])).toEqual([
      [`${port}.100`, 1001],
      [`${port}.20`, 1002],
    ]);
    expect(() => sw.addSubinterface(port, 20)).toThrow(expect.objectContaining({ status: 409 }));
    expect(() => sw.addSubinterface('10GE9/0/9', 20)).toThrow(expect.objectContaining({ status: 404 }));
    sw.removeSubinterface(port, 100);
    expect(sw.port(port).subinterfaces).toEqual([`${port}.20`]);
    expect(() => sw.removeSubinterface(port, 100)).toThrow(expect.objectContaining({ status: 404 }));
    expect(c.type('display current-configuration | include ^interface')).not.toContain('.100');
    expect(changes.filter((ch) => ch.kind === 'interfaces')).toHaveLength(3);
    // An operator typing one on the console counts as much as the lab's back door.
    c.type('system-view', `interface ${port}.300`, 'dot1q termination vid 300', 'commit', 'return');
    expect(sw.port(port).subinterfaces).toEqual([`${port}.20`, `${port}.300`]);
  });

  it('reboot: dark and unreachable, then running is the saved config (unsaved lines gone, lab PVIs kept)', async () => {
    sw = labSwitch(iosLabCliPlatform);
    const [a, b] = ['TenGigabitEthernet1/0/1', 'HundredGigE1/0/2'];
    sw.patch();
    const c = console_(sw);
    c.type('configure terminal', `interface ${a}`, 'description saved', 'no shutdown', 'end');
    expect(c.type('write memory')).toContain('[OK]');
    c.type('configure terminal', `interface ${b}`, 'description not saved', 'no shutdown', 'end');
    sw.addSubinterface(a, 100);
    vi.advanceTimersByTime(1000);
    expect(sw.port(b)).toMatchObject({ adminUp: true, operUp: true });

    const back = sw.reboot(2000);
    expect(sw.reachable).toBe(false);
    expect(sw.port(a)).toMatchObject({ adminUp: true, operUp: false });
    expect(sw.port(b)).toMatchObject({ adminUp: false, operUp: false, description: undefined });
    vi.advanceTimersByTime(2000);
    await back;
    vi.advanceTimersByTime(1000);
    expect(sw.port(a)).toMatchObject({ adminUp: true, operUp: true, description: 'saved' });
    expect(sw.port(a).subinterfaces).toEqual([`${a}.100`]);
    expect(sw.port(b).operUp).toBe(false);
  });

  it('describe() names the transport and counts open CLI sessions; no locks, no confirmed commit', () => {
    sw = labSwitch(vrpLabCliPlatform);
    expect(sw.describe()).toMatchObject({
      platform: 'cli-vrp',
      transport: 'cli',
      sessions: 0,
      locks: { running: null, candidate: null },
      confirmPendingSeconds: null,
    });
    const c = console_(sw);
    expect(sw.describe().sessions).toBe(1);
    c.type('quit');
    c.shell.close();
    expect(sw.describe().sessions).toBe(0);
  });
});

describe('SNMP of a lab CLI switch', () => {
  it('IOS: ifName is the short form, ifDescr the configured name, sysName the hostname', async () => {
    const sw = labSwitch(iosLabCliPlatform, 0);
    sw.addSubinterface('TenGigabitEthernet1/0/1', 100);
    const agent = await LabSnmpAgent.start(sw, { host: '127.0.0.1', community: 'cli-unit' });
    const session = netSnmp.createSession('127.0.0.1', 'cli-unit', {
      port: agent.port,
      version: netSnmp.Version2c,
      timeout: 1000,
      retries: 0,
    }) as unknown as {
      get(oids: string[], cb: (e: Error | null, v?: Varbind[]) => void): void;
      close(): void;
    };
    try {
      const vbs = await new Promise<Varbind[]>((resolve, reject) =>
        session.get(
          [
            `${OID.ifName}.1`,
            `${OID.ifDescr}.1`,
            `${OID.ifName}.1001`,
            `${OID.ifDescr}.1001`,
            '1.3.6.1.2.1.1.5.0',
            '1.3.6.1.2.1.1.1.0',
          ],
          (e, v) => (e ? reject(e) : resolve(v!)),
        ),
      );
      expect(vbs.map((v) => String(v.value))).toEqual([
        'Te1/0/1',
        'TenGigabitEthernet1/0/1',
        'Te1/0/1.100',
        'TenGigabitEthernet1/0/1.100',
        'lab-sw-07',
        expect.stringContaining('cli-ios over an SSH CLI'),
      ]);
    } finally {
      session.close();
      await agent.close();
      sw.stop();
    }
  });

  it('VRP: the sysname is upper case, as VRP boxes are usually named, and SNMP says so', () => {
    const sw = labSwitch(vrpLabCliPlatform);
    expect(sw.cli.hostname).toBe('LAB-SW-07');
    expect(sw.sysName).toBe('LAB-SW-07');
    expect(sw.ifName('10GE1/0/1')).toBe('10GE1/0/1');
    sw.stop();
  });
});
