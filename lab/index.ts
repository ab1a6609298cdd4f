import type { DeviceConfig } from '../config/load.js';
import type { Platform } from '../contract/port-types.js';
import { type DeviceOverrides, deviceConfig, type WrittenConfig, writeAgentConfig } from './config-out.js';
import { type ControlApi, startControlApi } from './control-api.js';
import { controlledLab, removeLabState, writeLabState } from './lab-state.js';
import type { LabClock } from './model/lab-clock.js';
import { LabActionError } from './model/switch.js';
import { type LabOptions, type ResolvedLabOptions, resolveLabOptions } from './options.js';
import {
  type LabDevice,
  type LabDeviceFor,
  type SwitchSlot,
  startSwitch,
  stopSlot,
  toConfigDevice,
} from './start-switch.js';

/**
 * The device lab: simulated Direct Connection switches on loopback, in this process, each with
 * an SSH management plane (NETCONF, or a VRP/IOS CLI), an SNMP agent and a physics model tying
 * its optics to what is committed. `startLab` is what the CLI, the demo, tests and benchmarks use.
 */

export interface Lab<D extends LabDevice = LabDevice> {
  readonly devices: readonly D[];
  readonly configPath?: string;
  readonly config?: WrittenConfig;
  readonly controlUrl?: string;
  readonly stateFile?: string;
  /** Milliseconds startLab took. */
  readonly startMs: number;
  /** The lab clock drifts run on (`clockFactor` times real time): give its `now` to an agent's optics clock in tests. */
  readonly clock: LabClock;
  device(id: string): D;
  /** The switch as an agent inventory entry (secrets in memory), for tests and the demo. */
  deviceConfig(id: string, overrides?: DeviceOverrides): DeviceConfig;
  stop(): Promise<void>;
}

/**
 * Starts the lab. The result is typed by the platforms asked for: without `platform` (or with
 * NETCONF models only) every device is a NetconfLabDevice; a CLI dialect gives CliLabDevices.
 */
export async function startLab<P extends Platform = 'ietf-interfaces'>(
  options: LabOptions<P> = {},
): Promise<Lab<LabDeviceFor<P>>> {
  const t0 = performance.now();
  const o = resolveLabOptions(options);
  const slots: SwitchSlot[] = [];
  let control: ControlApi | undefined;
  const stopAll = async (): Promise<void> => {
    await control?.close();
    await Promise.all(slots.map(stopSlot));
  };

  let devices: LabDevice[];
  let written: WrittenConfig | undefined;
  try {
    devices = await startSwitches(o, slots);
    written = writeConfig(devices, o);
    if (options.controlPort !== false) {
      control = await startControlApi(
        controlledLab(devices, deviceLookup(devices)),
        o.host,
        options.controlPort ?? 0,
        o.advertised,
      );
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  const stateFile =
    options.stateFile && control
      ? writeLabState(options.stateFile, {
          pid: process.pid,
          controlUrl: control.url,
          ...(written ? { configPath: written.path } : {}),
          startedAt: new Date().toISOString(),
          devices: devices.length,
        })
      : undefined;

  const device = deviceLookup(devices);
  let stopping: Promise<void> | undefined;
  // Each device was built by its platform's model, so its kind is the one LabDeviceFor<P> names.
  const typed = devices as LabDeviceFor<P>[];
  return {
    devices: typed,
    ...(written ? { configPath: written.path, config: written } : {}),
    ...(control ? { controlUrl: control.url } : {}),
    ...(stateFile ? { stateFile } : {}),
    startMs: Math.round(performance.now() - t0),
    clock: o.clock,
    device: (id) => device(id) as LabDeviceFor<P>,
    deviceConfig: (id, overrides) => deviceConfig(toConfigDevice(device(id)), overrides),
    stop: () => {
      stopping ??= (async () => {
        await stopAll();
        if (stateFile && control) removeLabState(stateFile, control.url);
      })();
      return stopping;
    },
  };
}

/** Every switch at once; each records what it started in its slot, so a failure can be undone. */
function startSwitches(o: ResolvedLabOptions, slots: SwitchSlot[]): Promise<LabDevice[]> {
  return Promise.all(
    Array.from({ length: o.count }, (_, i) => {
      const slot: SwitchSlot = {};
      slots.push(slot);
      return startSwitch(o, i, slot);
    }),
  );
}

/** The agent config for these switches, when `configOut` asks for one. */
function writeConfig(devices: readonly LabDevice[], o: ResolvedLabOptions): WrittenConfig | undefined {
  const { options } = o;
  if (!options.configOut) return undefined;
  return writeAgentConfig(devices.map(toConfigDevice), {
    path: options.configOut,
    secrets: options.secrets ?? 'files',
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    ...(options.monitoringIntervalSeconds
      ? { monitoringIntervalSeconds: options.monitoringIntervalSeconds }
      : {}),
    ...(options.agentHttpHost ? { agentHttpHost: options.agentHttpHost } : {}),
    // The agent listens where the first target points (a second one is another receiver).
    ...(o.trapTargets[0] ? { traps: { listen: o.trapTargets[0].host, port: o.trapTargets[0].port } } : {}),
  });
}

function deviceLookup(devices: readonly LabDevice[]): (id: string) => LabDevice {
  const byId = new Map(devices.map((d) => [d.id, d]));
  return (id) => {
    const d = byId.get(id);
    if (!d) throw new LabActionError(`no switch ${id} in this lab`, 404);
    return d;
  };
}

export { LAB_MODELS, LAB_PLATFORM_NAMES, type LabModel } from './catalog.js';
export { CliSimSwitch } from './cli-device/switch.js';
export { ACTION_NAMES, ACTIONS, type ActionName, runAction } from './control-api.js';
export type { LabState } from './lab-state.js';
export { LabActionError, type LabTransport, SimSwitch } from './model/switch.js';
export { NetconfSimSwitch } from './netconf/switch.js';
export { type LabOptions, validateLabOptions } from './options.js';
export {
  type CliLabDevice,
  type LabDevice,
  type LabDeviceFor,
  type LabSsh,
  type NetconfLabDevice,
  sshOf,
} from './start-switch.js';
