import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ControlledLab } from './control-api.js';
import { type LabDevice, sshOf } from './start-switch.js';

/** The lab as the control API sees it: its switches and how each describes itself. */
export function controlledLab(
  devices: readonly LabDevice[],
  device: (id: string) => LabDevice,
): ControlledLab {
  return {
    switches: devices.map((d) => d.sim),
    switchById: (id) => device(id).sim,
    describeDevice: (id) => {
      const d = device(id);
      const ssh = sshOf(d);
      return {
        id: d.id,
        host: d.host,
        platform: d.platform,
        transport: d.transport,
        optics: d.optics,
        [d.transport]: { port: ssh.port, username: ssh.username, hostKey: ssh.hostKey.fingerprint },
        snmp: { port: d.snmp.port, version: d.snmp.version },
        silent: d.sim.silent,
        rebooting: d.sim.rebooting,
      };
    },
  };
}

/** What `dcagent lab ctl` reads to find a running lab. */
export interface LabState {
  pid: number;
  controlUrl: string;
  configPath?: string;
  startedAt: string;
  devices: number;
}

/** Writes the state file atomically; returns its absolute path. */
export function writeLabState(file: string, state: LabState): string {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return path;
}

/** Removes the state file unless another lab has written its own there since. */
export function removeLabState(path: string, controlUrl: string): void {
  if (stateNamesUs(path, controlUrl)) rmSync(path, { force: true });
}

function stateNamesUs(file: string, controlUrl: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as Partial<LabState>).controlUrl === controlUrl;
  } catch {
    return false;
  }
}
