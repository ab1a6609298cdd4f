import type { Platform, PortType } from '../contract/port-types.js';
import type { OpticsAdapterId } from '../drivers/optics/adapter.js';
import { labModel } from './catalog.js';
import type { CliPlatformName } from './cli-device/platforms.js';
import { LabCliServer } from './cli-device/server.js';
import { CliSimSwitch } from './cli-device/switch.js';
import type { ConfigDevice } from './config-out.js';
import { generateHostKey, type HostKey } from './model/host-key.js';
import { LabNetconfServer } from './netconf/server.js';
import { NetconfSimSwitch } from './netconf/switch.js';
import { pick, type ResolvedLabOptions, secret } from './options.js';
import { LabSnmpAgent } from './snmp/agent.js';
import { LabTrapSender } from './snmp/trap-sender.js';

/** How to log in to a switch's management plane. */
export interface LabSsh {
  port: number;
  username: string;
  password: string;
  hostKey: HostKey;
}

interface LabDeviceBase {
  readonly id: string;
  readonly host: string;
  readonly platform: Platform;
  readonly optics: OpticsAdapterId;
  readonly ports: readonly { name: string; portType: PortType; ifIndex: number }[];
  readonly snmp: { port: number; version: '2c'; community: string };
}

export interface NetconfLabDevice extends LabDeviceBase {
  readonly transport: 'netconf';
  readonly netconf: LabSsh;
  readonly sim: NetconfSimSwitch;
}

export interface CliLabDevice extends LabDeviceBase {
  readonly transport: 'cli';
  readonly cli: LabSsh;
  readonly sim: CliSimSwitch;
}

export type LabDevice = NetconfLabDevice | CliLabDevice;

/** The device type a switch of platform P is: a NETCONF one unless P is a CLI dialect. */
export type LabDeviceFor<P extends Platform> = P extends CliPlatformName ? CliLabDevice : NetconfLabDevice;

/** The SSH block of either kind of switch. */
export function sshOf(d: LabDevice): LabSsh {
  return d.transport === 'netconf' ? d.netconf : d.cli;
}

/** What one switch has running, filled in as each part comes up, so a half-started lab can be undone. */
export interface SwitchSlot {
  ssh?: { close(): Promise<void> };
  snmp?: LabSnmpAgent;
  traps?: LabTrapSender;
  sim?: { stop(): void };
}

export async function stopSlot(s: SwitchSlot): Promise<void> {
  await s.ssh?.close();
  await s.snmp?.close();
  s.traps?.close();
  s.sim?.stop();
}

/** Starts switch i (0-based) of the lab: its physics, its SSH server, then its SNMP agent. */
export async function startSwitch(o: ResolvedLabOptions, i: number, slot: SwitchSlot): Promise<LabDevice> {
  const id = `${o.prefix}${String(i + 1).padStart(o.width, '0')}`;
  const name: Platform = pick<Platform>(o.options.platform, 'ietf-interfaces', i);
  const model = labModel(name);
  const optics = pick(o.options.optics, 'huawei', i);
  const specs = Array.from({ length: o.portCount }, (_, p) => {
    const portType = o.portTypes[p % o.portTypes.length]!;
    return { name: model.platform.portName(portType, p + 1), portType };
  });
  const switchOptions = {
    id,
    optics,
    ports: specs,
    ...(o.options.linkUpDelayMs !== undefined ? { linkUpDelayMs: o.options.linkUpDelayMs } : {}),
    ...(o.options.patched !== undefined ? { patched: o.options.patched } : {}),
    ...(o.options.emptyPorts !== undefined ? { emptyPorts: o.options.emptyPorts } : {}),
    clock: o.clock,
  };
  const password = o.sharedPassword ?? secret('');
  const community = o.sharedCommunity ?? secret('lab-');
  const hostKey = o.sharedKey ?? generateHostKey();
  const fixed = o.options.basePort !== undefined ? o.options.basePort + i : 0;
  const sshOptions = {
    host: o.host,
    port: fixed,
    username: o.username,
    password,
    hostKey,
    ...(o.options.authorizedKeys ? { authorizedKeys: o.options.authorizedKeys } : {}),
  };
  const common = { id, host: o.advertised, platform: name, optics };
  const portsOf = (sim: { ports: readonly { name: string; portType: PortType; ifIndex: number }[] }) =>
    sim.ports.map((p) => ({ name: p.name, portType: p.portType, ifIndex: p.ifIndex }));
  // Both kinds start the same way: the switch, its SSH server, then its SNMP agent, each
  // recorded in the slot as it comes up so a half-started lab can be undone.
  const serve = async (
    sim: NetconfSimSwitch | CliSimSwitch,
    startSsh: () => Promise<{ port: number; close(): Promise<void> }>,
  ) => {
    slot.sim = sim;
    const server = await startSsh();
    slot.ssh = server;
    slot.snmp = await LabSnmpAgent.start(sim, { host: o.host, port: fixed, community });
    if (o.trapTargets.length > 0) {
      slot.traps = new LabTrapSender(sim, {
        targets: o.trapTargets,
        community,
        ...(o.options.trapDrop !== undefined ? { dropFraction: o.options.trapDrop } : {}),
      });
    }
    return {
      ports: portsOf(sim),
      login: { port: server.port, username: o.username, password, hostKey },
      snmp: { port: slot.snmp.port, version: '2c' as const, community },
    };
  };
  if (model.transport === 'netconf') {
    const sim = new NetconfSimSwitch({ ...switchOptions, platform: model.platform });
    const { ports, login, snmp } = await serve(sim, () => LabNetconfServer.start(sim, sshOptions));
    const device: NetconfLabDevice = {
      ...common,
      transport: 'netconf',
      ports,
      netconf: login,
      snmp,
      sim,
    };
    return device;
  }
  const sim = new CliSimSwitch({ ...switchOptions, platform: model.platform });
  const { ports, login, snmp } = await serve(sim, () => LabCliServer.start(sim, sshOptions));
  const device: CliLabDevice = { ...common, transport: 'cli', ports, cli: login, snmp, sim };
  return device;
}

export function toConfigDevice(d: LabDevice): ConfigDevice {
  const ssh = sshOf(d);
  return {
    id: d.id,
    host: d.host,
    platform: d.platform,
    optics: d.optics,
    ports: d.ports,
    transport: d.transport,
    ssh: {
      port: ssh.port,
      username: ssh.username,
      password: ssh.password,
      hostKeyFingerprint: ssh.hostKey.fingerprint,
    },
    snmp: { port: d.snmp.port, community: d.snmp.community },
  };
}
