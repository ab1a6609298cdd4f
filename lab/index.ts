import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DeviceConfig } from '../config/load.js';
import { OPTICS_ADAPTERS, type Platform, PORT_TYPES, type PortType } from '../contract/port-types.js';
import type { OpticsAdapterId } from '../drivers/optics/adapter.js';
import { LAB_MODELS, LAB_PLATFORM_NAMES, labModel } from './catalog.js';
import type { CliPlatformName } from './cli-device/platforms.js';
import { LabCliServer } from './cli-device/server.js';
import { CliSimSwitch } from './cli-device/switch.js';
import {
  type ConfigDevice,
  type DeviceOverrides,
  deviceConfig,
  type SecretsMode,
  type WrittenConfig,
  writeAgentConfig,
} from './config-out.js';
import { type ControlApi, type ControlledLab, startControlApi } from './control-api.js';
import { generateHostKey, type HostKey } from './model/host-key.js';
import { LabActionError } from './model/switch.js';
import { LabNetconfServer } from './netconf/server.js';
import { NetconfSimSwitch } from './netconf/switch.js';
import { LabSnmpAgent } from './snmp/agent.js';

/**
 * The device lab: simulated Direct Connection switches on loopback, in this process, each with
 * an SSH management plane (NETCONF, or a VRP/IOS CLI), an SNMP agent and a physics model tying
 * its optics to what is committed. `startLab` is what the CLI, the demo, tests and benchmarks use.
 */

export interface LabOptions<P extends Platform = Platform> {
  /** Number of switches (default 2). */
  devices?: number;
  /** Ports per switch (default 8). */
  ports?: number;
  /** Port types, cycled over each switch's ports (default 10GBASE-LR only). */
  portTypes?: readonly PortType[];
  /**
   * Platform per switch, cycled over the switches (default ietf-interfaces): a NETCONF model or a
   * CLI dialect, whatever LAB_MODELS lists.
   */
  platform?: P | readonly P[];
  /** Optics MIB per switch, cycled over the switches (default huawei). */
  optics?: OpticsAdapterId | readonly OpticsAdapterId[];
  /** Address every switch and the control API listen on (default 127.0.0.1). */
  host?: string;
  /**
   * The address clients should dial, written into the config and the control URL: needed when
   * `host` is a wildcard (0.0.0.0 in a container). Default: `host`, or 127.0.0.1 for a wildcard.
   */
  advertiseHost?: string;
  /** Switch i (0-based) listens on TCP and UDP basePort + i; default: free ports picked by the OS. */
  basePort?: number;
  idPrefix?: string;
  username?: string;
  /** One SSH password (NETCONF or CLI) for every switch; default: a random one each. */
  password?: string;
  /** One SNMP community for every switch; default: a random one each. */
  community?: string;
  /** One ed25519 host key for every switch instead of one each (only worth it far beyond 500). */
  sharedHostKey?: boolean;
  /** OpenSSH public key lines accepted besides the password (tests log in with ncclient by key). */
  authorizedKeys?: readonly string[];
  /** Delay between a port being able to come up and coming up (default 1000 ms). */
  linkUpDelayMs?: number;
  /** Start with every customer fibre patched (default false). */
  patched?: boolean;
  /**
   * Ports (by name, on every switch that has them) whose cage starts empty: configured before the
   * transceiver arrives, the usual order in a data centre. `optic-insert` fills them.
   */
  emptyPorts?: readonly string[];
  /** Where to write the agent config; nothing is written without it. */
  configOut?: string;
  secrets?: SecretsMode;
  redisUrl?: string;
  monitoringIntervalSeconds?: number;
  /**
   * `agent.httpHost` in the written config: 0.0.0.0 in a container, so the published metrics
   * port reaches the agent. Default: not written (the agent's loopback default).
   */
  agentHttpHost?: string;
  /** Control API port on `host` (0, the default, picks one); false for none. */
  controlPort?: number | false;
  /** JSON file telling `dcagent lab ctl` where the control API is; removed by stop(). */
  stateFile?: string;
}

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

export interface Lab<D extends LabDevice = LabDevice> {
  readonly devices: readonly D[];
  readonly configPath?: string;
  readonly config?: WrittenConfig;
  readonly controlUrl?: string;
  readonly stateFile?: string;
  /** Milliseconds startLab took. */
  readonly startMs: number;
  device(id: string): D;
  /** The switch as an agent inventory entry (secrets in memory), for tests and the demo. */
  deviceConfig(id: string, overrides?: DeviceOverrides): DeviceConfig;
  stop(): Promise<void>;
}

export interface LabState {
  pid: number;
  controlUrl: string;
  configPath?: string;
  startedAt: string;
  devices: number;
}

/** Whether the state file still describes this lab (another one may have started since). */
function stateNamesUs(file: string, controlUrl: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as Partial<LabState>).controlUrl === controlUrl;
  } catch {
    return false;
  }
}

function toConfigDevice(d: LabDevice): ConfigDevice {
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

function pick<T>(value: T | readonly T[] | undefined, fallback: T, i: number): T {
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) return value as T;
  const list = value as readonly T[];
  return list.length === 0 ? fallback : list[i % list.length]!;
}

function secret(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('base64url')}`;
}

export function validateLabOptions(o: LabOptions<Platform>): string[] {
  const problems: string[] = [];
  const n = o.devices ?? 2;
  const m = o.ports ?? 8;
  if (!Number.isInteger(n) || n < 1 || n > 5000) problems.push('devices must be 1..5000');
  if (!Number.isInteger(m) || m < 1 || m > 512) problems.push('ports must be 1..512');
  for (const t of o.portTypes ?? []) if (!PORT_TYPES.includes(t)) problems.push(`unknown port type ${t}`);
  const platforms = o.platform === undefined ? [] : Array.isArray(o.platform) ? o.platform : [o.platform];
  for (const p of platforms as Platform[]) {
    if (!LAB_MODELS.has(p))
      problems.push(`the lab has no ${p} model (it serves ${LAB_PLATFORM_NAMES.join(', ')})`);
  }
  const optics = o.optics === undefined ? [] : Array.isArray(o.optics) ? o.optics : [o.optics];
  for (const v of optics as OpticsAdapterId[]) {
    if (!OPTICS_ADAPTERS.includes(v))
      problems.push(`unknown optics ${v} (known: ${OPTICS_ADAPTERS.join(', ')})`);
  }
  if (
    o.basePort !== undefined &&
    (!Number.isInteger(o.basePort) || o.basePort < 1 || o.basePort + n - 1 > 65_535)
  ) {
    problems.push('base port must leave room for every switch below 65536');
  }
  if (o.linkUpDelayMs !== undefined && (!Number.isInteger(o.linkUpDelayMs) || o.linkUpDelayMs < 0)) {
    problems.push('link-up delay must be a whole number of milliseconds');
  }
  return problems;
}

/**
 * Starts the lab. The result is typed by the platforms asked for: without `platform` (or with
 * NETCONF models only) every device is a NetconfLabDevice; a CLI dialect gives CliLabDevices.
 */
export async function startLab<P extends Platform = 'ietf-interfaces'>(
  options: LabOptions<P> = {},
): Promise<Lab<LabDeviceFor<P>>> {
  const t0 = performance.now();
  const problems = validateLabOptions(options);
  if (problems.length > 0) throw new LabActionError(problems.join('; '));
  const count = options.devices ?? 2;
  const portCount = options.ports ?? 8;
  const host = options.host ?? '127.0.0.1';
  const advertised = options.advertiseHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  const username = options.username ?? 'netops';
  const portTypes = options.portTypes?.length ? options.portTypes : (['10GBASE-LR'] as const);
  const width = Math.max(2, String(count).length);
  const prefix = options.idPrefix ?? 'lab-sw-';
  const sharedKey = options.sharedHostKey ? generateHostKey() : undefined;
  // env mode hands one password and one community to every switch, so the agent needs two variables.
  const shared = options.secrets === 'env';
  const sharedPassword = options.password ?? (shared ? secret('') : undefined);
  const sharedCommunity = options.community ?? (shared ? secret('lab-') : undefined);

  const devices: LabDevice[] = [];
  const servers: { ssh?: { close(): Promise<void> }; snmp?: LabSnmpAgent; sim?: { stop(): void } }[] = [];
  let control: ControlApi | undefined;
  const stopAll = async (): Promise<void> => {
    await control?.close();
    await Promise.all(
      servers.map(async (s) => {
        await s.ssh?.close();
        await s.snmp?.close();
        s.sim?.stop();
      }),
    );
  };

  try {
    const started = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const id = `${prefix}${String(i + 1).padStart(width, '0')}`;
        const name: Platform = pick<Platform>(options.platform, 'ietf-interfaces', i);
        const model = labModel(name);
        const optics = pick(options.optics, 'huawei', i);
        const specs = Array.from({ length: portCount }, (_, p) => {
          const portType = portTypes[p % portTypes.length]!;
          return { name: model.platform.portName(portType, p + 1), portType };
        });
        const switchOptions = {
          id,
          optics,
          ports: specs,
          ...(options.linkUpDelayMs !== undefined ? { linkUpDelayMs: options.linkUpDelayMs } : {}),
          ...(options.patched !== undefined ? { patched: options.patched } : {}),
          ...(options.emptyPorts !== undefined ? { emptyPorts: options.emptyPorts } : {}),
        };
        const password = sharedPassword ?? secret('');
        const community = sharedCommunity ?? secret('lab-');
        const hostKey = sharedKey ?? generateHostKey();
        const slot: (typeof servers)[number] = {};
        servers.push(slot);
        const fixed = options.basePort !== undefined ? options.basePort + i : 0;
        const sshOptions = {
          host,
          port: fixed,
          username,
          password,
          hostKey,
          ...(options.authorizedKeys ? { authorizedKeys: options.authorizedKeys } : {}),
        };
        const common = { id, host: advertised, platform: name, optics };
        const portsOf = (sim: { ports: readonly { name: string; portType: PortType; ifIndex: number }[] }) =>
          sim.ports.map((p) => ({ name: p.name, portType: p.portType, ifIndex: p.ifIndex }));
        // Both kinds start the same way: the switch, its SSH server, then its SNMP agent, each
        // recorded in the slot as it comes up so stopAll can undo a half-started lab.
        const serve = async (
          sim: NetconfSimSwitch | CliSimSwitch,
          startSsh: () => Promise<{ port: number; close(): Promise<void> }>,
        ) => {
          slot.sim = sim;
          const server = await startSsh();
          slot.ssh = server;
          slot.snmp = await LabSnmpAgent.start(sim, { host, port: fixed, community });
          return {
            ports: portsOf(sim),
            login: { port: server.port, username, password, hostKey },
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
      }),
    );
    devices.push(...started);
  } catch (err) {
    await stopAll();
    throw err;
  }

  const byId = new Map(devices.map((d) => [d.id, d]));
  const device = (id: string): LabDevice => {
    const d = byId.get(id);
    if (!d) throw new LabActionError(`no switch ${id} in this lab`, 404);
    return d;
  };

  let written: WrittenConfig | undefined;
  try {
    if (options.configOut) {
      const cfgDevices = devices.map(toConfigDevice);
      written = writeAgentConfig(cfgDevices, {
        path: options.configOut,
        secrets: options.secrets ?? 'files',
        ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
        ...(options.monitoringIntervalSeconds
          ? { monitoringIntervalSeconds: options.monitoringIntervalSeconds }
          : {}),
        ...(options.agentHttpHost ? { agentHttpHost: options.agentHttpHost } : {}),
      });
    }
    if (options.controlPort !== false) {
      const controlled: ControlledLab = {
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
      control = await startControlApi(controlled, host, options.controlPort ?? 0, advertised);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  const stateFile = options.stateFile && control ? resolve(options.stateFile) : undefined;
  if (stateFile && control) {
    const state: LabState = {
      pid: process.pid,
      controlUrl: control.url,
      ...(written ? { configPath: written.path } : {}),
      startedAt: new Date().toISOString(),
      devices: devices.length,
    };
    mkdirSync(dirname(stateFile), { recursive: true });
    writeFileSync(`${stateFile}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(`${stateFile}.tmp`, stateFile);
  }

  let stopping: Promise<void> | undefined;
  // Each device was built by its platform's model, so its kind is the one LabDeviceFor<P> names.
  const typed = devices as LabDeviceFor<P>[];
  return {
    devices: typed,
    ...(written ? { configPath: written.path, config: written } : {}),
    ...(control ? { controlUrl: control.url } : {}),
    ...(stateFile ? { stateFile } : {}),
    startMs: Math.round(performance.now() - t0),
    device: (id) => device(id) as LabDeviceFor<P>,
    deviceConfig: (id, overrides) => deviceConfig(toConfigDevice(device(id)), overrides),
    stop: () => {
      stopping ??= (async () => {
        await stopAll();
        if (stateFile && control && stateNamesUs(stateFile, control.url)) rmSync(stateFile, { force: true });
      })();
      return stopping;
    },
  };
}

export { LAB_MODELS, LAB_PLATFORM_NAMES, type LabModel } from './catalog.js';
export { CliSimSwitch } from './cli-device/switch.js';
export { ACTION_NAMES, ACTIONS, type ActionName, runAction } from './control-api.js';
export { LabActionError, type LabTransport, SimSwitch } from './model/switch.js';
export { NetconfSimSwitch } from './netconf/switch.js';
