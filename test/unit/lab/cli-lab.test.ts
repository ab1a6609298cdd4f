// Lab CLI switches started by startLab, reached over real SSH on loopback by the agent's own CLI
// driver: the config the lab writes (a `cli:` block, loaded by the agent's loader), the driver's
// change landing in the physics, the control API's view, and what reboot and silence do to
// sessions.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/load.js';
import type { DeviceDriver } from '../../../drivers/driver.js';
import { createDriver } from '../../../drivers/factory/factory.js';
import { type CliLabDevice, type Lab, startLab } from '../../../lab/index.js';

const FAST = { rpcTimeoutMs: 3_000, connectTimeoutMs: 3_000, keepaliveIntervalMs: 0 };

describe('lab CLI switches over SSH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-lab-cli-unit-'));
  let lab: Lab<CliLabDevice>;
  const drivers: DeviceDriver[] = [];
  const driverFor = (id: string, o = FAST) => {
    const d = createDriver(lab.deviceConfig(id, o));
    drivers.push(d);
    return d;
  };

  beforeAll(async () => {
    lab = await startLab({
      devices: 2,
      ports: 2,
      platform: ['cli-vrp', 'cli-ios'],
      linkUpDelayMs: 0,
      configOut: join(dir, 'agent.yaml'),
      stateFile: join(dir, 'state.json'),
    });
  });
  afterAll(async () => {
    for (const d of drivers) await d.close();
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes `cli:` blocks the agent loads as is: port, user, password file, pinned host key', () => {
    const cfg = loadConfig({ path: lab.configPath!, env: {} });
    expect(cfg.devices.map((d) => [d.id, d.platform, d.ports.map((p) => p.name)])).toEqual([
      ['lab-sw-01', 'cli-vrp', ['10GE1/0/1', '10GE1/0/2']],
      ['lab-sw-02', 'cli-ios', ['TenGigabitEthernet1/0/1', 'TenGigabitEthernet1/0/2']],
    ]);
    for (const [i, d] of cfg.devices.entries()) {
      const lab1 = lab.devices[i]!;
      expect(d.netconf).toBeUndefined();
      expect(d.cli).toMatchObject({ port: lab1.cli.port, hostKey: lab1.cli.hostKey.fingerprint });
      expect(d.cli?.credentials.password?.reveal()).toBe(lab1.cli.password);
    }
    expect(statSync(join(dir, 'agent-secrets', 'lab-sw-01.cli-password')).mode & 0o077).toBe(0);
  });

  it("the agent's CLI driver provisions a port; the switch's physics and SNMP side follow", async () => {
    for (const d of lab.devices) {
      const port = d.ports[0]!.name;
      d.sim.patch(port);
      const driver = driverFor(d.id);
      const res = await driver.apply({
        port,
        description: 'HC hc-unit-1 ACME',
        enabled: true,
        portType: '10GBASE-LR',
      });
      expect(res).toMatchObject({ changed: true, verified: true, confirmedCommit: false });
      expect(d.sim.port(port)).toMatchObject({
        adminUp: true,
        operUp: true,
        description: 'HC hc-unit-1 ACME',
      });
      // The driver saved it, so it is in the saved configuration too.
      expect(d.sim.cli.startup.get(port)).toMatchObject({ enabled: true, description: 'HC hc-unit-1 ACME' });
      d.sim.addSubinterface(port, 100);
      expect(await driver.listSubinterfaces(port)).toEqual([`${port}.100`]);
      d.sim.removeSubinterface(port, 100);
      expect(await driver.listSubinterfaces(port)).toEqual([]);
    }
  });

  it('the control API describes a CLI switch by its `cli` block and counts its sessions', async () => {
    const list = (await (await fetch(`${lab.controlUrl}/v1/devices`)).json()) as {
      devices: Record<string, unknown>[];
    };
    expect(list.devices[1]).toMatchObject({
      id: 'lab-sw-02',
      platform: 'cli-ios',
      transport: 'cli',
      cli: {
        port: lab.devices[1]!.cli.port,
        username: 'netops',
        hostKey: lab.devices[1]!.cli.hostKey.fingerprint,
      },
    });
    expect(JSON.stringify(list)).not.toContain(lab.devices[1]!.cli.password);
    const one = (await (await fetch(`${lab.controlUrl}/v1/devices/lab-sw-02`)).json()) as Record<
      string,
      unknown
    >;
    // The driver of the test before keeps its session open until idle.
    expect(one).toMatchObject({ transport: 'cli', sessions: 1, locks: { running: null, candidate: null } });
  });

  it('reboot drops the sessions; the driver logs in again once the switch is back', async () => {
    const d = lab.devices[0]!;
    const driver = driverFor(d.id);
    const port = d.ports[1]!.name;
    expect((await driver.readPortConfig(port)).enabled).toBe(false);
    expect(d.sim.describe().sessions).toBeGreaterThanOrEqual(1);
    await d.sim.reboot(300);
    await expect.poll(() => d.sim.describe().sessions, { timeout: 5_000 }).toBe(0);
    expect(await driver.readPortConfig(port)).toMatchObject({ exists: true, enabled: false });
  });

  it('silence hangs an open session and leaves new logins ungreeted; wake answers again', async () => {
    const d = lab.devices[1]!;
    const port = d.ports[1]!.name;
    const open = driverFor(d.id, { ...FAST, rpcTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
    await open.readPortConfig(port);
    d.sim.silence();
    try {
      await expect(open.readPortConfig(port)).rejects.toMatchObject({ code: 'timeout' });
      const fresh = driverFor(d.id, { ...FAST, rpcTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
      await expect(fresh.readPortConfig(port)).rejects.toMatchObject({
        code: expect.stringMatching(/^(timeout|unreachable)$/),
      });
    } finally {
      d.sim.wake();
    }
    expect(await open.readPortConfig(port)).toMatchObject({ exists: true });
  });

  it('env mode names the CLI password in its own variable', async () => {
    const other = await startLab({
      devices: 2,
      ports: 1,
      platform: ['cli-ios', 'ietf-interfaces'],
      secrets: 'env',
      configOut: join(dir, 'env.yaml'),
      controlPort: false,
    });
    try {
      const env = other.config!.env;
      expect(Object.keys(env).sort()).toEqual([
        'DCAGENT_LAB_CLI_PASSWORD',
        'DCAGENT_LAB_NETCONF_PASSWORD',
        'DCAGENT_LAB_SNMP_COMMUNITY',
      ]);
      const cfg = loadConfig({ path: other.configPath!, env });
      expect(cfg.devices[0]?.cli?.credentials.password?.reveal()).toBe(env.DCAGENT_LAB_CLI_PASSWORD);
      expect(cfg.devices[1]?.netconf?.credentials.password?.reveal()).toBe(env.DCAGENT_LAB_NETCONF_PASSWORD);
    } finally {
      await other.stop();
    }
  });
});
