// The control API over HTTP on a small in-process lab, and the agent config the lab writes.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/load.js';
import { type Lab, type NetconfLabDevice, startLab } from '../../../lab/index.js';

describe('lab control API and config', () => {
  let lab: Lab<NetconfLabDevice>;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-lab-unit-'));

  beforeAll(async () => {
    lab = await startLab({
      devices: 2,
      ports: 2,
      optics: ['huawei', 'juniper'],
      platform: ['ietf-interfaces', 'openconfig'],
      linkUpDelayMs: 0,
      configOut: join(dir, 'agent.yaml'),
      stateFile: join(dir, 'state.json'),
    });
  });
  afterAll(async () => {
    await lab.stop();
  });

  async function post(action: string, body: unknown) {
    const res = await fetch(`${lab.controlUrl}/v1/${action}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('lists the switches and shows one in detail', async () => {
    const list = (await (await fetch(`${lab.controlUrl}/v1/devices`)).json()) as {
      devices: { id: string }[];
    };
    expect(list.devices.map((d) => d.id)).toEqual(['lab-sw-01', 'lab-sw-02']);
    const one = (await (await fetch(`${lab.controlUrl}/v1/devices/lab-sw-02`)).json()) as Record<
      string,
      unknown
    >;
    expect(one).toMatchObject({ id: 'lab-sw-02', platform: 'openconfig', optics: 'juniper' });
    expect(JSON.stringify(one)).not.toContain(lab.devices[1]!.netconf.password);
  });

  it('runs actions, patching one port or a whole switch', async () => {
    expect(await post('patch', { device: 'lab-sw-01', port: '10GE1/0/2' })).toEqual({
      status: 200,
      json: { ok: true, action: 'patch', devices: ['lab-sw-01'] },
    });
    expect(lab.device('lab-sw-01').sim.port('10GE1/0/2').patched).toBe(true);
    expect(lab.device('lab-sw-01').sim.port('10GE1/0/1').patched).toBe(false);
    expect((await post('patch', {})).json.devices).toEqual(['lab-sw-01', 'lab-sw-02']);
    expect(lab.device('lab-sw-02').sim.ports.every((p) => p.patched)).toBe(true);
    expect((await post('degrade', { device: 'lab-sw-01', port: '10GE1/0/1', db: 3.5 })).status).toBe(200);
    expect(lab.device('lab-sw-01').sim.port('10GE1/0/1').degradeDb).toBe(3.5);
  });

  it('validates bodies with zod (400), names missing things (404) and conflicts (409)', async () => {
    expect(await post('degrade', { device: 'lab-sw-01', db: 'lots' })).toMatchObject({ status: 400 });
    expect((await post('patch', { device: 'lab-sw-01', colour: 'blue' })).json.error).toMatch(
      /colour: unknown key/,
    );
    expect(await post('cut', { device: 'nope' })).toMatchObject({ status: 404 });
    expect(await post('flap', { device: 'lab-sw-01', port: 'Eth9', count: 1 })).toMatchObject({
      status: 404,
    });
    expect((await post('add-subif', { device: 'lab-sw-01', port: '10GE1/0/1', vlan: 10 })).status).toBe(200);
    expect(await post('add-subif', { device: 'lab-sw-01', port: '10GE1/0/1', vlan: 10 })).toMatchObject({
      status: 409,
    });
    const bad = await fetch(`${lab.controlUrl}/v1/patch`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    expect((await fetch(`${lab.controlUrl}/v1/teleport`, { method: 'POST' })).status).toBe(404);
  });

  it('writes a config the agent loads as is, secrets in private files, host keys pinned', () => {
    const cfg = loadConfig({ path: lab.configPath!, env: {} });
    expect(cfg.devices.map((d) => [d.id, d.platform, d.optics])).toEqual([
      ['lab-sw-01', 'ietf-interfaces', 'huawei'],
      ['lab-sw-02', 'openconfig', 'juniper'],
    ]);
    const d = cfg.devices[0]!;
    const lab1 = lab.devices[0]!;
    expect(d.netconf?.hostKey).toBe(lab1.netconf.hostKey.fingerprint);
    expect(d.netconf?.port).toBe(lab1.netconf.port);
    expect(d.netconf?.credentials.password?.reveal()).toBe(lab1.netconf.password);
    expect(d.snmp.community?.reveal()).toBe(lab1.snmp.community);
    expect(d.ports.map((p) => p.name)).toEqual(['10GE1/0/1', '10GE1/0/2']);
    const text = readFileSync(lab.configPath!, 'utf8');
    expect(text).not.toContain(lab1.netconf.password);
    expect(statSync(join(dir, 'agent-secrets', 'lab-sw-01.netconf-password')).mode & 0o077).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toMatchObject({
      controlUrl: lab.controlUrl,
    });
  });

  it('env mode: one shared password and community, named in the config and handed back', async () => {
    const other = await startLab({
      devices: 2,
      ports: 1,
      secrets: 'env',
      configOut: join(dir, 'env.yaml'),
      controlPort: false,
    });
    try {
      const env = other.config!.env;
      expect(Object.keys(env).sort()).toEqual(['DCAGENT_LAB_NETCONF_PASSWORD', 'DCAGENT_LAB_SNMP_COMMUNITY']);
      const cfg = loadConfig({ path: other.configPath!, env });
      expect(cfg.devices[1]?.netconf?.credentials.password?.reveal()).toBe(
        other.devices[1]!.netconf.password,
      );
      expect(other.devices[0]!.netconf.password).toBe(other.devices[1]!.netconf.password);
    } finally {
      await other.stop();
    }
  });

  it('refuses options it cannot honour, before starting anything', async () => {
    await expect(startLab({ devices: 0 })).rejects.toThrow(/devices must be/);
    await expect(startLab({ platform: 'nx-os' as never })).rejects.toThrow(/no nx-os model/);
    await expect(startLab({ optics: 'acme' as never })).rejects.toThrow(/unknown optics/);
  });
});
