// Shared by the lab's conformance and interop tests: the lab as a NETCONF peer the rig's tools
// understand (ncclient logs in with a key the lab authorises), and the driver suite run on it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { Platform } from '../../contract/port-types.js';
import { createDriver } from '../../drivers/factory/factory.js';
import { type Lab, type LabDevice, type LabDeviceFor, type LabOptions, startLab } from '../../lab/index.js';
import { generateHostKey } from '../../lab/model/host-key.js';
import type { NetconfPeerInfo } from '../../testkit/peers/types.js';
import { driverConformanceSuite, type OutOfBand } from './driver-suite.js';
import {
  type Model,
  ncclientAddSubinterface,
  ncclientReadPort,
  ncclientRemoveInterface,
} from './netconf-peer-tools.js';

export interface ClientKey {
  keyPath: string;
  publicKey: string;
}

/** An ed25519 client key in a private temporary folder, removed when the file's tests end. */
export function clientKey(): ClientKey {
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-lab-key-'));
  const key = generateHostKey();
  const keyPath = join(dir, 'id_ed25519');
  writeFileSync(keyPath, key.privateKey, { mode: 0o600 });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { keyPath, publicKey: key.publicKey };
}

/** A lab switch in the shape the rig gives its netconfd peers, for the ncclient helpers. */
export function labPeerInfo(d: LabDevice, key: ClientKey): NetconfPeerInfo {
  if (d.transport !== 'netconf') throw new Error(`${d.id} is a ${d.platform} switch; ncclient needs NETCONF`);
  return {
    name: d.id,
    host: d.host,
    port: d.netconf.port,
    username: d.netconf.username,
    privateKeyPath: key.keyPath,
    hostKeySha256: d.netconf.hostKey.fingerprint,
    hostKeys: { ed25519: d.netconf.hostKey.publicKey, rsa: '' },
    logPath: '',
    sshdLogPath: '',
    socketPath: '',
    modules: [],
    seededPorts: d.ports.map((p) => p.name),
  };
}

/**
 * The lab's out-of-band faults on a switch (docs/lab.md "Out-of-band changes"): the same
 * `SimSwitch` calls the control API's `edit` and `reboot --lose-config` make, so every lab
 * platform gets the suite's drift cases.
 */
export function labOutOfBand(device: () => Promise<LabDevice>): OutOfBand {
  return {
    editDescription: async (port, text) => (await device()).sim.editPort(port, { kind: 'description', text }),
    shutdown: async (port) => (await device()).sim.editPort(port, { kind: 'shutdown' }),
    deleteConfig: async (port) => (await device()).sim.editPort(port, { kind: 'delete' }),
    rebootLosingLastCommit: async () => (await device()).sim.reboot(100, { loseConfig: true }),
  };
}

/** Starts one lab for the calling test file (lazily, on first use) and stops it after the file. */
export function labForFile<P extends Platform = 'ietf-interfaces'>(
  options: LabOptions<P>,
  key: ClientKey,
): () => Promise<Lab<LabDeviceFor<P>>> {
  let started: Promise<Lab<LabDeviceFor<P>>> | undefined;
  afterAll(async () => {
    await (await started)?.stop();
  });
  return () => {
    started ??= startLab({ controlPort: false, ...options, authorizedKeys: [key.publicKey] });
    return started;
  };
}

/**
 * The shared DeviceDriver suite against a lab switch of `platform`, read independently through
 * ncclient. Sub-interfaces are made the way each model does it on real devices: a top-level
 * `<port>.<vlan>` entry written by ncclient for ietf-interfaces, the lab's own PVI (a
 * subinterfaces/subinterface index under the port) for OpenConfig.
 */
export function labConformanceSuite(
  platform: Extract<Platform, 'ietf-interfaces' | 'openconfig'>,
  model: Model,
): void {
  const key = clientKey();
  const lab = labForFile({ devices: 1, ports: 4, platform }, key);
  const device = async () => (await lab()).devices[0]!;
  const ports: [string, string] = ['10GE1/0/1', '10GE1/0/2'];
  driverConformanceSuite(
    `${platform} on a lab switch`,
    async () => createDriver((await lab()).deviceConfig((await device()).id, { confirmTimeoutSeconds: 30 })),
    {
      name: `lab-${model}`,
      ports,
      independentRead: async (port) => ncclientReadPort(labPeerInfo(await device(), key), model, port),
      addSubinterface: async (port, vlan) => {
        const d = await device();
        if (model === 'ietf') await ncclientAddSubinterface(labPeerInfo(d, key), model, port, vlan);
        else d.sim.addSubinterface(port, vlan);
      },
      removeSubinterface: async (port, vlan) => {
        const d = await device();
        if (model === 'ietf') await ncclientRemoveInterface(labPeerInfo(d, key), model, `${port}.${vlan}`);
        else d.sim.removeSubinterface(port, vlan);
      },
      outOfBand: labOutOfBand(device),
    },
  );
}
